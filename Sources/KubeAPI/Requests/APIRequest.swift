public import SkeinJSON

/// An HTTP request to the API server, built without I/O. The transport adds the server's
/// address, authentication and `Accept` defaults.
public struct APIRequest: Sendable, Hashable {
    public enum Method: String, Sendable, Hashable { case get = "GET", post = "POST", put = "PUT", patch = "PATCH", delete = "DELETE" }

    public var method: Method
    /// Absolute path, already escaped (`/api/v1/namespaces/default/pods`).
    public var path: String
    /// Query parameters in order; values unescaped (the transport or `target` escapes them).
    public var query: [(name: String, value: String)]
    public var body: [UInt8]?
    public var contentType: String?
    /// True for watches and followed logs: the response is read as a stream.
    public var streaming: Bool

    public init(method: Method, path: String, query: [(name: String, value: String)] = [], body: [UInt8]? = nil,
                contentType: String? = nil, streaming: Bool = false) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.contentType = contentType
        self.streaming = streaming
    }

    /// Path plus query string, as sent on the request line.
    public var target: String {
        if query.isEmpty { return path }
        return path + "?" + query.map { "\($0.name)=\(PathEscaping.queryValue($0.value))" }.joined(separator: "&")
    }

    public static func == (a: APIRequest, b: APIRequest) -> Bool {
        a.method == b.method && a.path == b.path && a.body == b.body && a.contentType == b.contentType
            && a.streaming == b.streaming && a.query.elementsEqual(b.query, by: { $0.name == $1.name && $0.value == $1.value })
    }

    public func hash(into h: inout Hasher) {
        h.combine(method)
        h.combine(path)
        for q in query { h.combine(q.name); h.combine(q.value) }
        h.combine(body)
    }
}

/// The kinds of patch the API accepts, by content type.
public enum PatchType: String, Sendable, Hashable, CaseIterable {
    case merge = "application/merge-patch+json"
    case json = "application/json-patch+json"
    case strategicMerge = "application/strategic-merge-patch+json"
    case apply = "application/apply-patch+yaml"
}

/// Options of list and watch requests.
public struct ListOptions: Sendable, Hashable {
    public var labelSelector: String?
    public var fieldSelector: String?
    public var limit: Int?
    public var continueToken: String?
    public var resourceVersion: String?
    public var timeoutSeconds: Int?
    public var allowWatchBookmarks: Bool

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil,
                continueToken: String? = nil, resourceVersion: String? = nil, timeoutSeconds: Int? = nil,
                allowWatchBookmarks: Bool = false) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.timeoutSeconds = timeoutSeconds
        self.allowWatchBookmarks = allowWatchBookmarks
    }

    func queryItems(watch: Bool) -> [(name: String, value: String)] {
        var q: [(name: String, value: String)] = []
        if let s = labelSelector, !s.isEmpty { q.append(("labelSelector", s)) }
        if let s = fieldSelector, !s.isEmpty { q.append(("fieldSelector", s)) }
        if !watch, let l = limit { q.append(("limit", String(l))) }
        if !watch, let c = continueToken { q.append(("continue", c)) }
        if let rv = resourceVersion { q.append(("resourceVersion", rv)) }
        if let t = timeoutSeconds { q.append(("timeoutSeconds", String(t))) }
        if watch {
            q.append(("watch", "true"))
            if allowWatchBookmarks { q.append(("allowWatchBookmarks", "true")) }
        }
        return q
    }
}

/// How a delete removes dependents (`ownerReferences`).
public enum PropagationPolicy: String, Sendable, Hashable { case orphan = "Orphan", background = "Background", foreground = "Foreground" }

public struct DeleteOptions: Sendable, Hashable {
    public var propagationPolicy: PropagationPolicy?
    public var gracePeriodSeconds: Int?
    /// Preconditions: the delete fails with 409 Conflict unless the object still has this uid / resourceVersion.
    public var preconditionUID: String?
    public var preconditionResourceVersion: String?

    public init(propagationPolicy: PropagationPolicy? = nil, gracePeriodSeconds: Int? = nil,
                preconditionUID: String? = nil, preconditionResourceVersion: String? = nil) {
        self.propagationPolicy = propagationPolicy
        self.gracePeriodSeconds = gracePeriodSeconds
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
    }

    /// The `DeleteOptions` body, or nil when every option is the default.
    public var body: JSONValue? {
        var o: [String: JSONValue] = ["kind": "DeleteOptions", "apiVersion": "v1"]
        if let p = propagationPolicy { o["propagationPolicy"] = .string(p.rawValue) }
        if let g = gracePeriodSeconds { o["gracePeriodSeconds"] = .int(g) }
        var pre: [String: JSONValue] = [:]
        if let u = preconditionUID { pre["uid"] = .string(u) }
        if let r = preconditionResourceVersion { pre["resourceVersion"] = .string(r) }
        if !pre.isEmpty { o["preconditions"] = .object(pre) }
        return o.count > 2 ? .object(o) : nil
    }
}

