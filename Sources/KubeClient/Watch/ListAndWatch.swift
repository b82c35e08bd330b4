public import KubeAPI
public import SkeinJSON
import Logging

/// What `listAndWatch` delivers.
public enum ListWatchEvent: Sendable {
    /// A complete list: what the caller holds should be replaced by these objects. Comes
    /// first, and again whenever the watch fell too far behind (410 Gone).
    case listed(items: [JSONValue], resourceVersion: String)
    /// A change after the last list: ADDED, MODIFIED, DELETED or BOOKMARK (never ERROR).
    case event(WatchEvent)
}

/// Options of `listAndWatch`.
public struct ListWatchOptions: Sendable, Hashable {
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Page size of (re-)lists.
    public var pageSize: Int
    /// Asks the server to end each watch after this long (it is then re-opened).
    public var watchTimeoutSeconds: Int?
    /// Backoff between failed attempts: doubles from `initialBackoff` to `maxBackoff`.
    public var initialBackoff: Duration
    public var maxBackoff: Duration

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, pageSize: Int = 500,
                watchTimeoutSeconds: Int? = nil, initialBackoff: Duration = .milliseconds(200),
                maxBackoff: Duration = .seconds(30)) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.pageSize = pageSize
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }
}

extension KubeClient {
    /// Lists, then watches from the list's resourceVersion, for as long as the consumer
    /// reads. A dropped connection or a closed watch resumes from the last
    /// resourceVersion seen (bookmarks included), with backoff while it keeps failing; a
    /// 410 Gone lists again. Errors no retry can fix (401, 403, 404...) end the stream.
    public func listAndWatch(_ resource: ResourceType, namespace: String? = nil,
                             options: ListWatchOptions = ListWatchOptions()) -> AsyncThrowingStream<ListWatchEvent, any Error> {
        let w = ListWatcher(client: self, resource: resource, namespace: resolve(namespace), options: options)
        return AsyncThrowingStream(unfolding: { try await w.next() })
    }
}

/// The state of one `listAndWatch`; used by one consumer at a time.
final class ListWatcher: @unchecked Sendable {
    private let client: KubeClient
    private let resource: ResourceType
    private let namespace: String?
    private let options: ListWatchOptions
    private var resourceVersion = ""
    private var needList = true
    private var watch: WatchReader?
    private var failures = 0
    private var eventsThisWatch = 0

    init(client: KubeClient, resource: ResourceType, namespace: String?, options: ListWatchOptions) {
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.options = options
    }

    func next() async throws -> ListWatchEvent? {
        while true {
            try Task.checkCancellation()
            if needList {
                do {
                    // `namespace` is resolved already (nil: every namespace); `listAll` resolves
                    // again, where nil is the default namespace and "" every one.
                    let l = try await client.listAll(resource, namespace: namespace ?? "",
                                                     options: ListOptions(labelSelector: options.labelSelector,
                                                                          fieldSelector: options.fieldSelector),
                                                     pageSize: options.pageSize)
                    needList = false
                    failures = 0
                    resourceVersion = l.resourceVersion
                    return .listed(items: l.items, resourceVersion: l.resourceVersion)
                } catch let e as KubeError where e.isRetryable {
                    try await backOff("list", e)
                    continue
                }
            }
            if watch == nil {
                let o = ListOptions(labelSelector: options.labelSelector, fieldSelector: options.fieldSelector,
                                    resourceVersion: resourceVersion, timeoutSeconds: options.watchTimeoutSeconds,
                                    allowWatchBookmarks: true)
                watch = WatchReader(client: client, request: .watch(resource, namespace: namespace, options: o))
                eventsThisWatch = 0
            }
            do {
                if let e = try await watch?.next() {
                    if let rv = e.object.resourceVersion, !rv.isEmpty { resourceVersion = rv }
                    failures = 0
                    eventsThisWatch += 1
                    return .event(e)
                }
                // The server ended the watch: pick up where it stopped (after a pause if it
                // ended at once, so a server that keeps closing is not hammered).
                watch = nil
                if eventsThisWatch == 0 { try await backOff("watch", nil) }
            } catch KubeError.gone(let s) {
                client.logger.debug("watch of \(resource) at \(resourceVersion) expired (\(s.message)): listing again")
                watch = nil
                needList = true
            } catch let e as KubeError where e.isRetryable {
                watch = nil
                try await backOff("watch", e)
            }
        }
    }

    private func backOff(_ what: String, _ error: KubeError?) async throws {
        failures += 1
        var d = options.initialBackoff
        for _ in 1..<max(1, failures) where d < options.maxBackoff { d *= 2 }
        d = min(d, options.maxBackoff)
        if let e = error { client.logger.debug("\(what) of \(resource) failed (\(e)); again in \(d)") }
        try await Task.sleep(for: d + d * Double.random(in: 0..<0.2))
    }
}
