public import KubeAPI
public import SkeinJSON
import Synchronization

/// What changed in a store, for event handlers.
public enum StoreChange: Sendable, Equatable {
    case added(JSONValue)
    case updated(old: JSONValue, new: JSONValue)
    case deleted(JSONValue)
}

/// The informer's local copy of a kind of object, keyed by `namespace/name`, with indexes
/// (for example pods by their workflow label) kept up to date on every change.
public final class ObjectStore: Sendable {
    /// Index values of an object (none: the object is not in that index).
    public typealias IndexFunction = @Sendable (JSONValue) -> [String]

    private struct State {
        var objects: [String: JSONValue] = [:]
        /// index name → value → keys
        var indexes: [String: [String: Set<String>]] = [:]
    }

    private let state: Mutex<State>
    private let indexers: [String: IndexFunction]

    public init(indexers: [String: IndexFunction] = [:]) {
        self.indexers = indexers
        var s = State()
        for name in indexers.keys { s.indexes[name] = [:] }
        state = Mutex(s)
    }

    /// An index of objects by the value of one label.
    public static func labelIndex(_ label: String) -> IndexFunction {
        { obj in obj.labels[label].map { [$0] } ?? [] }
    }

    /// An index by namespace.
    public static let namespaceIndex: IndexFunction = { obj in [obj.namespace ?? ""] }

    public func get(_ key: String) -> JSONValue? { state.withLock { $0.objects[key] } }

    public func get(namespace: String?, name: String) -> JSONValue? {
        get(namespace.map { $0.isEmpty ? name : "\($0)/\(name)" } ?? name)
    }

    public var keys: [String] { state.withLock { Array($0.objects.keys) } }
    public var count: Int { state.withLock { $0.objects.count } }
    public func list() -> [JSONValue] { state.withLock { Array($0.objects.values) } }

    /// Objects whose index `name` contains `value`.
    public func byIndex(_ name: String, _ value: String) -> [JSONValue] {
        state.withLock { s in
            guard let keys = s.indexes[name]?[value] else { return [] }
            return keys.compactMap { s.objects[$0] }
        }
    }

    /// Applies one watch event; returns the change (nil for bookmarks, errors, and events
    /// that change nothing, such as a delete of an unknown object).
    @discardableResult
    public func apply(_ event: WatchEvent) -> StoreChange? {
        switch event.type {
        case .added, .modified: return upsert(event.object)
        case .deleted: return remove(event.object.objectKey)
        case .bookmark, .error: return nil
        }
    }

    /// Objects are kept without `metadata.managedFields`: nothing here reads them, and they
    /// can be as big as the rest of the object.
    static func trimmed(_ object: JSONValue) -> JSONValue {
        guard object["metadata"]?["managedFields"] != nil else { return object }
        var o = object
        o.setMetadata("managedFields", nil)
        return o
    }

    @discardableResult
    public func upsert(_ received: JSONValue) -> StoreChange {
        let object = Self.trimmed(received)
        let key = object.objectKey
        return state.withLock { s in
            let old = s.objects.updateValue(object, forKey: key)
            if let old { unindex(old, key: key, in: &s) }
            index(object, key: key, in: &s)
            if let old { return .updated(old: old, new: object) }
            return .added(object)
        }
    }

    @discardableResult
    public func remove(_ key: String) -> StoreChange? {
        state.withLock { s in
            guard let old = s.objects.removeValue(forKey: key) else { return nil }
            unindex(old, key: key, in: &s)
            return .deleted(old)
        }
    }

    /// Replaces the contents with a fresh list (after a list or re-list) and returns the
    /// changes that brings: objects gone are deleted, new ones added, changed ones updated
    /// (an object with the same resourceVersion is unchanged).
    public func replace(with objects: [JSONValue]) -> [StoreChange] {
        state.withLock { s in
            var changes: [StoreChange] = []
            var fresh: [String: JSONValue] = [:]
            fresh.reserveCapacity(objects.count)
            for o in objects { fresh[o.objectKey] = Self.trimmed(o) }
            for (key, old) in s.objects where fresh[key] == nil {
                changes.append(.deleted(old))
            }
            for (key, new) in fresh {
                if let old = s.objects[key] {
                    if old.resourceVersion != new.resourceVersion || old.resourceVersion == nil {
                        changes.append(.updated(old: old, new: new))
                    }
                } else {
                    changes.append(.added(new))
                }
            }
            s.objects = fresh
            for name in indexers.keys { s.indexes[name] = [:] }
            for (key, o) in fresh { index(o, key: key, in: &s) }
            return changes
        }
    }

    private func index(_ o: JSONValue, key: String, in s: inout State) {
        for (name, f) in indexers {
            for v in f(o) { s.indexes[name, default: [:]][v, default: []].insert(key) }
        }
    }

    private func unindex(_ o: JSONValue, key: String, in s: inout State) {
        for (name, f) in indexers {
            for v in f(o) {
                s.indexes[name]?[v]?.remove(key)
                if s.indexes[name]?[v]?.isEmpty == true { s.indexes[name]?[v] = nil }
            }
        }
    }
}
