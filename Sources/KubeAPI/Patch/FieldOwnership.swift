public import SkeinJSON

/// Field ownership of server-side apply: which manager set which fields of an object, kept
/// in `metadata.managedFields` as Kubernetes keeps it (`fieldsType: FieldsV1`).
///
/// A field is named by its path: `f:NAME` for a map key, `k:{"name":"c"}` for the item of a
/// keyed list (containers by name, ports by containerPort... the merge keys of strategic
/// merge patch, when `keyedLists`), `v:"x"` for the item of a set list (finalizers). Other
/// lists, and maps that are empty, are owned whole.
public enum FieldOwnership {
    public typealias Path = [String]

    /// Fields the API server keeps for itself, never owned.
    static let systemMetadata: Set<String> = [
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
        "deletionTimestamp", "deletionGracePeriodSeconds", "generateName",
    ]

    /// The leaf fields an object (or an applied configuration) sets. `status`: only the
    /// status (for the status subresource), else everything but the status.
    public static func paths(of object: JSONValue, keyedLists: Bool, status: Bool = false) -> Set<Path> {
        var out = Set<Path>()
        guard case .object(let top) = object else { return out }
        for (k, v) in top where k != "apiVersion" && k != "kind" {
            if status != (k == "status") { continue }
            if k == "metadata", case .object(let m) = v {
                for (mk, mv) in m where !systemMetadata.contains(mk) {
                    collect(mv, field: mk, at: ["f:metadata", "f:\(mk)"], keyedLists: keyedLists, into: &out)
                }
                continue
            }
            collect(v, field: k, at: ["f:\(k)"], keyedLists: keyedLists, into: &out)
        }
        return out
    }

    static func collect(_ v: JSONValue, field: String, at path: Path, keyedLists: Bool, into out: inout Set<Path>) {
        switch v {
        case .object(let m) where !m.isEmpty:
            for (k, x) in m { collect(x, field: k, at: path + ["f:\(k)"], keyedLists: keyedLists, into: &out) }
        case .array(let items) where keyedLists && !items.isEmpty:
            if let key = StrategicMergePatch.mergeKeys[field], items.allSatisfy({ $0[key] != nil }) {
                for item in items {
                    let id = itemKey(key, item)
                    // The key itself is a field of the item; the rest as maps.
                    out.insert(path + [id])
                    if case .object(let m) = item {
                        for (k, x) in m where k != key { collect(x, field: k, at: path + [id, "f:\(k)"], keyedLists: keyedLists, into: &out) }
                    }
                }
            } else if StrategicMergePatch.primitiveMergeLists.contains(field) {
                for item in items { out.insert(path + ["v:" + (item.compactJSON)]) }
            } else {
                out.insert(path)
            }
        default:
            out.insert(path)
        }
    }

    static func itemKey(_ key: String, _ item: JSONValue) -> String {
        "k:" + JSONValue.object([key: item[key] ?? .null]).compactJSON
    }

    /// The value at a path (nil when absent).
    public static func value(at path: Path, in object: JSONValue) -> JSONValue? {
        var current: JSONValue? = object
        for segment in path {
            guard let c = current else { return nil }
            current = child(c, segment)
        }
        return current
    }

    /// Whether the field at `path` is the same in both: its value, or for a list item
    /// (`k:`, `v:`) its presence (the item's own fields are fields of their own).
    public static func same(at path: Path, in a: JSONValue, and b: JSONValue) -> Bool {
        let x = value(at: path, in: a)
        let y = value(at: path, in: b)
        if let last = path.last, last.hasPrefix("k:") || last.hasPrefix("v:") { return (x == nil) == (y == nil) }
        return x == y
    }

    static func child(_ v: JSONValue, _ segment: String) -> JSONValue? {
        if segment.hasPrefix("f:") { return v[String(segment.dropFirst(2))] }
        guard case .array(let items) = v else { return nil }
        if segment.hasPrefix("k:"), let key = try? JSONValue.parseJSON(String(segment.dropFirst(2))), case .object(let k) = key,
           let (name, wanted) = k.first {
            return items.first { $0[name] == wanted }
        }
        if segment.hasPrefix("v:"), let wanted = try? JSONValue.parseJSON(String(segment.dropFirst(2))) {
            return items.contains(wanted) ? wanted : nil
        }
        return nil
    }

    /// The object without the field at `path` (maps and lists left empty stay).
    public static func removing(_ path: Path, from object: JSONValue) -> JSONValue {
        guard let first = path.first else { return object }
        let rest = Array(path.dropFirst())
        switch object {
        case .object(var m) where first.hasPrefix("f:"):
            let k = String(first.dropFirst(2))
            if rest.isEmpty { m[k] = nil } else if let c = m[k] { m[k] = removing(rest, from: c) }
            return .object(m)
        case .array(var items):
            guard let i = items.firstIndex(where: { child(.array([$0]), first) != nil }) else { return object }
            if rest.isEmpty { items.remove(at: i) } else { items[i] = removing(rest, from: items[i]) }
            return .array(items)
        default:
            return object
        }
    }

