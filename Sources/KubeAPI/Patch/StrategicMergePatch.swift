public import SkeinJSON

/// Strategic merge patch for the core kinds: like a merge patch, except that lists the
/// Kubernetes types declare mergeable are merged element by element, by a key field,
/// and the patch may carry directives:
/// - `$patch: delete` in a list element removes the element with that key; in a map, the map;
/// - `$patch: replace` in a map replaces it whole; as a list element, replaces the whole list;
/// - `$retainKeys: [a, b]` keeps only those keys of the map after merging;
/// - `$deleteFromPrimitiveList/FIELD: [v]` removes values from a merged primitive list;
/// - `$setElementOrder/FIELD: [...]` orders a merged list (elements it names first, in its order).
///
/// The merge keys are chosen by field name (the API server reads them from the Go types);
/// the table holds the ones of pods, their containers and object metadata.
public enum StrategicMergePatch {
    /// Lists merged by key, by field name.
    public static let mergeKeys: [String: String] = [
        "containers": "name", "initContainers": "name", "ephemeralContainers": "name",
        "volumes": "name", "env": "name", "imagePullSecrets": "name",
        "volumeMounts": "mountPath", "volumeDevices": "devicePath",
        "ports": "containerPort", "conditions": "type", "ownerReferences": "uid",
        "hostAliases": "ip", "readinessGates": "conditionType", "resourceClaims": "name",
    ]

    /// Lists of scalars merged as sets (`metadata.finalizers`).
    public static let primitiveMergeLists: Set<String> = ["finalizers"]

    public static func apply(_ patch: JSONValue, to target: JSONValue) throws(PatchError) -> JSONValue {
        guard case .object(let p) = patch else { throw PatchError("a strategic merge patch must be a map") }
        return try mergeMap(target.objectValue ?? [:], p) ?? .object([:])
    }

    /// Merges a patch map into a map; nil means the patch deleted the map.
    static func mergeMap(_ original: [String: JSONValue], _ patch: [String: JSONValue]) throws(PatchError) -> JSONValue? {
        switch patch["$patch"]?.stringValue {
        case "replace"?:
            var p = patch
            p["$patch"] = nil
            return stripDirectives(.object(p))
        case "delete"?:
            return nil
        case nil, "merge"?:
            break
        case let other?:
            throw PatchError("unknown $patch directive \"\(other)\" (use replace, delete or merge)")
        }
        var out = original
        // Deletions from primitive lists come first, so a patch can remove and add in one go.
        for (k, v) in patch where k.hasPrefix("$deleteFromPrimitiveList/") {
            let field = String(k.dropFirst("$deleteFromPrimitiveList/".count))
            guard let drop = v.arrayValue else { throw PatchError("\(k) must be a list") }
            if let list = out[field]?.arrayValue { out[field] = .array(list.filter { !drop.contains($0) }) }
        }
        for (k, v) in patch.sorted(by: { $0.key < $1.key }) {
            if k.hasPrefix("$") { continue }
            switch v {
            case .null:
                out[k] = nil
            case .object(let pm):
                let merged = try mergeMap(out[k]?.objectValue ?? [:], pm)
                out[k] = merged
            case .array(let pl):
                if let key = mergeKeys[k] {
                    out[k] = .array(try mergeKeyedList(out[k]?.arrayValue ?? [], pl, key: key, field: k))
                } else if primitiveMergeLists.contains(k) {
                    var list = out[k]?.arrayValue ?? []
                    for x in pl where !list.contains(x) { list.append(x) }
                    out[k] = .array(list)
                } else {
                    out[k] = stripDirectives(v)
                }
            default:
                out[k] = v
            }
        }
        for (k, v) in patch where k.hasPrefix("$setElementOrder/") {
            let field = String(k.dropFirst("$setElementOrder/".count))
            guard let order = v.arrayValue, let list = out[field]?.arrayValue else { continue }
            out[field] = .array(reorder(list, by: order, key: mergeKeys[field]))
        }
        if let retain = patch["$retainKeys"] {
            guard let keys = retain.arrayValue?.compactMap(\.stringValue) else { throw PatchError("$retainKeys must be a list of field names") }
            let keep = Set(keys)
            out = out.filter { keep.contains($0.key) }
        }
        return .object(out)
    }

