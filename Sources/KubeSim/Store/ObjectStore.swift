import Foundation
import KubeAPI
import SkeinJSON
import Synchronization

/// A change the store made, in resourceVersion order.
struct StoreEvent: Sendable {
    var rv: Int
    var type: WatchEvent.EventType
    var resource: GroupResource
    var object: JSONValue
    /// The object before a MODIFIED change (for watches with selectors).
    var old: JSONValue?
}

/// What a watch asked for.
struct WatchFilter: Sendable {
    var resource: GroupResource
    var namespace: String?
    var labels: LabelSelector
    var fields: FieldSelector
    /// The apiVersion objects are shown with.
    var apiVersion: String

    func matches(_ o: JSONValue) -> Bool {
        if let ns = namespace, o.namespace != ns { return false }
        return labels.matches(o.labels) && fields.matches(o)
    }
}

/// All objects of the simulated cluster, one global resourceVersion counter, a bounded
/// history of changes for watches, and the watches themselves. Every operation runs
/// under one lock, so reads and writes are atomic and watch registration never misses
/// or repeats a change.
final class ObjectStore: Sendable {
    struct Watcher {
        var filter: WatchFilter
        var continuation: AsyncStream<WatchEvent>.Continuation
    }

    struct State {
        var rv = 1
        var resources: [GroupResource: ServedResource] = [:]
        var objects: [GroupResource: [String: JSONValue]] = [:]
        var history: [StoreEvent] = []
        /// Events up to this resourceVersion are gone from the history.
        var compactedThrough = 0
        var watchers: [Int: Watcher] = [:]
        var nextWatcher = 0
    }

    let state = Mutex(State())
    let historyLimit: Int
    /// Called, outside the lock, with every change (the kubelet and the garbage collector listen).
    let listeners = Mutex<[@Sendable (StoreEvent) -> Void]>([])

    init(historyLimit: Int) {
        self.historyLimit = max(historyLimit, 10)
        state.withLock { s in
            for r in ServedResource.builtIn { s.resources[r.groupResource] = r }
        }
    }

    func addListener(_ f: @escaping @Sendable (StoreEvent) -> Void) { listeners.withLock { $0.append(f) } }

    var currentRV: Int { state.withLock { $0.rv } }

    // MARK: resources

    var servedResources: [ServedResource] {
        state.withLock { Array($0.resources.values) }.sorted { ($0.group, $0.plural) < ($1.group, $1.plural) }
    }

    func resource(_ gr: GroupResource) -> ServedResource? { state.withLock { $0.resources[gr] } }

    // MARK: reads

    static func key(_ ns: String?, _ name: String) -> String {
        if let ns, !ns.isEmpty { return "\(ns)/\(name)" }
        return name
    }

    func get(_ r: ServedResource, namespace: String?, name: String) throws(Status) -> JSONValue {
        let o = state.withLock { $0.objects[r.groupResource]?[ObjectStore.key(r.namespaced ? namespace : nil, name)] }
        guard let o else { throw Status.notFound(r.type(), name) }
        return o
    }

    /// Objects matching the selectors, sorted by namespace and name, after `after` (a key).
    func list(_ r: ServedResource, namespace: String?, labels: LabelSelector, fields: FieldSelector,
              after: String? = nil) -> (items: [JSONValue], keys: [String], rv: Int) {
        state.withLock { s in
            let all = s.objects[r.groupResource] ?? [:]
            var keys = all.keys.sorted()
            if let after { keys = keys.filter { $0 > after } }
            var items: [JSONValue] = []
            var outKeys: [String] = []
            for k in keys {
                guard let o = all[k] else { continue }
                if r.namespaced, let ns = namespace, o.namespace != ns { continue }
                if labels.matches(o.labels) && fields.matches(o) {
                    items.append(o)
                    outKeys.append(k)
                }
            }
            return (items, outKeys, s.rv)
        }
    }

    func compactedThrough() -> Int { state.withLock { $0.compactedThrough } }

    // MARK: writes

