public import KubeAPI

extension KubeClient {
    /// The whole log of a pod's container (`options.follow` is ignored: see `followLogs`).
    public func logs(pod: String, namespace: String? = nil, options: LogOptions = LogOptions()) async throws -> String {
        var o = options
        o.follow = false
        let body = try await send(.logs(namespace: resolve(namespace) ?? self.namespace, pod: pod, options: o))
        return String(decoding: body, as: UTF8.self)
    }

    /// The log as it is written, line by line (without the newline; empty lines kept),
    /// until the container ends or the consumer stops. Opened on the first `next()`.
    public func followLogs(pod: String, namespace: String? = nil,
                           options: LogOptions = LogOptions()) -> AsyncThrowingStream<String, any Error> {
        var o = options
        o.follow = true
        let request = APIRequest.logs(namespace: resolve(namespace) ?? self.namespace, pod: pod, options: o)
        let reader = LogLineReader(client: self, request: request)
        return AsyncThrowingStream(unfolding: { try await reader.next() })
    }
}

/// Pulls a followed log's chunks and cuts them into lines. Used by one consumer at a
/// time (AsyncThrowingStream(unfolding:) calls it serially).
final class LogLineReader: @unchecked Sendable {
    private let client: KubeClient
    private let request: APIRequest
    private var stream: ResponseStream?
    private var pending: [UInt8] = []
    private var lines: [String] = []
    private var next = 0
    private var ended = false

    init(client: KubeClient, request: APIRequest) {
        self.client = client
        self.request = request
    }

    func next() async throws -> String? {
        while true {
            if next < lines.count {
                defer { next += 1 }
                return lines[next]
            }
            lines.removeAll(keepingCapacity: true)
            next = 0
            if ended { return nil }
            if stream == nil { stream = try await client.openStream(request, idleTimeout: nil) }
            guard let chunk = try await stream?.next() else {
                ended = true
                stream = nil
                if !pending.isEmpty {
                    lines.append(String(decoding: pending, as: UTF8.self))
                    pending = []
                }
                continue
            }
            var start = chunk.startIndex
            for i in chunk.indices where chunk[i] == UInt8(ascii: "\n") {
                pending.append(contentsOf: chunk[start..<i])
                if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                lines.append(String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
                start = i + 1
            }
            pending.append(contentsOf: chunk[start...])
        }
    }
}