    static func mergeKeyedList(_ original: [JSONValue], _ patch: [JSONValue], key: String, field: String) throws(PatchError) -> [JSONValue] {
        if patch.contains(where: { $0["$patch"]?.stringValue == "replace" }) {
            return patch.filter { $0["$patch"] == nil }.map(stripDirectives)
        }
        var out = original
        for item in patch {
            guard case .object(let pm) = item else {
                // Not a map: the list is not really keyed; the patch's list wins.
                return patch.map(stripDirectives)
            }
            guard let kv = pm[key] else {
                if pm["$patch"]?.stringValue == "delete" {
                    throw PatchError("\(field): an element with $patch: delete needs its merge key \"\(key)\"")
                }
                out.append(stripDirectives(item))
                continue
            }
            let index = out.firstIndex { $0[key] == kv }
            if pm["$patch"]?.stringValue == "delete" {
                out.removeAll { $0[key] == kv }
                continue
            }
            if let i = index {
                if let merged = try mergeMap(out[i].objectValue ?? [:], pm) { out[i] = merged } else { out.remove(at: i) }
            } else {
                out.append(stripDirectives(item))
            }
        }
        return out
    }

    static func reorder(_ list: [JSONValue], by order: [JSONValue], key: String?) -> [JSONValue] {
        func id(_ v: JSONValue) -> JSONValue { key.flatMap { v[$0] } ?? v }
        let rank = Dictionary(order.enumerated().map { (id($0.element), $0.offset) }, uniquingKeysWith: { a, _ in a })
        let ranked = list.enumerated().map { (rank[id($0.element)] ?? Int.max, $0.offset, $0.element) }
        return ranked.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
    }

    /// The patch value without `$` directives, for parts that are added rather than merged.
    public static func stripDirectives(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let o):
            var out: [String: JSONValue] = [:]
            for (k, x) in o where !k.hasPrefix("$") { out[k] = stripDirectives(x) }
            return .object(out)
        case .array(let a):
            return .array(a.filter { $0["$patch"]?.stringValue != "delete" }.map(stripDirectives))
        default:
            return v
        }
    }
}

/// Server-side apply, simplified: the applied configuration is merged into the live
/// object (maps key by key, keyed lists element by element with the merge keys of
/// strategic merge patch when `keyedLists`, other lists replaced). Only the merge: field
/// ownership (conflicts, removal of fields a manager no longer applies) is
/// `FieldOwnership`'s, which KubeSim uses around it. `null` in the applied configuration is
/// ignored.
public enum ServerSideApply {
    public static func apply(_ applied: JSONValue, to live: JSONValue, keyedLists: Bool) -> JSONValue {
        merge(applied, into: live, keyedLists: keyedLists)
    }

    static func merge(_ a: JSONValue, into l: JSONValue, keyedLists: Bool) -> JSONValue {
        guard case .object(let ao) = a else { return a }
        var out = l.objectValue ?? [:]
        for (k, v) in ao {
            switch v {
            case .null: continue
            case .object: out[k] = merge(v, into: out[k] ?? .null, keyedLists: keyedLists)
            case .array(let items):
                if keyedLists, let key = StrategicMergePatch.mergeKeys[k], let live = out[k]?.arrayValue,
                   items.allSatisfy({ $0[key] != nil }) {
                    var list = live
                    for item in items {
                        if let i = list.firstIndex(where: { $0[key] == item[key] }) {
                            list[i] = merge(item, into: list[i], keyedLists: keyedLists)
                        } else {
                            list.append(item)
                        }
                    }
                    out[k] = .array(list)
                } else if keyedLists, StrategicMergePatch.primitiveMergeLists.contains(k), let live = out[k]?.arrayValue {
                    out[k] = .array(live + items.filter { !live.contains($0) })
                } else {
                    out[k] = v
                }
            default: out[k] = v
            }
        }
        return .object(out)
    }
}
