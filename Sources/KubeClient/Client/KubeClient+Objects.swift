public import KubeAPI
public import SkeinJSON
import Logging

/// One page of a list: the objects, the collection's resourceVersion (where a watch
/// picks up), and the token of the next page when there is one.
public struct ObjectList: Sendable {
    public var items: [JSONValue]
    public var resourceVersion: String
    public var continueToken: String?
    public var remainingItemCount: Int?

    public init(items: [JSONValue], resourceVersion: String, continueToken: String? = nil, remainingItemCount: Int? = nil) {
        self.items = items
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
        self.remainingItemCount = remainingItemCount
    }

    init(json v: JSONValue) throws(KubeError) {
        guard let items = (v["items"] ?? .array([])).arrayValue else { throw .decoding("a list without items") }
        let meta = v["metadata"]
        var remaining: Int?
        if case .int(let n)? = meta?["remainingItemCount"] { remaining = n }
        let c = meta?["continue"]?.stringValue
        self.init(items: items, resourceVersion: meta?["resourceVersion"]?.stringValue ?? "",
                  continueToken: c?.isEmpty == false ? c : nil, remainingItemCount: remaining)
    }
}

extension KubeClient {
    public func get(_ resource: ResourceType, _ name: String, namespace: String? = nil) async throws -> JSONValue {
        try await sendJSON(.get(resource, namespace: resolve(namespace), name: name))
    }

    /// One page (all of it unless `options.limit` is set; then follow `continueToken`).
    public func list(_ resource: ResourceType, namespace: String? = nil, options: ListOptions = ListOptions()) async throws -> ObjectList {
        try ObjectList(json: try await sendJSON(.list(resource, namespace: resolve(namespace), options: options)))
    }

    /// Every object, fetched `pageSize` at a time. The resourceVersion is the first
    /// page's (the snapshot all pages come from). A continue token that expired
    /// mid-way (410) starts over once from the beginning.
    public func listAll(_ resource: ResourceType, namespace: String? = nil, options: ListOptions = ListOptions(),
                        pageSize: Int = 500) async throws -> ObjectList {
        var restarted = false
        while true {
            var o = options
            o.limit = pageSize
            o.continueToken = nil
            var all: [JSONValue] = []
            var rv = ""
            do {
                repeat {
                    let page = try await list(resource, namespace: namespace, options: o)
                    if o.continueToken == nil { rv = page.resourceVersion }
                    all.append(contentsOf: page.items)
                    o.continueToken = page.continueToken
                    o.resourceVersion = nil
                } while o.continueToken != nil
                return ObjectList(items: all, resourceVersion: rv)
            } catch KubeError.gone(let s) where !restarted {
                logger.debug("list of \(resource) restarts: \(s.message)")
                restarted = true
            }
        }
    }

    /// Creates an object (`metadata.generateName` without a name gets a generated name);
    /// returns it as stored.
    /// With `dryRun` the server checks and defaults it but stores nothing (`?dryRun=All`).
    public func create(_ resource: ResourceType, _ object: JSONValue, namespace: String? = nil,
                       dryRun: Bool = false) async throws -> JSONValue {
        let ns = resource.namespaced ? resolve(namespace, object: object) : nil
        return try await sendJSON(.create(resource, namespace: ns, object: object, dryRun: dryRun))
    }

    /// Replaces an object. Its `metadata.resourceVersion` makes this conditional: a stale
    /// one fails with `KubeError.conflict`.
    public func update(_ resource: ResourceType, _ object: JSONValue, namespace: String? = nil) async throws -> JSONValue {
        try await sendJSON(.update(resource, namespace: resource.namespaced ? resolve(namespace, object: object) : nil,
                                   name: try Self.name(of: object), object: object))
    }

    /// Replaces the `status` of an object through the status subresource.
    public func updateStatus(_ resource: ResourceType, _ object: JSONValue, namespace: String? = nil) async throws -> JSONValue {
        try await sendJSON(.update(resource, namespace: resource.namespaced ? resolve(namespace, object: object) : nil,
                                   name: try Self.name(of: object), object: object, subresource: "status"))
    }

    /// Patches an object: `.merge` (RFC 7386), `.json` (RFC 6902, `patch` is an array),
    /// `.strategicMerge` (core kinds), `.apply` (server-side apply: needs `fieldManager`).
    public func patch(_ resource: ResourceType, _ name: String, namespace: String? = nil, type: PatchType,
                      _ patch: JSONValue, subresource: String? = nil, fieldManager: String? = nil,
                      force: Bool = false) async throws -> JSONValue {
        try await sendJSON(.patch(resource, namespace: resolve(namespace), name: name, type: type, body: Array(patch.compactJSON.utf8),
                                  subresource: subresource, fieldManager: fieldManager, force: force))
    }

    /// Server-side apply of a whole (partial) object owned by `fieldManager`; `force`
    /// takes over fields other managers own instead of failing with a conflict.
    public func apply(_ resource: ResourceType, _ object: JSONValue, namespace: String? = nil, fieldManager: String,
                      force: Bool = false, subresource: String? = nil) async throws -> JSONValue {
        try await patch(resource, try Self.name(of: object),
                        namespace: resource.namespaced ? resolve(namespace, object: object) : nil,
                        type: .apply, object, subresource: subresource, fieldManager: fieldManager, force: force)
    }

    /// Deletes an object. Returns what the server answers: the object (when finalizers
    /// or a grace period keep it for a while) or a `Status`.
    @discardableResult
    public func delete(_ resource: ResourceType, _ name: String, namespace: String? = nil,
                       options: DeleteOptions = DeleteOptions()) async throws -> JSONValue {
        try await sendJSON(.delete(resource, namespace: resolve(namespace), name: name, options: options))
    }

    /// Deletes every object of a collection that matches `labelSelector`.
    public func deleteCollection(_ resource: ResourceType, namespace: String? = nil, labelSelector: String? = nil) async throws {
        _ = try await send(.deleteCollection(resource, namespace: resolve(namespace), labelSelector: labelSelector))
    }

    static func name(of object: JSONValue) throws(KubeError) -> String {
        guard let n = object.name, !n.isEmpty else {
            throw .invalid(Status.invalid("the object has no metadata.name"))
        }
        return n
    }
}
