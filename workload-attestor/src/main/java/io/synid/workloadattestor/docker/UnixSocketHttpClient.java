package io.synid.workloadattestor.docker;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * A minimal HTTP/1.1 GET client over a Unix domain socket, for the Docker Engine API
 * ({@code java.net.http} cannot dial Unix sockets).
 *
 * <p>One connection per request ({@code Connection: close}); the whole exchange, connect
 * included, must finish within the timeout, and the raw response may not exceed
 * {@code maxResponseBytes}. Both bounds protect the agent from a stuck or hostile daemon.
 */
final class UnixSocketHttpClient {

    private final Path socket;
    private final Duration timeout;
    private final int maxResponseBytes;

    UnixSocketHttpClient(Path socket, Duration timeout, int maxResponseBytes) {
        this.socket = socket;
        this.timeout = timeout;
        this.maxResponseBytes = maxResponseBytes;
    }

    /** Thrown for every failure: connect, timeout, oversize, malformed response. */
    static final class HttpException extends Exception {
        private static final long serialVersionUID = 1L;

        HttpException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Sends {@code GET path} and reads the whole response.
     *
     * @param path an origin-form request target, already percent-encoded
     */
    HttpResponse get(String path) throws HttpException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: docker\r\nUser-Agent: synid-agent\r\n"
                + "Accept: application/json\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            channel.configureBlocking(false);
            if (!channel.connect(UnixDomainSocketAddress.of(socket))) {
                channel.register(selector, SelectionKey.OP_CONNECT);
                await(selector, deadline, "connecting");
                channel.finishConnect();
            }
            ByteBuffer out = ByteBuffer.wrap(request);
            SelectionKey key = channel.register(selector, SelectionKey.OP_WRITE);
            while (out.hasRemaining()) {
                if (channel.write(out) == 0) {
                    await(selector, deadline, "sending the request");
                }
            }
            key.interestOps(SelectionKey.OP_READ);
            byte[] data = new byte[Math.min(maxResponseBytes + 1, 64 * 1024)];
            int length = 0;
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            while (true) {
                in.clear();
                int n = channel.read(in);
                if (n == 0) {
                    await(selector, deadline, "reading the response");
                    continue;
                }
                boolean eof = n < 0;
                if (!eof) {
                    if (length + n > maxResponseBytes) {
                        throw new HttpException("response larger than " + maxResponseBytes + " bytes", null);
                    }
                    if (length + n > data.length) {
                        data = Arrays.copyOf(data, Math.min(maxResponseBytes + 1, Math.max(length + n, data.length * 2)));
                    }
                    in.flip();
                    in.get(data, length, n);
                    length += n;
                }
                Optional<HttpResponse> response = HttpResponseParser.parse(data, length, eof);
                if (response.isPresent()) {
                    return response.get();
                }
            }
        } catch (HttpResponseParser.MalformedResponseException e) {
            throw new HttpException("malformed HTTP response: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new HttpException(e.toString(), e);
        }
    }

    private void await(Selector selector, long deadline, String what) throws IOException, HttpException {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            throw new HttpException("timed out after " + timeout.toMillis() + " ms " + what, null);
        }
        selector.selectedKeys().clear();
        if (selector.select(Math.max(1, remaining / 1_000_000)) == 0 && deadline - System.nanoTime() <= 0) {
            throw new HttpException("timed out after " + timeout.toMillis() + " ms " + what, null);
        }
    }
}
