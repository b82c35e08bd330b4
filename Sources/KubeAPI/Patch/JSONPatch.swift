public import SkeinJSON

/// JSON patch (RFC 6902): a list of operations on JSON pointers (RFC 6901), applied in
/// order; the first failing operation fails the whole patch.
public enum JSONPatch {
    public static func apply(_ patch: JSONValue, to target: JSONValue) throws(PatchError) -> JSONValue {
        guard case .array(let ops) = patch else { throw PatchError("a JSON patch must be a list of operations") }
        var doc = target
        for (n, op) in ops.enumerated() {
            guard case .object(let o) = op else { throw PatchError("operation \(n): must be a map with \"op\" and \"path\"") }
            guard let name = o["op"]?.stringValue else { throw PatchError("operation \(n): missing \"op\"") }
            guard let pathText = o["path"]?.stringValue else { throw PatchError("operation \(n) (\(name)): missing \"path\"") }
            let path = try pointer(pathText, n)
            func value() throws(PatchError) -> JSONValue {
                guard let v = o["value"] else { throw PatchError("operation \(n) (\(name) \(pathText)): missing \"value\"") }
                return v
            }
            func from() throws(PatchError) -> [String] {
                guard let f = o["from"]?.stringValue else { throw PatchError("operation \(n) (\(name) \(pathText)): missing \"from\"") }
                return try pointer(f, n)
            }
            switch name {
            case "add":
                doc = try add(try value(), at: path[...], in: doc, n)
            case "remove":
                doc = try remove(at: path[...], in: doc, n).doc
            case "replace":
                let v = try value()
                guard get(path[...], in: doc) != nil else {
                    throw PatchError("operation \(n) (replace): \(pathText) does not exist")
                }
                doc = try remove(at: path[...], in: doc, n).doc
                doc = try add(v, at: path[...], in: doc, n)
            case "move":
                let f = try from()
                if f.count < path.count, Array(path.prefix(f.count)) == f {
                    throw PatchError("operation \(n) (move): cannot move \(o["from"]?.stringValue ?? "") into its own child \(pathText)")
                }
                let (d, moved) = try remove(at: f[...], in: doc, n)
                doc = try add(moved, at: path[...], in: d, n)
            case "copy":
                let f = try from()
                guard let v = get(f[...], in: doc) else {
                    throw PatchError("operation \(n) (copy): \(o["from"]?.stringValue ?? "") does not exist")
                }
                doc = try add(v, at: path[...], in: doc, n)
            case "test":
                let v = try value()
                guard let actual = get(path[...], in: doc) else {
                    throw PatchError("operation \(n) (test): \(pathText) does not exist")
                }
                guard sameValue(actual, v) else {
                    throw PatchError("operation \(n) (test): \(pathText) is \(actual.compactJSON), not \(v.compactJSON)")
                }
            default:
                throw PatchError("operation \(n): unknown op \"\(name)\" (use add, remove, replace, move, copy or test)")
            }
        }
        return doc
    }

    /// Splits a JSON pointer into unescaped tokens (`~1` is `/`, `~0` is `~`).
    static func pointer(_ text: String, _ n: Int) throws(PatchError) -> [String] {
        if text.isEmpty { return [] }
        guard text.hasPrefix("/") else { throw PatchError("operation \(n): path \"\(text)\" must start with \"/\"") }
        return text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences("~1", "/").replacingOccurrences("~0", "~")
        }
    }

    static func get(_ path: ArraySlice<String>, in doc: JSONValue) -> JSONValue? {
        guard let first = path.first else { return doc }
        switch doc {
        case .object(let o): return o[first].flatMap { get(path.dropFirst(), in: $0) }
        case .array(let a):
            guard let i = index(first), a.indices.contains(i) else { return nil }
            return get(path.dropFirst(), in: a[i])
        default: return nil
        }
    }

    static func index(_ token: String) -> Int? {
        guard !token.isEmpty, token.allSatisfy(\.isASCIIDigit), token == "0" || !token.hasPrefix("0") else { return nil }
        return Int(token)
    }

    static func add(_ value: JSONValue, at path: ArraySlice<String>, in doc: JSONValue, _ n: Int) throws(PatchError) -> JSONValue {
        guard let first = path.first else { return value }
        let last = path.count == 1
        switch doc {
        case .object(var o):
            if last {
                o[first] = value
            } else {
                guard let child = o[first] else { throw PatchError("operation \(n): no \"\(first)\" to add into") }
                o[first] = try add(value, at: path.dropFirst(), in: child, n)
            }
            return .object(o)
        case .array(var a):
            if last {
                if first == "-" {
                    a.append(value)
                } else {
                    guard let i = index(first), i <= a.count else {
                        throw PatchError("operation \(n): index \(first) is out of range for a list of \(a.count)")
                    }
                    a.insert(value, at: i)
                }
            } else {
                guard let i = index(first), a.indices.contains(i) else {
                    throw PatchError("operation \(n): index \(first) is out of range for a list of \(a.count)")
                }
                a[i] = try add(value, at: path.dropFirst(), in: a[i], n)
            }
            return .array(a)
        default:
            throw PatchError("operation \(n): cannot add \"\(first)\" into a \(doc.kindName)")
        }
    }

    static func remove(at path: ArraySlice<String>, in doc: JSONValue, _ n: Int) throws(PatchError) -> (doc: JSONValue, removed: JSONValue) {
        guard let first = path.first else { throw PatchError("operation \(n): cannot remove the whole document") }
        let last = path.count == 1
        switch doc {
        case .object(var o):
            guard let child = o[first] else { throw PatchError("operation \(n): \"\(first)\" does not exist") }
            if last {
                o[first] = nil
                return (.object(o), child)
            }
            let (c, r) = try remove(at: path.dropFirst(), in: child, n)
            o[first] = c
            return (.object(o), r)
        case .array(var a):
            guard let i = index(first), a.indices.contains(i) else {
                throw PatchError("operation \(n): index \(first) is out of range for a list of \(a.count)")
            }
            if last {
                let r = a.remove(at: i)
                return (.array(a), r)
            }
            let (c, r) = try remove(at: path.dropFirst(), in: a[i], n)
            a[i] = c
            return (.array(a), r)
        default:
            throw PatchError("operation \(n): \"\(first)\" does not exist")
        }
    }

    /// Equality where 1 and 1.0 are the same number.
    static func sameValue(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { sameValue($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { k, v in y[k].map { sameValue(v, $0) } ?? false }
        default: return a == b
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension Substring {
    func replacingOccurrences(_ a: String, _ b: String) -> String { String(self).replacingOccurrences(a, b) }
}

extension String {
    /// Plain substring replacement without Foundation.
    func replacingOccurrences(_ a: String, _ b: String) -> String {
        guard !a.isEmpty, contains(a) else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: a) {
            out += rest[..<r.lowerBound]
            out += b
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}
