import CCurl
import Synchronization

/// One request in flight. The curl loop's thread owns the easy handle and calls the
/// callbacks; the waiting task sees only what the mutex guards.
///
/// A plain request ends in `completion`. A streaming one resolves `head` once the
/// response headers are in (or with the error body when the status is not 2xx), then
/// hands body chunks to one reader through `nextChunk()`, at most `bufferLimit` bytes
/// ahead of it: past that the write callback pauses the transfer and the reader
/// resumes it when it has caught up.
final class Transfer: @unchecked Sendable {
    let request: HTTPRequest
    let bufferLimit: Int

    // Loop-thread only.
    var handle: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var connectTo: UnsafeMutablePointer<curl_slist>?
    let errorBuffer: UnsafeMutablePointer<CChar>
    var status = 0
    var headers: [String: String] = [:]
    var body: [UInt8] = []
    var headComplete = false
    /// 2 for HTTP/2, 1 for HTTP/1.x, 0 before the head arrived.
    var httpVersion = 0

    private struct State {
        var completion: CheckedContinuation<HTTPResponse, any Error>?
        var head: CheckedContinuation<(Int, [String: String]), any Error>?
        var headResolved = false
        var finished = false
        var failure: (any Error)?
        var cancelled = false
        // Streaming.
        var chunks: [[UInt8]] = []
        var first = 0
        var buffered = 0
        var paused = false
        var reader: CheckedContinuation<[UInt8]?, any Error>?
    }
    private let state = Mutex(State())

    init(request: HTTPRequest, bufferLimit: Int = 1 << 20) {
        self.request = request
        self.bufferLimit = bufferLimit
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        errorBuffer.deallocate()
        if let l = headerList { curl_slist_free_all(l) }
        if let l = connectTo { curl_slist_free_all(l) }
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    // MARK: waiting side

    func setCompletion(_ c: CheckedContinuation<HTTPResponse, any Error>) {
        let early: (any Error)? = state.withLock { s in
            if s.cancelled { return CancellationError() }
            s.completion = c
            return nil
        }
        if let e = early { c.resume(throwing: e) }
    }

    func setHead(_ c: CheckedContinuation<(Int, [String: String]), any Error>) {
        let early: (any Error)? = state.withLock { s in
            if s.cancelled { return CancellationError() }
            s.head = c
            return nil
        }
        if let e = early { c.resume(throwing: e) }
    }

    /// Marks the transfer cancelled and fails whoever waits; the loop removes the handle.
    func markCancelled() {
        fail(CancellationError(), cancelled: true)
    }

    /// The next body chunk of a streaming response; nil at its end. Returns true in
    /// `resume` when the transfer was paused and should be resumed.
    func nextChunk(onResume: () -> Void) async throws -> [UInt8]? {
        let n: Next = state.withLock { s in
            if s.first < s.chunks.count { return Self.pop(&s, bufferLimit: bufferLimit) }
            if let f = s.failure { return .failed(f) }
            if s.finished { return .end }
            return .wait
        }
        switch n {
        case .chunk(let c, let resume):
            if resume { onResume() }
            return c
        case .end: return nil
        case .failed(let e): throw e
        case .wait: break
        }
        let c: [UInt8]? = try await withCheckedThrowingContinuation { (c: CheckedContinuation<[UInt8]?, any Error>) in
            let now: Next = state.withLock { s in
                if s.first < s.chunks.count { return Self.pop(&s, bufferLimit: bufferLimit) }
                if let f = s.failure { return .failed(f) }
                if s.finished { return .end }
                s.reader = c
                return .wait
            }
            switch now {
            case .chunk(let chunk, let resume):
                if resume { onResume() }
                c.resume(returning: chunk)
            case .end: c.resume(returning: nil)
            case .failed(let e): c.resume(throwing: e)
            case .wait: break
            }
        }
        return c
    }

    private static func pop(_ s: inout State, bufferLimit: Int) -> Next {
        let c = s.chunks[s.first]
        s.chunks[s.first] = []
        s.first += 1
        s.buffered -= c.count
        if s.first == s.chunks.count {
            s.chunks.removeAll(keepingCapacity: true)
            s.first = 0
        } else if s.first > 64 {
            s.chunks.removeFirst(s.first)
            s.first = 0
        }
        var resume = false
        if s.paused && s.buffered <= bufferLimit / 2 {
            s.paused = false
            resume = true
        }
        return .chunk(c, resume: resume)
    }
    private enum Next { case chunk([UInt8], resume: Bool), end, failed(any Error), wait }

    // MARK: loop side

    /// Response header lines, one per call; the blank line ends a header block.
    func didReceiveHeader(_ line: UnsafeRawBufferPointer) {
        if line.count <= 2 && (line.first == UInt8(ascii: "\r") || line.first == UInt8(ascii: "\n")) {
            var code = 0
            if let h = handle { _ = skein_curl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &code) }
            if code >= 200 || code == 0 {
                status = code
                headComplete = true
                noteHTTPVersion()
                if request.streaming && code < 300 { resolveHead() }
            } else {
                headers = [:]  // an interim 1xx block
            }
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
        var value = line[(colon + 1)...]
        while let f = value.first, f == 32 || f == 9 { value = value.dropFirst() }
        while let l = value.last, l == 13 || l == 10 || l == 32 { value = value.dropLast() }
        headers[name] = String(decoding: value, as: UTF8.self)
    }

    /// Body bytes. Returns what the write callback returns: the count taken, or
    /// `CURL_WRITEFUNC_PAUSE` when the reader is too far behind.
    func didReceiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        if !headComplete, let h = handle {
            _ = skein_curl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
            headComplete = true
            if request.streaming && status < 300 { resolveHead() }
        }
        if !request.streaming || status >= 300 {
            body.append(contentsOf: bytes)
            return bytes.count
        }
        let chunk = Array(bytes)
        let (reader, paused): (CheckedContinuation<[UInt8]?, any Error>?, Bool) = state.withLock { s in
            if s.buffered >= bufferLimit {
                s.paused = true
                return (nil, true)
            }
            if let r = s.reader {
                s.reader = nil
                return (r, false)
            }
            s.chunks.append(chunk)
            s.buffered += chunk.count
            return (nil, false)
        }
        if paused { return 0x1000_0001 }  // CURL_WRITEFUNC_PAUSE
        reader?.resume(returning: chunk)
        return bytes.count
    }