    /// Stores a new object (already validated and defaulted by the caller).
    func insert(_ r: ServedResource, _ object: JSONValue, dryRun: Bool) throws(Status) -> JSONValue {
        var o = object
        let name = o.name ?? ""
        let ns = r.namespaced ? o.namespace : nil
        let result: Result<(JSONValue, [StoreEvent]), Status> = state.withLock { s in
            if r.namespaced, let ns, s.objects[.namespaces]?[ns] == nil {
                return .failure(Status.notFound(ResourceType.namespaces, ns))
            }
            if let existing = s.objects[r.groupResource]?[ObjectStore.key(ns, name)] {
                if existing.metadata["deletionTimestamp"] != nil {
                    return .failure(Status(code: 409, reason: "AlreadyExists",
                                           message: "object is being deleted: \(r.qualifiedName) \"\(name)\" already exists",
                                           details: ["name": .string(name), "group": .string(r.group), "kind": .string(r.plural)]))
                }
                return .failure(Status.alreadyExists(r.type(), name))
            }
            if dryRun {
                o.setMetadata("resourceVersion", .string(String(s.rv)))
                return .success((o, []))
            }
            s.rv += 1
            o.setMetadata("resourceVersion", .string(String(s.rv)))
            s.objects[r.groupResource, default: [:]][ObjectStore.key(ns, name)] = o
            let e = StoreEvent(rv: s.rv, type: .added, resource: r.groupResource, object: o)
            record(e, &s)
            return .success((o, [e]))
        }
        let (stored, events) = try result.get()
        notify(events)
        return stored
    }

    /// Read-modify-write of one object under the lock. `change` sees the stored object and
    /// returns the new one; it decides conflicts. An unchanged object is not written (no new
    /// resourceVersion, no event), as on a real server. When the result has a
    /// deletionTimestamp, no finalizers left and no grace period running (a pod the kubelet
    /// is still stopping), the object is removed instead.
    func modify(_ r: ServedResource, namespace: String?, name: String, dryRun: Bool = false,
                _ change: (JSONValue) throws(Status) -> JSONValue) throws(Status) -> JSONValue {
        let ns = r.namespaced ? namespace : nil
        let key = ObjectStore.key(ns, name)
        let result: Result<(JSONValue, [StoreEvent]), Status> = state.withLock { s in
            guard let current = s.objects[r.groupResource]?[key] else {
                return .failure(Status.notFound(r.type(), name))
            }
            var next: JSONValue
            do throws(Status) { next = try change(current) } catch { return .failure(error) }
            next.setMetadata("resourceVersion", current.metadata["resourceVersion"])
            if next == current || dryRun { return .success((next, [])) }
            s.rv += 1
            next.setMetadata("resourceVersion", .string(String(s.rv)))
            let finalizers = next.metadata["finalizers"]?.arrayValue ?? []
            let graceLeft: Bool = if case .int(let g)? = next.metadata["deletionGracePeriodSeconds"] { g > 0 } else { false }
            if next.metadata["deletionTimestamp"] != nil && finalizers.isEmpty && !graceLeft {
                s.objects[r.groupResource]?[key] = nil
                let e = StoreEvent(rv: s.rv, type: .deleted, resource: r.groupResource, object: next, old: current)
                record(e, &s)
                return .success((next, [e]))
            }
            s.objects[r.groupResource]?[key] = next
            let e = StoreEvent(rv: s.rv, type: .modified, resource: r.groupResource, object: next, old: current)
            record(e, &s)
            return .success((next, [e]))
        }
        let (stored, events) = try result.get()
        notify(events)
        return stored
    }

    /// Removes an object now (finalizers and grace periods were dealt with by the caller).
    @discardableResult
    func remove(_ r: ServedResource, namespace: String?, name: String, dryRun: Bool = false) throws(Status) -> JSONValue {
        let key = ObjectStore.key(r.namespaced ? namespace : nil, name)
        let result: Result<(JSONValue, [StoreEvent]), Status> = state.withLock { s in
            guard var current = s.objects[r.groupResource]?[key] else { return .failure(Status.notFound(r.type(), name)) }
            if dryRun { return .success((current, [])) }
            s.rv += 1
            current.setMetadata("resourceVersion", .string(String(s.rv)))
            s.objects[r.groupResource]?[key] = nil
            let e = StoreEvent(rv: s.rv, type: .deleted, resource: r.groupResource, object: current)
            record(e, &s)
            return .success((current, [e]))
        }
        let (removed, events) = try result.get()
        notify(events)
        return removed
    }

    /// Registers or replaces a served resource (a CRD became established or changed).
    func serve(_ r: ServedResource) { state.withLock { $0.resources[r.groupResource] = r } }

    /// Stops serving a resource and drops its objects (its CRD was deleted).
    func unserve(_ gr: GroupResource) {
        let events: [StoreEvent] = state.withLock { s in
            s.resources[gr] = nil
            var out: [StoreEvent] = []
            for (_, o) in (s.objects[gr] ?? [:]).sorted(by: { $0.key < $1.key }) {
                s.rv += 1
                var d = o
                d.setMetadata("resourceVersion", .string(String(s.rv)))
                let e = StoreEvent(rv: s.rv, type: .deleted, resource: gr, object: d)
                record(e, &s)
                out.append(e)
            }
            s.objects[gr] = nil
            return out
        }
        notify(events)
    }

