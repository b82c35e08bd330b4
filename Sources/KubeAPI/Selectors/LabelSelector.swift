/// A label selector in the API's text form (`app=web,tier!=db,env in (a,b),!legacy`).
///
/// Requirements are ANDed. `!=` and `notin` also match objects without the key, as the
/// API server does; `key` alone requires the key, `!key` requires its absence.
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
    public enum Requirement: Sendable, Hashable {
        case equals(String, String)
        case notEquals(String, String)
        case `in`(String, [String])
        case notIn(String, [String])
        case exists(String)
        case doesNotExist(String)

        public var key: String {
            switch self {
            case .equals(let k, _), .notEquals(let k, _), .in(let k, _), .notIn(let k, _), .exists(let k), .doesNotExist(let k):
                return k
            }
        }

        public func matches(_ labels: [String: String]) -> Bool {
            switch self {
            case .equals(let k, let v): return labels[k] == v
            case .notEquals(let k, let v): return labels[k] != v
            case .in(let k, let vs): return labels[k].map(vs.contains) ?? false
            case .notIn(let k, let vs): return labels[k].map { !vs.contains($0) } ?? true
            case .exists(let k): return labels[k] != nil
            case .doesNotExist(let k): return labels[k] == nil
            }
        }

        var text: String {
            switch self {
            case .equals(let k, let v): return "\(k)=\(v)"
            case .notEquals(let k, let v): return "\(k)!=\(v)"
            case .in(let k, let vs): return "\(k) in (\(vs.joined(separator: ",")))"
            case .notIn(let k, let vs): return "\(k) notin (\(vs.joined(separator: ",")))"
            case .exists(let k): return k
            case .doesNotExist(let k): return "!\(k)"
            }
        }
    }

    public var requirements: [Requirement]

    public init(requirements: [Requirement]) { self.requirements = requirements }

    /// The selector that matches every object (the empty string).
    public static let everything = LabelSelector(requirements: [])

    public var isEverything: Bool { requirements.isEmpty }

    public func matches(_ labels: [String: String]) -> Bool { requirements.allSatisfy { $0.matches(labels) } }

    public var description: String { requirements.map(\.text).joined(separator: ",") }

    /// Parses the text form; the error names the position and what was expected there.
    public init(parsing text: String) throws(SelectorError) {
        var p = LabelSelectorParser(text: text)
        self.requirements = try p.parse()
    }

    /// The selector of a `LabelSelector` object (`matchLabels` and `matchExpressions`,
    /// as in ownerless selectors of Jobs and Deployments).
    public init(object: [String: String], expressions: [(key: String, op: String, values: [String])] = []) throws(SelectorError) {
        var reqs: [Requirement] = object.sorted { $0.key < $1.key }.map { .equals($0.key, $0.value) }
        for e in expressions {
            switch e.op {
            case "In": reqs.append(.in(e.key, e.values))
            case "NotIn": reqs.append(.notIn(e.key, e.values))
            case "Exists": reqs.append(.exists(e.key))
            case "DoesNotExist": reqs.append(.doesNotExist(e.key))
            default:
                throw SelectorError(text: "", offset: 0,
                                    message: "unknown operator \"\(e.op)\" in matchExpressions (use In, NotIn, Exists or DoesNotExist)")
            }
        }
        self.requirements = reqs
    }
}

/// A selector that does not parse: where, and what was wrong.
public struct SelectorError: Error, Sendable, Hashable, CustomStringConvertible {
    public var text: String
    /// Offset in characters (UTF-8 bytes) into `text`.
    public var offset: Int
    public var message: String

    public init(text: String, offset: Int, message: String) {
        self.text = text
        self.offset = offset
        self.message = message
    }

    public var description: String {
        text.isEmpty ? message : "unable to parse selector \"\(text)\" at position \(offset): \(message)"
    }
}

/// A hand-written scanner over the bytes of a label selector.
struct LabelSelectorParser {
    let text: String
    let bytes: [UInt8]
    var i = 0