    /// The HTTP version of the answer, read while the handle is ours (libcurl's numbering:
    /// CURL_HTTP_VERSION_2_0 is HTTP/2).
    private func noteHTTPVersion() {
        guard let h = handle else { return }
        var v = 0
        _ = skein_curl_getinfo_long(h, CURLINFO_HTTP_VERSION, &v)
        httpVersion = v == Int(CURL_HTTP_VERSION_2_0) ? 2 : v == 0 ? 0 : 1
    }

    private func resolveHead() {
        let (h, result): (CheckedContinuation<(Int, [String: String]), any Error>?, (Int, [String: String])) = state.withLock { s in
            guard !s.headResolved else { return (nil, (0, [:])) }
            s.headResolved = true
            let h = s.head
            s.head = nil
            return (h, (status, headers))
        }
        h?.resume(returning: result)
    }

    /// The transfer ended: `error` nil for a complete response.
    func complete(error: (any Error)?) {
        if let e = error {
            fail(e, cancelled: false)
            return
        }
        var response = HTTPResponse(status: status, headers: headers, body: body)
        response.httpVersion = httpVersion
        if request.streaming && status >= 300 {
            fail(APIErrorResponse(response: response), cancelled: false)
            return
        }
        if request.streaming { resolveHead() }
        let (completion, reader): (CheckedContinuation<HTTPResponse, any Error>?, CheckedContinuation<[UInt8]?, any Error>?) =
            state.withLock { s in
                s.finished = true
                let c = s.completion, r = s.reader
                s.completion = nil
                s.reader = nil
                return (c, r)
            }
        completion?.resume(returning: response)
        reader?.resume(returning: nil)
    }

    private func fail(_ e: any Error, cancelled: Bool) {
        let (completion, head, reader) = state.withLock { s -> (CheckedContinuation<HTTPResponse, any Error>?,
                                                              CheckedContinuation<(Int, [String: String]), any Error>?,
                                                              CheckedContinuation<[UInt8]?, any Error>?) in
            if cancelled { s.cancelled = true }
            if s.finished || s.failure != nil { return (nil, nil, nil) }
            s.failure = e
            s.headResolved = true
            let r = (s.completion, s.head, s.reader)
            s.completion = nil
            s.head = nil
            s.reader = nil
            return r
        }
        completion?.resume(throwing: e)
        head?.resume(throwing: e)
        reader?.resume(throwing: e)
    }
}

/// A non-2xx answer to a streaming request, with its whole (small) body.
struct APIErrorResponse: Error {
    var response: HTTPResponse
}
