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
protocol ValueDecodable {
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

/// A map being read field by field.
struct ValueFields {
    let fields: [String: JSONValue]

    @inline(__always)
    init(_ value: JSONValue) throws(ModelDecodingError) {
        guard case .object(let o) = value else { throw .mismatch("a map", value) }
        fields = o
    }

    /// A non-optional field.
    @inline(__always)
    func required<T: ValueDecodable>(_ key: String, as type: T.Type = T.self) throws(ModelDecodingError) -> T {
        guard let v = fields[key] else {
            throw ModelDecodingError(path: FieldPath([.key(key)]), message: "required field is missing")
        }
        do {
            return try T(value: v)
        } catch {
            throw error.under(.key(key))
        }
    }

    /// An optional field: absent and null are both nil.
    @inline(__always)
    func optional<T: ValueDecodable>(_ key: String, as type: T.Type = T.self) throws(ModelDecodingError) -> T? {
        guard let v = fields[key], !v.isNull else { return nil }
        do {
            return try T(value: v)
        } catch {
            throw error.under(.key(key))
        }
    }

    /// An optional field of a type still read through `Decodable` (rare, e.g. a status).
    func optionalCodable<T: Decodable>(_ key: String, as type: T.Type = T.self) throws(ModelDecodingError) -> T? {
        guard let v = fields[key], !v.isNull else { return nil }
        do {
            return try JSONValueDecoder().decodeCodable(T.self, from: v)
        } catch {
            throw error.under(.key(key))
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