    /// All objects, across resources (the garbage collector's view).
    func allObjects() -> [(GroupResource, JSONValue)] {
        state.withLock { s in s.objects.flatMap { gr, objs in objs.values.map { (gr, $0) } } }
    }

    // MARK: history and watches

    private func record(_ e: StoreEvent, _ s: inout State) {
        s.history.append(e)
        if s.history.count > historyLimit + historyLimit / 4 {
            let drop = s.history.count - historyLimit
            s.compactedThrough = s.history[drop - 1].rv
            s.history.removeFirst(drop)
        }
        for (_, w) in s.watchers where w.filter.resource == e.resource {
            if let ev = ObjectStore.view(e, for: w.filter) { w.continuation.yield(ev) }
        }
    }

    private func notify(_ events: [StoreEvent]) {
        guard !events.isEmpty else { return }
        let ls = listeners.withLock { $0 }
        for e in events { for l in ls { l(e) } }
    }

    /// How one change looks to one watch: objects entering or leaving its selection are
    /// ADDED or DELETED for it.
    static func view(_ e: StoreEvent, for f: WatchFilter) -> WatchEvent? {
        let now = f.matches(e.object)
        var obj = e.object
        if case .object(var o) = obj {
            o["apiVersion"] = .string(f.apiVersion)
            obj = .object(o)
        }
        switch e.type {
        case .added: return now ? WatchEvent(type: .added, object: obj) : nil
        case .deleted: return now || (e.old.map(f.matches) ?? false) ? WatchEvent(type: .deleted, object: obj) : nil
        case .modified:
            let before = e.old.map(f.matches) ?? false
            switch (before, now) {
            case (true, true): return WatchEvent(type: .modified, object: obj)
            case (false, true): return WatchEvent(type: .added, object: obj)
            case (true, false): return WatchEvent(type: .deleted, object: obj)
            case (false, false): return nil
            }
        default: return nil
        }
    }

    /// Starts a watch. Without a resourceVersion (or with "0") it begins with an ADDED
    /// event per current object; with one, it replays the changes after it, or fails with
    /// 410 Gone when the history no longer reaches back that far.
    func watch(_ filter: WatchFilter, from rv: Int?) throws(Status) -> (stream: AsyncStream<WatchEvent>, id: Int) {
        let (stream, continuation) = AsyncStream<WatchEvent>.makeStream(bufferingPolicy: .unbounded)
        let result: Result<Int, Status> = state.withLock { s in
            if let rv, rv > 0 {
                if rv < s.compactedThrough {
                    return .failure(Status.gone("too old resource version: \(rv) (\(s.compactedThrough + 1))"))
                }
                for e in s.history where e.rv > rv && e.resource == filter.resource {
                    if let ev = ObjectStore.view(e, for: filter) { continuation.yield(ev) }
                }
            } else {
                for k in (s.objects[filter.resource] ?? [:]).keys.sorted() {
                    guard let o = s.objects[filter.resource]?[k], filter.matches(o) else { continue }
                    var obj = o
                    if case .object(var m) = obj {
                        m["apiVersion"] = .string(filter.apiVersion)
                        obj = .object(m)
                    }
                    continuation.yield(WatchEvent(type: .added, object: obj))
                }
            }
            let id = s.nextWatcher
            s.nextWatcher += 1
            s.watchers[id] = Watcher(filter: filter, continuation: continuation)
            return .success(id)
        }
        let id = try result.get()
        // Not inline: a watch ends when its task is cancelled, and the runtime calls this
        // holding that task's status lock, while a write holding the store's lock may be
        // yielding to the same stream, which needs that task lock: a lock-order deadlock
        // (seen as a hung test run). Events yielded to an ended stream are dropped.
        continuation.onTermination = { [weak self] _ in
            guard let store = self else { return }
            DispatchQueue.global().async { store.endWatch(id) }
        }
        return (stream, id)
    }

    func endWatch(_ id: Int) {
        let w = state.withLock { $0.watchers.removeValue(forKey: id) }
        w?.continuation.finish()
    }

    /// Ends every open watch (clients see the connection close and must re-watch).
    func dropWatches() {
        let ws = state.withLock { s in
            defer { s.watchers = [:] }
            return Array(s.watchers.values)
        }
        for w in ws { w.continuation.finish() }
    }

    /// Forgets the whole change history: watches and continue tokens from before now get 410.
    func compact() {
        state.withLock { s in
            s.history.removeAll()
            s.compactedThrough = s.rv
        }
    }
}
