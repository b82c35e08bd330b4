public import KubeAPI
public import SkeinJSON
import Synchronization

/// Where an informer gets its objects: one list, then a watch from the list's version.
/// `KubeClient.listWatch(...)` builds one for a resource, namespace and selectors.
public struct ListWatch: Sendable {
    public struct Page: Sendable {
        public var items: [JSONValue]
        public var resourceVersion: String
        public init(items: [JSONValue], resourceVersion: String) {
            self.items = items
            self.resourceVersion = resourceVersion
        }
    }

    /// Lists everything (all pages).
    public var list: @Sendable () async throws -> Page
    /// Watches from a resourceVersion.
    public var watch: @Sendable (_ resourceVersion: String) async throws -> AsyncThrowingStream<WatchEvent, any Error>

    public init(list: @escaping @Sendable () async throws -> Page,
                watch: @escaping @Sendable (_ resourceVersion: String) async throws -> AsyncThrowingStream<WatchEvent, any Error>) {
        self.list = list
        self.watch = watch
    }
}

/// Keeps an `ObjectStore` in step with the API server: lists, then watches from the list's
/// resourceVersion; after a dropped watch it resumes from the last version it saw (with
/// backoff), after 410 Gone it lists again (and reports what changed meanwhile). Handlers
/// see every change; with a resync period they also see every object again periodically
/// (as an update with old == new), which lets reconcilers repair drift.
public final class Informer: Sendable {
    public typealias Handler = @Sendable (StoreChange) -> Void

    public let store: ObjectStore
    private let listWatch: ListWatch
    private let resyncPeriod: Duration?
    private let backoff: WorkQueue<Int>.Backoff

    private struct State {
        var handlers: [Handler] = []
        var synced = false
        var syncWaiters: [CheckedContinuation<Void, Never>] = []
        var lastResourceVersion = ""
        var lists = 0
        var watches = 0
    }
    private let state = Mutex(State())

    public init(listWatch: ListWatch, indexers: [String: ObjectStore.IndexFunction] = [:], resyncPeriod: Duration? = nil,
                backoff: WorkQueue<Int>.Backoff = .init(base: .milliseconds(100), max: .seconds(30))) {
        self.listWatch = listWatch
        self.store = ObjectStore(indexers: indexers)
        self.resyncPeriod = resyncPeriod
        self.backoff = backoff
    }

    /// Adds a handler; add them before `run`.
    public func onChange(_ handler: @escaping Handler) {
        state.withLock { $0.handlers.append(handler) }
    }

    /// True once the first list is in the store.
    public var hasSynced: Bool { state.withLock { $0.synced } }

    /// How many lists and watch connections this informer made (for tests and metrics).
    public var counts: (lists: Int, watches: Int) { state.withLock { ($0.lists, $0.watches) } }

    /// The last resourceVersion seen (of a list, an event or a bookmark).
    public var lastResourceVersion: String { state.withLock { $0.lastResourceVersion } }

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
        var needList = true
        while !Task.isCancelled {
            do {
                if needList {
                    let page = try await listWatch.list()
                    let changes = store.replace(with: page.items)
                    let waiters: [CheckedContinuation<Void, Never>] = state.withLock { s in
                        s.lists += 1
                        s.lastResourceVersion = page.resourceVersion
                        s.synced = true
                        defer { s.syncWaiters = [] }
                        return s.syncWaiters
                    }
                    for c in changes { emit(c) }
                    for w in waiters { w.resume() }
                    needList = false
                }
                let from = lastResourceVersion
                state.withLock { $0.watches += 1 }
                let events = try await listWatch.watch(from)
                for try await event in events {
                    failures = 0
                    if event.type == .error {
                        let status = event.status ?? Status(code: 500, reason: "InternalError", message: "watch error")
                        throw KubeError(status: status)
                    }
                    if let rv = event.object.resourceVersion {
                        state.withLock { $0.lastResourceVersion = rv }
                    }
                    if let change = store.apply(event) { emit(change) }
                }
                // The server closed the watch (timeout): resume from the last version.
            } catch is CancellationError {
                return
            } catch let e as KubeError {
                if case .gone = e {
                    needList = true       // our version is too old: start over with a list
                    continue
                }
                failures += 1
                try? await Task.sleep(for: backoff.delay(afterFailures: failures - 1))
            } catch {
                failures += 1
                try? await Task.sleep(for: backoff.delay(afterFailures: failures - 1))
            }
        }
    }

    private func emit(_ change: StoreChange) {
        let handlers = state.withLock { $0.handlers }
        for h in handlers { h(change) }
    }
}
