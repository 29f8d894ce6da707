package org.spiffelab.sds.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Makes a socket path ready to bind: a stale socket is removed, a live one (another server answers) is left alone. */
final class SocketPath {

    private SocketPath() {
    }

    static void prepare(Path socket) throws IOException {
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.isRegularFile(socket, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(socket, LinkOption.NOFOLLOW_LINKS)
                    || Files.isSymbolicLink(socket)) {
                throw new IOException(socket + " exists and is not a socket: refusing to replace it");
            }
            if (answers(socket)) {
                throw new IOException(socket + " is served by a running process (another sds-agent?): refusing to take it over");
            }
            Files.delete(socket);
        }
        Path folder = socket.toAbsolutePath().getParent();
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new IOException("cannot create the socket folder " + folder + ": " + e.getMessage(), e);
        }
    }

    private static boolean answers(Path socket) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (java.net.ConnectException e) {
            return false;
        } catch (IOException e) {
            throw new IOException("cannot tell whether " + socket + " is in use (" + e.getMessage() + "): refusing to replace it", e);
        }
    }
}
