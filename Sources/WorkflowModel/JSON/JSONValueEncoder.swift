/// Encodes `Encodable` values straight into a `JSONValue` (nil optionals are left out, as
/// Kubernetes writes objects).
public enum JSONValueEncoding {
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        if let v = value as? JSONValue { return v }
        let box = Box()
        try value.encode(to: ValueEncoder(box: box, codingPath: []))
        return box.value
    }
}

/// Every container change takes the value out of its box before changing it (`box.value =
/// .null`), so that the dictionary or array is uniquely referenced and grows in place:
/// otherwise each field written would copy the whole collection (quadratic in its size).
private final class Box {
    var value: JSONValue = .null
}

private struct ValueEncoder: Encoder {
    let box: Box
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = box.value {} else { box.value = .object([:]) }
        return KeyedEncodingContainer(KeyedContainer<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = box.value {} else { box.value = .array([]) }
        return UnkeyedContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(box: box, codingPath: codingPath)
    }
}

private func encodeChild<T: Encodable>(_ value: T, path: [any CodingKey]) throws -> JSONValue {
    if let v = value as? JSONValue { return v }
    let b = Box()
    try value.encode(to: ValueEncoder(box: b, codingPath: path))
    return b.value
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: Box
    let codingPath: [any CodingKey]

    func set(_ key: Key, _ v: JSONValue) {
        guard case .object(var o) = box.value else { return }
        box.value = .null   // the only reference left is `o`: it changes in place
        o[key.stringValue] = v
        box.value = .object(o)
    }

    mutating func encodeNil(forKey key: Key) throws { set(key, .null) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(key, try encodeChild(value, path: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let b = Box()
        b.value = .object([:])
        set(key, .object([:]))
        return KeyedEncodingContainer(NestedKeyed<NestedKey>(box: b, parent: box, parentKey: key.stringValue, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let b = Box()
        b.value = .array([])
        return NestedUnkeyed(inner: UnkeyedContainer(box: b, codingPath: codingPath + [key]), parent: box, parentKey: key.stringValue)
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(box: box, codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { ValueEncoder(box: box, codingPath: codingPath) }
}

/// A nested keyed container that writes itself back into its parent on every change.
private struct NestedKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: Box
    let parent: Box
    let parentKey: String
    let codingPath: [any CodingKey]

    func sync() {
        guard case .object(var o) = parent.value else { return }
        parent.value = .null   // the only reference left is `o`: it changes in place
        o[parentKey] = box.value
        parent.value = .object(o)
    }

    mutating func encodeNil(forKey key: Key) throws {
        var inner = KeyedContainer<Key>(box: box, codingPath: codingPath)
        try inner.encodeNil(forKey: key)
        sync()
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        var inner = KeyedContainer<Key>(box: box, codingPath: codingPath)
        try inner.encode(value, forKey: key)
        sync()
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        var inner = KeyedContainer<Key>(box: box, codingPath: codingPath)
        return inner.nestedContainer(keyedBy: keyType, forKey: key)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        var inner = KeyedContainer<Key>(box: box, codingPath: codingPath)
        return inner.nestedUnkeyedContainer(forKey: key)
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(box: box, codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { ValueEncoder(box: box, codingPath: codingPath) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let box: Box
    let codingPath: [any CodingKey]
    var count: Int {
        if case .array(let a) = box.value { return a.count }
        return 0
    }

    func append(_ v: JSONValue) {
        guard case .array(var a) = box.value else { return }
        box.value = .null   // the only reference left is `a`: it changes in place
        a.append(v)
        box.value = .array(a)
    }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        append(try encodeChild(value, path: codingPath + [AnyKey(intValue: count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let b = Box()
        b.value = .object([:])
        append(.object([:]))
        return KeyedEncodingContainer(NestedKeyedInArray<NestedKey>(box: b, parent: box, index: count - 1, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let b = Box()
        b.value = .array([])
        return UnkeyedContainer(box: b, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(box: box, codingPath: codingPath) }
}

private struct NestedKeyedInArray<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: Box
    let parent: Box
    let index: Int
    let codingPath: [any CodingKey]

    func sync() {
        guard case .array(var a) = parent.value, a.indices.contains(index) else { return }
        parent.value = .null   // the only reference left is `a`: it changes in place
        a[index] = box.value
        parent.value = .array(a)
    }

    mutating func encodeNil(forKey key: Key) throws {
        var inner = KeyedContainer<Key>(box: box, codingPath: codingPath)
        try inner.encodeNil(forKey: key)
        sync()
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        var inner = KeyedContainer<Key>(box: box, codingPath: codingPath)
        try inner.encode(value, forKey: key)
        sync()
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        var inner = KeyedContainer<Key>(box: box, codingPath: codingPath)
        return inner.nestedContainer(keyedBy: keyType, forKey: key)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        var inner = KeyedContainer<Key>(box: box, codingPath: codingPath)
        return inner.nestedUnkeyedContainer(forKey: key)
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(box: box, codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { ValueEncoder(box: box, codingPath: codingPath) }
}

/// A nested unkeyed container under a key, written back into its parent on every change.
private struct NestedUnkeyed: UnkeyedEncodingContainer {
    var inner: UnkeyedContainer
    let parent: Box
    let parentKey: String
    var codingPath: [any CodingKey] { inner.codingPath }
    var count: Int { inner.count }

    init(inner: UnkeyedContainer, parent: Box, parentKey: String) {
        self.inner = inner
        self.parent = parent
        self.parentKey = parentKey
        sync()
    }

    func sync() {
        guard case .object(var o) = parent.value else { return }
        parent.value = .null   // the only reference left is `o`: it changes in place
        o[parentKey] = inner.box.value
        parent.value = .object(o)
    }

    mutating func encodeNil() throws {
        try inner.encodeNil()
        sync()
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try inner.encode(value)
        sync()
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        inner.nestedContainer(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { inner.nestedUnkeyedContainer() }
    mutating func superEncoder() -> any Encoder { inner.superEncoder() }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let box: Box
    let codingPath: [any CodingKey]
    mutating func encodeNil() throws { box.value = .null }
    mutating func encode(_ value: Bool) throws { box.value = .bool(value) }
    mutating func encode(_ value: String) throws { box.value = .string(value) }
    mutating func encode(_ value: Double) throws { box.value = .double(value) }
    mutating func encode(_ value: Float) throws { box.value = .double(Double(value)) }
    mutating func encode(_ value: Int) throws { box.value = .int(value) }
    mutating func encode(_ value: Int8) throws { box.value = .int(Int(value)) }
    mutating func encode(_ value: Int16) throws { box.value = .int(Int(value)) }
    mutating func encode(_ value: Int32) throws { box.value = .int(Int(value)) }
    mutating func encode(_ value: Int64) throws { box.value = .int(Int(value)) }
    mutating func encode(_ value: UInt) throws { box.value = .int(Int(value)) }
    mutating func encode(_ value: UInt8) throws { box.value = .int(Int(value)) }
    mutating func encode(_ value: UInt16) throws { box.value = .int(Int(value)) }
    mutating func encode(_ value: UInt32) throws { box.value = .int(Int(value)) }
    mutating func encode(_ value: UInt64) throws { box.value = .int(Int(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { box.value = try encodeChild(value, path: codingPath) }
}
