package org.spiffelab.scenario.conformance;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Runs inside a container attested as a workload: relays each TCP connection on a port to a Unix socket, so a client
 * outside (the test JVM) speaks to the SPIRE agent and to sds-agent as that workload. JDK only: the class file is
 * copied into a JRE image and started with {@code java -cp}.
 *
 * <pre>java -cp DIR org.spiffelab.scenario.conformance.UnixRelay 7001=/run/spire/sockets/agent.sock ...</pre>
 */
public final class UnixRelay {

    private UnixRelay() {
    }

    public static void main(String[] args) throws IOException {
        for (String arg : args) {
            ServerSocket server = new ServerSocket(Integer.parseInt(arg.substring(0, arg.indexOf('='))));
            Path socket = Path.of(arg.substring(arg.indexOf('=') + 1));
            Thread acceptor = new Thread(() -> accept(server, socket), "relay-" + server.getLocalPort());
            acceptor.start();
        }
        System.out.println("relay ready");
    }

    private static void accept(ServerSocket server, Path socket) {
        while (true) {
            try {
                Socket tcp = server.accept();
                tcp.setTcpNoDelay(true);
                SocketChannel unix;
                try {
                    unix = SocketChannel.open(StandardProtocolFamily.UNIX);
                    unix.connect(UnixDomainSocketAddress.of(socket));
                } catch (IOException e) {
                    System.out.println("cannot reach " + socket + ": " + e);
                    tcp.close();
                    continue;
                }
                // Channel streams of one SocketChannel share a lock (a blocked read would stall every write): use the
                // channel itself, which reads and writes concurrently.
                pump(tcp.getInputStream()::read, (b, n) -> unix.write(ByteBuffer.wrap(b, 0, n)), unix::shutdownOutput);
                pump(b -> unix.read(ByteBuffer.wrap(b)), (b, n) -> tcp.getOutputStream().write(b, 0, n), tcp::shutdownOutput);
            } catch (IOException e) {
                System.out.println("relay on " + server.getLocalPort() + ": " + e);
            }
        }
    }

    private interface Close {
        void run() throws IOException;
    }

    private interface Read {
        int into(byte[] buffer) throws IOException;
    }

    private interface Write {
        void from(byte[] buffer, int length) throws IOException;
    }

    private static void pump(Read in, Write out, Close done) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try {
                int n;
                while ((n = in.into(buffer)) >= 0) {
                    if (n > 0) {
                        out.from(buffer, n);
                    }
                }
            } catch (IOException e) {
                // the other side went away
            } finally {
                try {
                    done.run();
                } catch (IOException e) {
                    // already closed
                }
            }
        });
        thread.setDaemon(true);
        thread.start();
    }
}
