import KubeAPI

/// The HTTP side of a client: one curl loop (one thread, one multi handle) for one
/// API server. Requests suspend the calling task, never a thread.
final class HTTPTransport: Sendable {
    private let loop: CurlLoop
    /// How many bytes of a stream may wait for its reader before the transfer pauses.
    let streamBufferLimit: Int

    init(server: String, tls: ServerTLS, proxy: String?, streamBufferLimit: Int = 1 << 20) throws(KubeError) {
        loop = try CurlLoop(server: server, tls: tls, proxy: proxy)
        self.streamBufferLimit = streamBufferLimit
    }

    deinit { loop.shutdown() }

    var server: String { loop.server }

    /// How many times a stream was paused for a slow reader (for tests).
    var pauses: Int { loop.pauses }

    /// Sends a request and waits for its whole response. Cancelling the task removes
    /// the transfer and throws `CancellationError`.
    func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        let t = Transfer(request: request)
        let loop = self.loop
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<HTTPResponse, any Error>) in
                t.setCompletion(c)
                loop.start(t)
            }
        } onCancel: {
            loop.cancel(t)
        }
    }

    /// Sends a request whose response is read as a stream. Returns once the headers are
    /// in; a non-2xx answer throws `APIErrorResponse` with its body.
    func stream(_ request: HTTPRequest) async throws -> ResponseStream {
        var r = request
        r.streaming = true
        let t = Transfer(request: r, bufferLimit: streamBufferLimit)
        let loop = self.loop
        let head = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<(Int, [String: String]), any Error>) in
                t.setHead(c)
                loop.start(t)
            }
        } onCancel: {
            loop.cancel(t)
        }
        return ResponseStream(transfer: t, loop: loop, status: head.0, headers: head.1)
    }
}

/// The body of a streaming response, chunk by chunk, for one reader. Dropping it or
/// cancelling the reading task ends the transfer.
final class ResponseStream: Sendable {
    let status: Int
    let headers: [String: String]
    private let transfer: Transfer
    private let loop: CurlLoop

    init(transfer: Transfer, loop: CurlLoop, status: Int, headers: [String: String]) {
        self.transfer = transfer
        self.loop = loop
        self.status = status
        self.headers = headers
    }

    deinit { loop.cancel(transfer) }

    /// The next chunk, or nil when the server ended the response.
    func next() async throws -> [UInt8]? {
        let t = transfer, loop = self.loop
        return try await withTaskCancellationHandler {
            try await t.nextChunk(onResume: { loop.resume(t) })
        } onCancel: {
            loop.cancel(t)
        }
    }

    /// Ends the transfer now.
    func cancel() { loop.cancel(transfer) }
}
