package io.synid.workloadattestor.docker;

/**
 * A complete HTTP/1.1 response as read from the Engine API socket.
 *
 * @param status the status code
 * @param body the body, de-chunked
 */
record HttpResponse(int status, byte[] body) {
}
