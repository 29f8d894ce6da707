// go-authz-reference: the Go reference for scripts/benchmark-authz.sh. A minimal Envoy ext_authz v3 gRPC server that
// validates Bearer JWT-SVIDs as spire-tutorials' envoy-jwt-auth-helper does per request: go-spiffe v2's
// jwtsvid.ParseAndValidate against a Workload API JWT bundle source, then an allow-list of subjects.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	auth "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	envoytype "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
)

type server struct {
	auth.UnimplementedAuthorizationServer
	bundles  *workloadapi.JWTSource
	audience string
	allowed  map[string]bool
}

func (s *server) Check(_ context.Context, req *auth.CheckRequest) (*auth.CheckResponse, error) {
	header := req.GetAttributes().GetRequest().GetHttp().GetHeaders()["authorization"]
	if len(header) < 7 || !strings.EqualFold(header[:7], "Bearer ") {
		return denied(401, codes.Unauthenticated, "missing or non-Bearer Authorization header"), nil
	}
	svid, err := jwtsvid.ParseAndValidate(strings.TrimSpace(header[7:]), s.bundles, []string{s.audience})
	if err != nil {
		return denied(401, codes.Unauthenticated, err.Error()), nil
	}
	if !s.allowed[svid.ID.String()] {
		return denied(403, codes.PermissionDenied, "subject "+svid.ID.String()+" is not allowed"), nil
	}
	return &auth.CheckResponse{
		Status: &rpcstatus.Status{Code: int32(codes.OK)},
		HttpResponse: &auth.CheckResponse_OkResponse{OkResponse: &auth.OkHttpResponse{
			Headers: []*core.HeaderValueOption{{
				Header:       &core.HeaderValue{Key: "x-spiffe-id", Value: svid.ID.String()},
				AppendAction: core.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD,
			}},
			HeadersToRemove: []string{"authorization"},
		}},
	}, nil
}

func denied(httpStatus int, code codes.Code, reason string) *auth.CheckResponse {
	return &auth.CheckResponse{
		Status: &rpcstatus.Status{Code: int32(code), Message: reason},
		HttpResponse: &auth.CheckResponse_DeniedResponse{DeniedResponse: &auth.DeniedHttpResponse{
			Status: &envoytype.HttpStatus{Code: envoytype.StatusCode(httpStatus)},
			Body:   reason + "\n",
		}},
	}
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to serve ext_authz on")
	socket := flag.String("workload-api", "unix:///tmp/spire-agent/public/api.sock", "Workload API address")
	audience := flag.String("audience", "", "the audience a token must carry")
	allowed := flag.String("allowed", "", "comma-separated SPIFFE IDs allowed through")
	flag.Parse()
	if *audience == "" || *allowed == "" {
		fmt.Fprintln(os.Stderr, "go-authz-reference: -audience and -allowed are required")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	bundles, err := workloadapi.NewJWTSource(ctx, workloadapi.WithClientOptions(workloadapi.WithAddr(*socket)))
	cancel()
	if err != nil {
		log.Fatalf("go-authz-reference: no JWT bundles from %s: %v", *socket, err)
	}
	defer bundles.Close()
	s := &server{bundles: bundles, audience: *audience, allowed: map[string]bool{}}
	for _, id := range strings.Split(*allowed, ",") {
		s.allowed[strings.TrimSpace(id)] = true
	}
	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("go-authz-reference: listen %s: %v", *listen, err)
	}
	g := grpc.NewServer()
	auth.RegisterAuthorizationServer(g, s)
	// the benchmark script waits for this line to learn the port
	fmt.Printf("listening on %s\n", lis.Addr())
	go func() {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
		<-stop
		g.GracefulStop()
	}()
	if err := g.Serve(lis); err != nil {
		log.Fatal(err)
	}
}
