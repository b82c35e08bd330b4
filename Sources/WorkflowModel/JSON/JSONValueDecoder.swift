/// Decodes `Decodable` types straight from a `JSONValue` (no JSON text in between), so a
/// failure carries the exact field path of the offending value.
public struct JSONValueDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws(ModelDecodingError) -> T {
        // The workflow model is read by hand (`ValueDecodable`), with the same rules and errors.
        // A bare `JSONValue` keeps the Codable path, which reads whole doubles as integers.
        if T.self != JSONValue.self, let hand = T.self as? any ValueDecodable.Type {
            do {
                return try hand.init(value: value) as! T
            } catch where error.fromOutsideTheModel {
                // Codable's own error (a status enum with an unknown value) names its coding
                // path from the document root in its text: read it the old way from the root.
                return try decodeCodable(type, from: value)
            }
        }
        return try decodeCodable(type, from: value)
    }

    /// Through `Decodable` only, even for types that are read by hand: what the hand-written
    /// readers are checked against.
    func decodeCodable<T: Decodable>(_ type: T.Type, from value: JSONValue) throws(ModelDecodingError) -> T {
        do {
            return try T(from: ValueDecoder(value: value, node: nil))
        } catch let e as ModelDecodingError {
            throw e
        } catch {
            var e = ModelDecodingError(path: .root, message: "\(error)")
            e.fromOutsideTheModel = true
            throw e
        }
    }
}

/// A value of the wrong shape: where it is and what was expected.
public struct ModelDecodingError: Error, Sendable, CustomStringConvertible {
    public var path: FieldPath
    public var message: String
    /// Not one of ours: an error `Decodable` code threw, described as a whole.
    var fromOutsideTheModel = false
    public init(path: FieldPath, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

func fieldPath(_ codingPath: [any CodingKey]) -> FieldPath {
    FieldPath(codingPath.map { k in
        if let i = k.intValue, k is AnyKey, k.stringValue == String(i) { return .index(i) }
        return .key(k.stringValue)
    })
}

/// The coding path as a linked list: a child shares its parent's path instead of copying
/// an array per field; the array form is built only when asked for (errors, rarely).
final class PathNode {
    let key: any CodingKey
    let parent: PathNode?
    init(_ key: any CodingKey, _ parent: PathNode?) {
        self.key = key
        self.parent = parent
    }

    static func list(_ node: PathNode?) -> [any CodingKey] {
        var out: [any CodingKey] = []
        var cur = node
        while let c = cur {
            out.append(c.key)
            cur = c.parent
        }
        return out.reversed()
    }
}

/// Scalars decoded directly, without a nested decoder.
@inline(__always)
func fastScalar<T>(_ v: JSONValue, as type: T.Type) -> T? {
    switch v {
    case .string(let s) where T.self == String.self: return s as? T
    case .bool(let b) where T.self == Bool.self: return b as? T
    case .int(let i) where T.self == Int.self: return i as? T
    default:
        if T.self == JSONValue.self { return v as? T }
        return nil
    }
}

private struct ValueDecoder: Decoder {
    let value: JSONValue
    let node: PathNode?
    var codingPath: [any CodingKey] { PathNode.list(node) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch(_ expected: String) -> ModelDecodingError {
        ModelDecodingError(path: fieldPath(codingPath), message: "expected \(expected), found \(value.kindName)")
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let o) = value else { throw mismatch("a map") }
        return KeyedDecodingContainer(KeyedValueContainer<Key>(object: o, node: node))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let a) = value else { throw mismatch("a list") }
        return UnkeyedValueContainer(array: a, node: node)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueContainer(value: value, node: node)
    }
}

private struct KeyedValueContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: [String: JSONValue]
    let node: PathNode?
    var codingPath: [any CodingKey] { PathNode.list(node) }

    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }
    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    func child(_ key: Key) throws -> ValueDecoder {
        guard let v = object[key.stringValue] else {
            throw ModelDecodingError(path: fieldPath(codingPath + [key]), message: "required field is missing")
        }
        return ValueDecoder(value: v, node: PathNode(key, node))
    }

    func decodeNil(forKey key: Key) throws -> Bool { object[key.stringValue]?.isNull ?? true }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        if let v = object[key.stringValue], let fast = fastScalar(v, as: T.self) { return fast }
        return try T(from: child(key))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let v = object[key.stringValue], !v.isNull else { return nil }
        if let fast = fastScalar(v, as: T.self) { return fast }
        return try T(from: ValueDecoder(value: v, node: PathNode(key, node)))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { ValueDecoder(value: .object(object), node: node) }
    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

private struct UnkeyedValueContainer: UnkeyedDecodingContainer {
    let array: [JSONValue]
    let node: PathNode?
    var codingPath: [any CodingKey] { PathNode.list(node) }
    var currentIndex = 0
    var count: Int? { array.count }
    var isAtEnd: Bool { currentIndex >= array.count }

    init(array: [JSONValue], node: PathNode?) {
        self.array = array
        self.node = node
    }

    mutating func next() throws -> ValueDecoder {
        guard !isAtEnd else {
            throw ModelDecodingError(path: fieldPath(codingPath), message: "list ended early")
        }
        defer { currentIndex += 1 }
        return ValueDecoder(value: array[currentIndex], node: PathNode(AnyKey(intValue: currentIndex), node))
    }

    mutating func decodeNil() throws -> Bool {
        if !isAtEnd, array[currentIndex].isNull {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if !isAtEnd, let v = fastScalar(array[currentIndex], as: T.self) {
            currentIndex += 1
            return v
        }
        return try T(from: next())
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
    let value: JSONValue
    let node: PathNode?
    var codingPath: [any CodingKey] { PathNode.list(node) }

    func mismatch(_ expected: String) -> ModelDecodingError {
        ModelDecodingError(path: fieldPath(codingPath), message: "expected \(expected), found \(value.kindName)")
    }

    func decodeNil() -> Bool { value.isNull }

    func decode(_ type: Bool.Type) throws -> Bool {
        if case .bool(let b) = value { return b }
        throw mismatch("true or false")
    }

    func decode(_ type: String.Type) throws -> String {
        if case .string(let s) = value { return s }
        throw mismatch("a string")
    }

    func decode(_ type: Double.Type) throws -> Double {
        switch value {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: throw mismatch("a number")
        }
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    func decode(_ type: Int.Type) throws -> Int {
        switch value {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 9e15: return Int(d)
        default: throw mismatch("an integer")
        }
    }

    func decode(_ type: Int8.Type) throws -> Int8 { try narrow(decode(Int.self)) }
    func decode(_ type: Int16.Type) throws -> Int16 { try narrow(decode(Int.self)) }
    func decode(_ type: Int32.Type) throws -> Int32 { try narrow(decode(Int.self)) }
    func decode(_ type: Int64.Type) throws -> Int64 { Int64(try decode(Int.self)) }
    func decode(_ type: UInt.Type) throws -> UInt { try narrow(decode(Int.self)) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try narrow(decode(Int.self)) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try narrow(decode(Int.self)) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try narrow(decode(Int.self)) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try narrow(decode(Int.self)) }

    func narrow<T: FixedWidthInteger>(_ i: Int) throws -> T {
        guard let v = T(exactly: i) else { throw mismatch("an integer in range for \(T.self)") }
        return v
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == JSONValue.self, let v = value as? T { return v }
        return try T(from: ValueDecoder(value: value, node: node))
    }
}
