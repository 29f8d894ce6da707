package org.spiffelab.sds.server;

import com.google.protobuf.Empty;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.BindableService;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * sds-agent's own counters over its socket ({@code sds-agent status}): how many SDS streams are open and were opened,
 * the snapshot version held. What a test or an operator asks to learn who is being served, instead of reading logs.
 */
public final class StatusService implements BindableService {

    static final MethodDescriptor<Empty, Struct> GET = MethodDescriptor.<Empty, Struct>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("spiffelab.sdsagent.v1.Status", "Get"))
            .setRequestMarshaller(ProtoUtils.marshaller(Empty.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(Struct.getDefaultInstance()))
            .build();

    private final Supplier<Map<String, Long>> counters;

    public StatusService(Supplier<Map<String, Long>> counters) {
        this.counters = counters;
    }

    @Override
    public ServerServiceDefinition bindService() {
        return ServerServiceDefinition.builder("spiffelab.sdsagent.v1.Status")
                .addMethod(GET, ServerCalls.asyncUnaryCall((request, response) -> {
                    Struct.Builder status = Struct.newBuilder();
                    counters.get().forEach((k, v) -> status.putFields(k, Value.newBuilder().setNumberValue(v).build()));
                    response.onNext(status.build());
                    response.onCompleted();
                }))
                .build();
    }

    /** Asks a running agent. */
    public static Struct get(Channel channel) {
        return ClientCalls.blockingUnaryCall(channel, GET, io.grpc.CallOptions.DEFAULT.withDeadlineAfter(3, TimeUnit.SECONDS),
                Empty.getDefaultInstance());
    }
}
