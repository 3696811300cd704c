package io.synid.workloadattestor.docker;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * A Docker Engine API stand-in on a Unix socket: reads each request head and answers with the
 * raw bytes its handler returns (null: hold the connection open until closed).
 */
final class FakeEngineApi implements AutoCloseable {

    final List<String> requests = new CopyOnWriteArrayList<>();
    private final ServerSocketChannel server;
    private final Thread thread;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final List<SocketChannel> held = new CopyOnWriteArrayList<>();

    FakeEngineApi(Path socket, Function<String, byte[]> handler) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        thread = new Thread(() -> serve(handler), "fake-engine-api");
        thread.setDaemon(true);
        thread.start();
    }

    private void serve(Function<String, byte[]> handler) {
        while (stop.getCount() > 0) {
            try {
                SocketChannel client = server.accept();
                StringBuilder head = new StringBuilder();
                ByteBuffer buffer = ByteBuffer.allocate(4096);
                while (!head.toString().contains("\r\n\r\n")) {
                    buffer.clear();
                    if (client.read(buffer) < 0) {
                        break;
                    }
                    buffer.flip();
                    head.append(StandardCharsets.ISO_8859_1.decode(buffer));
                }
                String requestLine = head.toString().split("\r\n", 2)[0];
                requests.add(requestLine);
                byte[] response = handler.apply(requestLine.split(" ")[1]);
                if (response == null) {
                    held.add(client);
                    continue;
                }
                ByteBuffer out = ByteBuffer.wrap(response);
                while (out.hasRemaining()) {
                    client.write(out);
                }
                client.close();
            } catch (IOException e) {
                return;
            }
        }
    }

    static byte[] json(int status, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return concat("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                + "\r\n\r\n", bytes);
    }

    static byte[] chunked(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < bytes.length; i += 7) {
            int n = Math.min(7, bytes.length - i);
            out.append(Integer.toHexString(n)).append("\r\n")
                    .append(new String(bytes, i, n, StandardCharsets.ISO_8859_1)).append("\r\n");
        }
        out.append("0\r\n\r\n");
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] raw(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(String head, byte[] body) {
        byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[h.length + body.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(body, 0, out, h.length, body.length);
        return out;
    }

    @Override
    public void close() throws IOException {
        stop.countDown();
        server.close();
        for (SocketChannel channel : held) {
            channel.close();
        }
    }
}
