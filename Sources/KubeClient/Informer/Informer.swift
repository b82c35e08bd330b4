public import KubeAPI
import SkeinJSON
import Synchronization

/// Keeps an `ObjectStore` in step with the API server through `KubeClient.listAndWatch`
/// (list, then watch from the list's version; resume after a dropped watch; list again
/// after 410 Gone), and tells handlers about every change. With a resync period handlers
/// also see every object again periodically (as an update with old == new), which lets
/// reconcilers repair drift. Errors the stream cannot retry (403, say) restart it after a
/// backoff, so an informer survives RBAC being fixed later.
public final class Informer: Sendable {
    public typealias Handler = @Sendable (StoreChange) -> Void
    public typealias Source = @Sendable () -> AsyncThrowingStream<ListWatchEvent, any Error>

    public let store: ObjectStore
    private let source: Source
    private let resyncPeriod: Duration?
    private let backoff: WorkQueue<Int>.Backoff

    private struct State {
        var handlers: [Handler] = []
        var synced = false
        var syncWaiters: [CheckedContinuation<Void, Never>] = []
        var lastResourceVersion = ""
        var lists = 0
        var lastError: String?
    }
    private let state = Mutex(State())

    public init(source: @escaping Source, indexers: [String: ObjectStore.IndexFunction] = [:], resyncPeriod: Duration? = nil,
                backoff: WorkQueue<Int>.Backoff = .init(base: .milliseconds(200), max: .seconds(30))) {
        self.source = source
        self.store = ObjectStore(indexers: indexers)
        self.resyncPeriod = resyncPeriod
        self.backoff = backoff
    }

    /// An informer on one resource, optionally selected: in `namespace`, every namespace with
    /// "", the client's default namespace with nil (as `KubeClient.list`).
    public convenience init(client: KubeClient, resource: ResourceType, namespace: String?,
                            options: ListWatchOptions = ListWatchOptions(),
                            indexers: [String: ObjectStore.IndexFunction] = [:], resyncPeriod: Duration? = nil) {
        self.init(source: { client.listAndWatch(resource, namespace: namespace, options: options) },
                  indexers: indexers, resyncPeriod: resyncPeriod)
    }

    /// Adds a handler; add them before `run`. Handlers run on the informer's task: keep
    /// them short (typically: put a key in a work queue).
    public func onChange(_ handler: @escaping Handler) {
        state.withLock { $0.handlers.append(handler) }
    }

    /// True once the first list is in the store.
    public var hasSynced: Bool { state.withLock { $0.synced } }

    /// How many full lists the informer has loaded (1 after the start; more after 410s).
    public var listCount: Int { state.withLock { $0.lists } }

    /// The last resourceVersion seen (of a list, an event or a bookmark).
    public var lastResourceVersion: String { state.withLock { $0.lastResourceVersion } }

    /// The last error that restarted the stream, if any.
    public var lastError: String? { state.withLock { $0.lastError } }

    /// Waits until the first list is in the store.
    public func waitForSync() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now: Bool = state.withLock { s in
                if s.synced { return true }
                s.syncWaiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    /// Runs until the task is cancelled.
    public func run() async {
        let resync: Task<Void, Never>? = resyncPeriod.map { period in
            Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: period)
                    guard let self, !Task.isCancelled else { return }
                    for o in self.store.list() { self.emit(.updated(old: o, new: o)) }
                }
            }
        }
        defer { resync?.cancel() }

        var failures = 0
        while !Task.isCancelled {
            do {
                for try await event in source() {
                    failures = 0
                    switch event {
                    case .listed(let items, let rv):
                        let changes = store.replace(with: items)
                        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { s in
                            s.lists += 1
                            s.lastResourceVersion = rv
                            s.synced = true
                            defer { s.syncWaiters = [] }
                            return s.syncWaiters
                        }
                        for c in changes { emit(c) }
                        for w in waiters { w.resume() }
                    case .event(let e):
                        if let rv = e.object.resourceVersion { state.withLock { $0.lastResourceVersion = rv } }
                        if let change = store.apply(e) { emit(change) }
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                state.withLock { $0.lastError = "\(error)" }
            }
            if Task.isCancelled { return }
            try? await Task.sleep(for: backoff.delay(afterFailures: failures))
            failures += 1
        }
    }

    private func emit(_ change: StoreChange) {
        let handlers = state.withLock { $0.handlers }
        for h in handlers { h(change) }
    }
}
