public import SkeinJSON

/// Reading and writing the common `metadata` fields of an object kept as JSON.
extension JSONValue {
    public var metadata: [String: JSONValue] { self["metadata"]?.objectValue ?? [:] }
    public var name: String? { self["metadata"]?["name"]?.stringValue }
    public var namespace: String? { self["metadata"]?["namespace"]?.stringValue }
    public var resourceVersion: String? { self["metadata"]?["resourceVersion"]?.stringValue }
    public var uid: String? { self["metadata"]?["uid"]?.stringValue }
    public var labels: [String: String] { stringMap(self["metadata"]?["labels"]) }
    public var annotations: [String: String] { stringMap(self["metadata"]?["annotations"]) }
    public var kind: String? { self["kind"]?.stringValue }
    public var apiVersion: String? { self["apiVersion"]?.stringValue }

    /// `namespace/name`, or `name` for cluster-scoped objects: the key of stores and queues.
    public var objectKey: String {
        let n = name ?? ""
        if let ns = namespace, !ns.isEmpty { return "\(ns)/\(n)" }
        return n
    }

    /// Sets `metadata.FIELD` (creating `metadata` when missing); `nil` removes it.
    public mutating func setMetadata(_ field: String, _ value: JSONValue?) {
        guard case .object(var o) = self else { return }
        var m = o["metadata"]?.objectValue ?? [:]
        m[field] = value
        o["metadata"] = .object(m)
        self = .object(o)
    }

    /// Reads a path of keys (`["status", "phase"]`).
    public subscript(path path: [String]) -> JSONValue? {
        var v: JSONValue? = self
        for k in path { v = v?[k] }
        return v
    }

    /// Sets a path of keys, creating maps on the way; `nil` removes the last key.
    public mutating func set(path: ArraySlice<String>, to value: JSONValue?) {
        guard let first = path.first else {
            self = value ?? .null
            return
        }
        var o = objectValue ?? [:]
        if path.count == 1 {
            o[first] = value
        } else {
            var child = o[first] ?? .object([:])
            if child.objectValue == nil { child = .object([:]) }
            child.set(path: path.dropFirst(), to: value)
            o[first] = child
        }
        self = .object(o)
    }
}

private func stringMap(_ v: JSONValue?) -> [String: String] {
    guard let o = v?.objectValue else { return [:] }
    var out: [String: String] = [:]
    for (k, v) in o { if let s = v.scalarText { out[k] = s } }
    return out
}