    /// Leaf fields whose value differs between two versions of an object (added, changed or
    /// removed). Equal subtrees are skipped whole.
    public static func changed(from old: JSONValue, to new: JSONValue, keyedLists: Bool, status: Bool = false) -> Set<Path> {
        var out = Set<Path>()
        let a = old.objectValue ?? [:]
        let b = new.objectValue ?? [:]
        for k in Set(a.keys).union(b.keys) where k != "apiVersion" && k != "kind" && status == (k == "status") {
            if k == "metadata" {
                let am = a[k]?.objectValue ?? [:]
                let bm = b[k]?.objectValue ?? [:]
                for mk in Set(am.keys).union(bm.keys) where !systemMetadata.contains(mk) {
                    diff(am[mk], bm[mk], field: mk, at: ["f:metadata", "f:\(mk)"], keyedLists: keyedLists, into: &out)
                }
                continue
            }
            diff(a[k], b[k], field: k, at: ["f:\(k)"], keyedLists: keyedLists, into: &out)
        }
        return out
    }

    static func diff(_ a: JSONValue?, _ b: JSONValue?, field: String, at path: Path, keyedLists: Bool, into out: inout Set<Path>) {
        if a == b { return }
        switch (a, b) {
        case (.object(let x)?, .object(let y)?) where !x.isEmpty && !y.isEmpty:
            for k in Set(x.keys).union(y.keys) { diff(x[k], y[k], field: k, at: path + ["f:\(k)"], keyedLists: keyedLists, into: &out) }
        default:
            // A leaf, or a change of shape: every field on either side.
            if let a { collect(a, field: field, at: path, keyedLists: keyedLists, into: &out) }
            if let b { collect(b, field: field, at: path, keyedLists: keyedLists, into: &out) }
            if let a, let b, case .array = a, case .array = b {
                // Items of keyed lists present on both sides and equal are not changes.
                for p in out where p.count > path.count && Array(p.prefix(path.count)) == path
                    && same(at: p, in: wrap(a, path), and: wrap(b, path)) {
                    out.remove(p)
                }
            }
        }
    }

    /// `v` placed at `path` in an otherwise empty object, for `value(at:in:)`.
    static func wrap(_ v: JSONValue, _ path: Path) -> JSONValue {
        var out = v
        for segment in path.reversed() {
            guard segment.hasPrefix("f:") else { return .null }
            out = .object([String(segment.dropFirst(2)): out])
        }
        return out
    }

    /// `fieldsV1` as Kubernetes writes it: nested maps of path segments, `.` for a node
    /// that is itself owned and has owned children.
    public static func fieldsV1(_ paths: Set<Path>) -> JSONValue {
        final class Node {
            var children: [String: Node] = [:]
            var owned = false
        }
        let root = Node()
        for p in paths {
            var n = root
            for segment in p {
                if let c = n.children[segment] {
                    n = c
                } else {
                    let c = Node()
                    n.children[segment] = c
                    n = c
                }
            }
            n.owned = true
        }
        func render(_ n: Node) -> JSONValue {
            var m: [String: JSONValue] = [:]
            for (k, c) in n.children { m[k] = render(c) }
            if n.owned && !n.children.isEmpty { m["."] = [:] }
            return .object(m)
        }
        return render(root)
    }

    /// The paths of a `fieldsV1` map.
    public static func paths(fromFieldsV1 v: JSONValue) -> Set<Path> {
        var out = Set<Path>()
        func walk(_ v: JSONValue, _ prefix: Path) {
            guard case .object(let m) = v else { return }
            if m.isEmpty, !prefix.isEmpty { out.insert(prefix) }
            for (k, x) in m {
                if k == "." { out.insert(prefix); continue }
                walk(x, prefix + [k])
            }
        }
        walk(v, [])
        return out
    }

    /// `.spec.replicas`, `.spec.containers[name="c"].image`: a path as conflict messages write it.
    public static func describe(_ path: Path) -> String {
        path.map { s -> String in
            if s.hasPrefix("f:") { return "." + s.dropFirst(2) }
            if s.hasPrefix("k:"), let key = try? JSONValue.parseJSON(String(s.dropFirst(2))), case .object(let k) = key, let (n, v) = k.first {
                return "[\(n)=\(v.compactJSON)]"
            }
            if s.hasPrefix("v:") { return "[=\(s.dropFirst(2))]" }
            return s
        }.joined()
    }
}
