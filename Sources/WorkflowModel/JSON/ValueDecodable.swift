/// A model type read straight from a `JSONValue` by hand-written code instead of through
/// `Decoder`: the generic Codable machinery (existential containers, a coding path per
/// field, metadata lookups) cost more than the work itself on large files.
///
/// The rules are the ones `JSONValueDecoder` applies to the synthesized `Decodable`
/// conformances, and the errors are the same (same path, same message, the first field
/// in declaration order that fails): a missing non-optional field is "required field is
/// missing", an absent or null optional field is nil, a value of the wrong kind is
/// "expected …, found …". A thrown error's path is relative to the value being read; each
/// level puts its key or index in front on the way out, so nothing is built unless a
/// value is wrong.
///
/// A stored field added to a model type needs its rule in the type's `fields` table too;
/// `HandDecodingTests` fails until it has one.
protocol ValueDecodable: SendableMetatype {
    init(value: JSONValue) throws(ModelDecodingError)
}

extension ModelDecodingError {
    static func mismatch(_ expected: String, _ found: JSONValue) -> ModelDecodingError {
        ModelDecodingError(path: .root, message: "expected \(expected), found \(found.kindName)")
    }

    /// The same error seen from one level up.
    func under(_ component: FieldPath.Component) -> ModelDecodingError {
        var components = [component]
        components.append(contentsOf: path.components)
        var e = ModelDecodingError(path: FieldPath(components), message: message)
        e.fromOutsideTheModel = fromOutsideTheModel
        return e
    }
}

/// How one field of `Model` is read: its key, whether it must be there, and where it goes.
struct FieldRule<Model>: Sendable {
    let key: String
    let required: Bool
    let read: @Sendable (inout Model, JSONValue) throws(ModelDecodingError) -> Void

    /// A non-optional field.
    static func required<V: ValueDecodable>(_ key: String, _ path: WritableKeyPath<Model, V> & Sendable) -> FieldRule {
        FieldRule(key: key, required: true) { (model: inout Model, value: JSONValue) throws(ModelDecodingError) in
            model[keyPath: path] = try V(value: value)
        }
    }

    /// An optional field: absent and null are both nil.
    static func optional<V: ValueDecodable>(_ key: String, _ path: WritableKeyPath<Model, V?> & Sendable) -> FieldRule {
        FieldRule(key: key, required: false) { (model: inout Model, value: JSONValue) throws(ModelDecodingError) in
            model[keyPath: path] = try V(value: value)
        }
    }

    /// An optional field of a type still read through `Decodable` (a workflow's status).
    static func optionalCodable<V: Decodable & SendableMetatype>(_ key: String, _ path: WritableKeyPath<Model, V?> & Sendable) -> FieldRule {
        FieldRule(key: key, required: false) { (model: inout Model, value: JSONValue) throws(ModelDecodingError) in
            model[keyPath: path] = try JSONValueDecoder().decodeCodable(V.self, from: value)
        }
    }
}

/// The fields of a model type, in declaration order.
struct FieldTable<Model>: Sendable {
    let rules: [FieldRule<Model>]
    let requiredCount: Int
    /// An open-addressing table from key to rule: 1 + the rule's index, 0 for an empty slot.
    /// Its hash looks only at a key's length and end bytes, much cheaper than `String`'s
    /// hashing, and good enough to tell a type's field names apart.
    let slots: [Int]
    let mask: Int

    init(_ rules: [FieldRule<Model>]) {
        self.rules = rules
        requiredCount = rules.filter(\.required).count
        var size = 8
        while size < rules.count * 4 { size *= 2 }
        mask = size - 1
        var slots = [Int](repeating: 0, count: size)
        for (i, rule) in rules.enumerated() {
            var s = FieldTable.slot(rule.key, mask: mask)
            while slots[s] != 0 { s = (s + 1) & mask }
            slots[s] = i + 1
        }
        self.slots = slots
    }

    @inline(__always)
    static func slot(_ key: String, mask: Int) -> Int {
        let h = key.utf8.withContiguousStorageIfAvailable { b -> Int in
            guard let first = b.first else { return 0 }
            var h = b.count &* 0x9E37_79B9
            h ^= Int(first) &* 0x85EB_CA6B
            h ^= Int(b[b.count - 1]) &* 0xC2B2_AE35
            h ^= Int(b[b.count / 2]) &* 0x27D4_EB2F
            return h ^ (h >> 13)
        } ?? key.utf8.count
        return h & mask
    }

    /// The rule for a key, if the type has such a field.
    @inline(__always)
    func rule(for key: String) -> Int? {
        var s = FieldTable.slot(key, mask: mask)
        while true {
            let r = slots[s]
            if r == 0 { return nil }
            if rules[r - 1].key == key { return r - 1 }
            s = (s + 1) & mask
        }
    }

    /// Sets the fields the map has on `model`, which starts with every optional field nil.
    func read(_ value: JSONValue, into model: inout Model) throws(ModelDecodingError) {
        guard case .object(let map) = value else { throw .mismatch("a map", value) }
        // Most maps hold a few of many possible fields: go through what is there, in the
        // map's own order, looking each key up once.
        var requiredSeen = 0
        do {
            for (key, v) in map {
                guard let i = rule(for: key) else { continue }
                let rule = rules[i]
                if rule.required {
                    requiredSeen += 1
                } else if v.isNull {
                    continue
                }
                try rule.read(&model, v)
            }
            if requiredSeen == requiredCount { return }
        } catch {}
        // Something is wrong: find what, as Codable would, field by field in declaration order.
        for rule in rules {
            guard let v = map[rule.key] else {
                if rule.required {
                    throw ModelDecodingError(path: FieldPath([.key(rule.key)]), message: "required field is missing")
                }
                continue
            }
            if !rule.required && v.isNull { continue }
            do {
                try rule.read(&model, v)
            } catch {
                throw error.under(.key(rule.key))
            }
        }
    }
}

extension String: ValueDecodable {
    @inline(__always)
    init(value: JSONValue) throws(ModelDecodingError) {
        guard case .string(let s) = value else { throw .mismatch("a string", value) }
        self = s
    }
}

extension Bool: ValueDecodable {
    @inline(__always)
    init(value: JSONValue) throws(ModelDecodingError) {
        guard case .bool(let b) = value else { throw .mismatch("true or false", value) }
        self = b
    }
}

extension Int: ValueDecodable {
    @inline(__always)
    init(value: JSONValue) throws(ModelDecodingError) {
        switch value {
        case .int(let i): self = i
        case .double(let d) where d == d.rounded() && abs(d) < 9e15: self = Int(d)
        default: throw .mismatch("an integer", value)
        }
    }
}

extension JSONValue: ValueDecodable {
    @inline(__always)
    init(value: JSONValue) throws(ModelDecodingError) { self = value }
}

extension Array: ValueDecodable where Element: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        guard case .array(let items) = value else { throw .mismatch("a list", value) }
        var out: [Element] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            do {
                out.append(try Element(value: item))
            } catch {
                throw error.under(.index(i))
            }
        }
        self = out
    }
}

extension Dictionary: ValueDecodable where Key == String, Value: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        guard case .object(let o) = value else { throw .mismatch("a map", value) }
        // Same order as the Codable path (the source map's own order), so with several bad
        // entries the same one is reported.
        var out: [String: Value] = [:]
        for (k, v) in o {
            do {
                out[k] = try Value(value: v)
            } catch {
                throw error.under(.key(k))
            }
        }
        self = out
    }
}
