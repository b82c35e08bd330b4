public import KubeAPI

extension KubeClient {
    /// Watches a collection: one event per line of the response, decoded as it arrives
    /// (the response is never held whole). Opened on the first `next()`.
    ///
    /// The stream ends when the server closes the watch (`timeoutSeconds`, or its own
    /// limit). An `ERROR` event ends it with a thrown `KubeError`: `.gone` (410) when
    /// `resourceVersion` is too old, so the caller lists again. Dropping the stream or
    /// cancelling the consuming task ends the transfer.
    public func watch(_ resource: ResourceType, namespace: String? = nil,
                      options: ListOptions = ListOptions()) -> AsyncThrowingStream<WatchEvent, any Error> {
        let reader = WatchReader(client: self, request: .watch(resource, namespace: resolve(namespace), options: options))
        return AsyncThrowingStream(unfolding: { try await reader.next() })
    }
}

/// Reads one watch response event by event. Used by one consumer at a time.
final class WatchReader: @unchecked Sendable {
    private let client: KubeClient
    private let request: APIRequest
    private var stream: ResponseStream?
    private var splitter = LineSplitter()
    private var lines: [[UInt8]] = []
    private var index = 0
    private var ended = false

    init(client: KubeClient, request: APIRequest) {
        self.client = client
        self.request = request
    }

    func next() async throws -> WatchEvent? {
        while true {
            if index < lines.count {
                let line = lines[index]
                index += 1
                let event = try WatchEvent(line: line)
                if event.type == .error {
                    close()
                    let status = event.status ?? Status(code: 500, reason: "InternalError", message: "watch error")
                    throw status.code == 410 ? KubeError.gone(status) : KubeError(status: status)
                }
                return event
            }
            lines.removeAll(keepingCapacity: true)
            index = 0
            if ended { return nil }
            if stream == nil { stream = try await client.openStream(request, idleTimeout: nil) }
            do {
                if let chunk = try await stream?.next() {
                    lines = try splitter.feed(chunk)
                } else {
                    ended = true
                    stream = nil
                    if let last = splitter.finish() { lines = [last] }
                }
            } catch {
                close()
                throw error
            }
        }
    }

    /// Ends the transfer; later calls return nil.
    func close() {
        stream?.cancel()
        stream = nil
        ended = true
        lines = []
        index = 0
    }
}