    init(text: String) {
        self.text = text
        self.bytes = Array(text.utf8)
    }

    func fail(_ message: String) -> SelectorError { SelectorError(text: text, offset: i, message: message) }

    mutating func skipSpaces() {
        while i < bytes.count, bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t") { i += 1 }
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || b == UInt8(ascii: "/")
    }

    mutating func word() -> String {
        let start = i
        while i < bytes.count, LabelSelectorParser.isNameByte(bytes[i]) { i += 1 }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    func peek(_ s: String) -> Bool {
        let u = Array(s.utf8)
        return i + u.count <= bytes.count && Array(bytes[i..<(i + u.count)]) == u
    }

    mutating func parse() throws(SelectorError) -> [LabelSelector.Requirement] {
        var out: [LabelSelector.Requirement] = []
        skipSpaces()
        if i == bytes.count { return [] }
        while true {
            out.append(try requirement())
            skipSpaces()
            if i == bytes.count { return out }
            guard bytes[i] == UInt8(ascii: ",") else { throw fail("expected \",\" between requirements") }
            i += 1
            skipSpaces()
            if i == bytes.count { throw fail("expected a requirement after \",\"") }
        }
    }

    mutating func key() throws(SelectorError) -> String {
        let k = word()
        if k.isEmpty { throw fail("expected a label key") }
        try LabelSelectorParser.validateKey(k, text: text, offset: i - k.utf8.count)
        return k
    }

    static func validateKey(_ k: String, text: String, offset: Int) throws(SelectorError) {
        let parts = k.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let name = parts.last, !name.isEmpty, name.utf8.count <= 63, parts.allSatisfy({ !$0.isEmpty }),
              let f = name.utf8.first, let l = name.utf8.last, isAlnum(f), isAlnum(l) else {
            throw SelectorError(text: text, offset: offset,
                                message: "invalid label key \"\(k)\": a key is an optional DNS prefix and \"/\", then a name of at most 63 characters that starts and ends with a letter or digit")
        }
    }

    static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    mutating func value() throws(SelectorError) -> String {
        let start = i
        let v = word()
        if v.contains("/") {
            i = start
            throw fail("invalid label value \"\(v)\": values may not contain \"/\"")
        }
        if v.utf8.count > 63 {
            i = start
            throw fail("invalid label value \"\(v)\": at most 63 characters")
        }
        return v
    }

    mutating func requirement() throws(SelectorError) -> LabelSelector.Requirement {
        if i < bytes.count, bytes[i] == UInt8(ascii: "!") {
            i += 1
            skipSpaces()
            return .doesNotExist(try key())
        }
        let k = try key()
        skipSpaces()
        if i == bytes.count || bytes[i] == UInt8(ascii: ",") { return .exists(k) }
        if peek("==") {
            i += 2
            skipSpaces()
            return .equals(k, try value())
        }
        if peek("!=") {
            i += 2
            skipSpaces()
            return .notEquals(k, try value())
        }
        if peek("=") {
            i += 1
            skipSpaces()
            return .equals(k, try value())
        }
        let opStart = i
        let op = word()
        switch op {
        case "in": return .in(k, try valueSet())
        case "notin": return .notIn(k, try valueSet())
        default:
            i = opStart
            throw fail("expected an operator (=, ==, !=, in, notin) after \"\(k)\"")
        }
    }

    mutating func valueSet() throws(SelectorError) -> [String] {
        skipSpaces()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "(") else { throw fail("expected \"(\" to open a set of values") }
        i += 1
        var values: [String] = []
        while true {
            skipSpaces()
            values.append(try value())
            skipSpaces()
            guard i < bytes.count else { throw fail("expected \")\" to close the set of values") }
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            if bytes[i] == UInt8(ascii: ")") {
                i += 1
                break
            }
            throw fail("expected \",\" or \")\" in a set of values")
        }
        if values.allSatisfy(\.isEmpty) { throw fail("a set of values must not be empty") }
        return values
    }
}
