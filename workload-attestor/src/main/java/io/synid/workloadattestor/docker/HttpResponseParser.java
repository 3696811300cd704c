package io.synid.workloadattestor.docker;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Parses an HTTP/1.1 response from a growing buffer: {@link #parse} answers empty until the
 * buffer holds a whole response (by {@code Content-Length}, chunked encoding, or end of stream).
 * Malformed input throws {@link MalformedResponseException}; nothing here trusts the peer's sizes
 * beyond the caller's byte bound, which applies to the raw buffer.
 */
final class HttpResponseParser {

    private static final int MAX_HEADER_BYTES = 64 * 1024;

    /** The response is not HTTP/1.x or is internally inconsistent. */
    static final class MalformedResponseException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedResponseException(String message) {
            super(message);
        }
    }

    private HttpResponseParser() {
    }

    /**
     * @param data the bytes received so far
     * @param length how many bytes of {@code data} are valid
     * @param eof whether the peer closed the stream
     */
    static Optional<HttpResponse> parse(byte[] data, int length, boolean eof) throws MalformedResponseException {
        int headerEnd = indexOf(data, length, 0, "\r\n\r\n");
        if (headerEnd < 0) {
            if (length > MAX_HEADER_BYTES) {
                throw new MalformedResponseException("response headers exceed " + MAX_HEADER_BYTES + " bytes");
            }
            if (eof) {
                throw new MalformedResponseException("connection closed before the response headers ended");
            }
            return Optional.empty();
        }
        String head = new String(data, 0, headerEnd, StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.") || !statusLine[1].matches("\\d{3}")) {
            throw new MalformedResponseException("not an HTTP/1.x status line");
        }
        int status = Integer.parseInt(statusLine[1]);
        long contentLength = -1;
        boolean chunked = false;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                throw new MalformedResponseException("malformed header line");
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            if (name.equals("content-length")) {
                if (!value.matches("\\d{1,18}") || (contentLength >= 0 && contentLength != Long.parseLong(value))) {
                    throw new MalformedResponseException("invalid Content-Length");
                }
                contentLength = Long.parseLong(value);
            } else if (name.equals("transfer-encoding")) {
                if (!value.equalsIgnoreCase("chunked")) {
                    throw new MalformedResponseException("unsupported Transfer-Encoding");
                }
                chunked = true;
            }
        }
        int bodyStart = headerEnd + 4;
        if (status == 204 || status == 304 || (status >= 100 && status < 200)) {
            return Optional.of(new HttpResponse(status, new byte[0]));
        }
        if (chunked) {
            return dechunk(data, length, bodyStart, eof).map(body -> new HttpResponse(status, body));
        }
        if (contentLength >= 0) {
            if (length - bodyStart >= contentLength) {
                byte[] body = new byte[(int) contentLength];
                System.arraycopy(data, bodyStart, body, 0, body.length);
                return Optional.of(new HttpResponse(status, body));
            }
            if (eof) {
                throw new MalformedResponseException("connection closed before the body ended");
            }
            return Optional.empty();
        }
        if (!eof) {
            return Optional.empty();
        }
        byte[] body = new byte[length - bodyStart];
        System.arraycopy(data, bodyStart, body, 0, body.length);
        return Optional.of(new HttpResponse(status, body));
    }

    private static Optional<byte[]> dechunk(byte[] data, int length, int start, boolean eof)
            throws MalformedResponseException {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        int at = start;
        while (true) {
            int lineEnd = indexOf(data, length, at, "\r\n");
            if (lineEnd < 0) {
                return incomplete(eof);
            }
            String sizeText = new String(data, at, lineEnd - at, StandardCharsets.ISO_8859_1);
            int semicolon = sizeText.indexOf(';');
            if (semicolon >= 0) {
                sizeText = sizeText.substring(0, semicolon);
            }
            sizeText = sizeText.trim();
            if (!sizeText.matches("[0-9a-fA-F]{1,7}")) {
                throw new MalformedResponseException("invalid chunk size");
            }
            int size = Integer.parseInt(sizeText, 16);
            at = lineEnd + 2;
            if (size == 0) {
                // Skip trailers up to the empty line that ends the message.
                while (true) {
                    int end = indexOf(data, length, at, "\r\n");
                    if (end < 0) {
                        return incomplete(eof);
                    }
                    if (end == at) {
                        return Optional.of(body.toByteArray());
                    }
                    at = end + 2;
                }
            }
            if (length - at < size + 2) {
                return incomplete(eof);
            }
            if (data[at + size] != '\r' || data[at + size + 1] != '\n') {
                throw new MalformedResponseException("chunk not terminated by CRLF");
            }
            body.write(data, at, size);
            at += size + 2;
        }
    }

    private static Optional<byte[]> incomplete(boolean eof) throws MalformedResponseException {
        if (eof) {
            throw new MalformedResponseException("connection closed inside a chunked body");
        }
        return Optional.empty();
    }

    private static int indexOf(byte[] data, int length, int from, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.ISO_8859_1);
        outer:
        for (int i = from; i <= length - n.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (data[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
