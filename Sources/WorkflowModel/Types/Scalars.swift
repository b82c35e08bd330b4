import WorkflowExpressions
/// A field Argo declares as a string but where users write any scalar (`value: 3`,
/// `default: true`): the number or boolean is taken as its text.
public struct AnyString: Codable, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var value: String
    public init(_ value: String) { self.value = value }
    public init(stringLiteral value: String) { self.value = value }

    public init(from decoder: any Decoder) throws {
        let v = try JSONValue(from: decoder)
        if let text = v.scalarText {
            value = text
        } else {
            // A list or map given where a string is expected: Argo keeps its JSON text.
            value = v.compactJSON
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }

    public var description: String { value }
}

/// Kubernetes' IntOrString, used where Argo accepts a number or a `{{...}}` expression
/// (`activeDeadlineSeconds`, `retryStrategy.limit`, `backoff.factor`).
public enum IntOrString: Codable, Sendable, Hashable, CustomStringConvertible {
    case int(Int)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .string(JSONValue.double(d).scalarText ?? "\(d)")
        } else {
            self = .string(try c.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        }
    }

    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .string(let s): return s
        }
    }
}

extension AnyString: ValueDecodable {
    /// As `init(from:)`: the Codable path first reads the value as a `JSONValue`, which
    /// turns a whole double below 9e15 into an integer, so `1e15` reads as "1000000000000000".
    init(value: JSONValue) throws(ModelDecodingError) {
        switch value {
        case .double(let d) where d == d.rounded() && abs(d) < 9e15: self.value = String(Int(d))
        default: self.value = value.scalarText ?? value.compactJSON
        }
    }
}

extension IntOrString: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        switch value {
        case .int(let i): self = .int(i)
        case .double(let d) where d == d.rounded() && abs(d) < 9e15: self = .int(Int(d))
        case .double(let d): self = .string(JSONValue.double(d).scalarText ?? "\(d)")
        case .string(let s): self = .string(s)
        default: throw .mismatch("a string", value)
        }
    }
}