/// Options of `GET .../pods/NAME/log`.
public struct LogOptions: Sendable, Hashable {
    public var container: String?
    public var follow: Bool
    public var sinceSeconds: Int?
    public var tailLines: Int?
    public var timestamps: Bool
    public var previous: Bool

    public init(container: String? = nil, follow: Bool = false, sinceSeconds: Int? = nil, tailLines: Int? = nil,
                timestamps: Bool = false, previous: Bool = false) {
        self.container = container
        self.follow = follow
        self.sinceSeconds = sinceSeconds
        self.tailLines = tailLines
        self.timestamps = timestamps
        self.previous = previous
    }
}

extension APIRequest {
    public static func get(_ r: ResourceType, namespace: String?, name: String, subresource: String? = nil) -> APIRequest {
        APIRequest(method: .get, path: r.objectPath(namespace: namespace, name: name, subresource: subresource))
    }

    public static func list(_ r: ResourceType, namespace: String?, options: ListOptions = ListOptions()) -> APIRequest {
        APIRequest(method: .get, path: r.collectionPath(namespace: namespace), query: options.queryItems(watch: false))
    }

    public static func watch(_ r: ResourceType, namespace: String?, options: ListOptions) -> APIRequest {
        APIRequest(method: .get, path: r.collectionPath(namespace: namespace), query: options.queryItems(watch: true),
                   streaming: true)
    }

    /// POST to the collection. An object with `metadata.generateName` and no name gets a
    /// generated name from the server.
    public static func create(_ r: ResourceType, namespace: String?, object: JSONValue, dryRun: Bool = false) -> APIRequest {
        APIRequest(method: .post, path: r.collectionPath(namespace: namespace), query: dryRun ? [("dryRun", "All")] : [],
                   body: Array(object.compactJSON.utf8), contentType: "application/json")
    }

    /// PUT of the whole object; `metadata.resourceVersion` in it makes the update conditional (409 when stale).
    public static func update(_ r: ResourceType, namespace: String?, name: String, object: JSONValue,
                              subresource: String? = nil) -> APIRequest {
        APIRequest(method: .put, path: r.objectPath(namespace: namespace, name: name, subresource: subresource),
                   body: Array(object.compactJSON.utf8), contentType: "application/json")
    }

    /// PATCH with a body already encoded for its type (JSON, or YAML/JSON for apply).
    /// `fieldManager` is required by server-side apply; `force` takes over conflicting fields.
    public static func patch(_ r: ResourceType, namespace: String?, name: String, type: PatchType, body: [UInt8],
                             subresource: String? = nil, fieldManager: String? = nil, force: Bool = false) -> APIRequest {
        var q: [(name: String, value: String)] = []
        if let m = fieldManager { q.append(("fieldManager", m)) }
        if force { q.append(("force", "true")) }
        return APIRequest(method: .patch, path: r.objectPath(namespace: namespace, name: name, subresource: subresource),
                          query: q, body: body, contentType: type.rawValue)
    }

    public static func delete(_ r: ResourceType, namespace: String?, name: String,
                              options: DeleteOptions = DeleteOptions()) -> APIRequest {
        APIRequest(method: .delete, path: r.objectPath(namespace: namespace, name: name),
                   body: options.body.map { Array($0.compactJSON.utf8) }, contentType: options.body == nil ? nil : "application/json")
    }

    /// DELETE of a whole collection (optionally selected by labels).
    public static func deleteCollection(_ r: ResourceType, namespace: String?, labelSelector: String? = nil) -> APIRequest {
        APIRequest(method: .delete, path: r.collectionPath(namespace: namespace),
                   query: labelSelector.map { [("labelSelector", $0)] } ?? [])
    }

    public static func logs(namespace: String, pod: String, options: LogOptions = LogOptions()) -> APIRequest {
        var q: [(name: String, value: String)] = []
        if let c = options.container { q.append(("container", c)) }
        if options.follow { q.append(("follow", "true")) }
        if let s = options.sinceSeconds { q.append(("sinceSeconds", String(s))) }
        if let t = options.tailLines { q.append(("tailLines", String(t))) }
        if options.timestamps { q.append(("timestamps", "true")) }
        if options.previous { q.append(("previous", "true")) }
        return APIRequest(method: .get, path: ResourceType.pods.objectPath(namespace: namespace, name: pod, subresource: "log"),
                          query: q, streaming: options.follow)
    }
}
