import Foundation
public import SkeinJSON

/// `successCondition` / `failureCondition` of a resource template: requirements separated
/// by commas, all of which must hold, each `PATH OP VALUE` where PATH is a dotted path into
/// the object (`status.succeeded`) and OP one of `==` `=` `!=` `>` `<` `>=` `<=`, or
/// `PATH in (a, b)` / `PATH notin (a, b)`. Numbers compare as numbers.
public struct ResourceCondition: Sendable, Equatable {
    public struct Requirement: Sendable, Equatable {
        public var path: String
        public var op: String
        public var values: [String]
    }

    public var requirements: [Requirement]

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    public init(parsing text: String) throws(ParseError) {
        var out: [Requirement] = []
        // Split on commas outside parentheses.
        var parts: [String] = []
        var depth = 0
        var current = ""
        for ch in text {
            if ch == "(" { depth += 1 } else if ch == ")" { depth -= 1 }
            if ch == ",", depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        parts.append(current)
        for raw in parts {
            let part = raw.trimmingCharacters(in: .whitespaces)
            if part.isEmpty { continue }
            out.append(try ResourceCondition.requirement(part, in: text))
        }
        guard !out.isEmpty else { throw ParseError(description: "condition '\(text)' is empty") }
        requirements = out
    }

    static func requirement(_ part: String, in text: String) throws(ParseError) -> Requirement {
        let words = part.split(separator: " ", maxSplits: 1).map(String.init)
        if words.count == 2 {
            let rest = words[1].trimmingCharacters(in: .whitespaces)
            for op in ["notin", "in"] where rest.hasPrefix(op + " ") || rest.hasPrefix(op + "(") {
                let list = rest.dropFirst(op.count).trimmingCharacters(in: .whitespaces)
                guard list.hasPrefix("("), list.hasSuffix(")") else {
                    throw ParseError(description: "condition '\(text)': '\(op)' needs a list in parentheses, as in `status.phase \(op) (Failed, Error)`")
                }
                let values = list.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                return Requirement(path: words[0], op: op, values: values)
            }
        }
        for op in [">=", "<=", "==", "!=", ">", "<", "="] {
            if let r = part.range(of: op) {
                let path = part[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
                let value = part[r.upperBound...].trimmingCharacters(in: .whitespaces)
                guard !path.isEmpty, !value.isEmpty else { break }
                return Requirement(path: path, op: op == "=" ? "==" : op, values: [value])
            }
        }
        throw ParseError(description: "condition '\(text)': cannot read '\(part)'; write PATH OP VALUE, e.g. `status.succeeded > 0`")
    }

    /// Whether every requirement holds for `object`.
    public func holds(for object: JSONValue) -> Bool {
        requirements.allSatisfy { r in
            let v = ResourceCondition.lookup(r.path, in: object)
            let text = v?.scalarText
            switch r.op {
            case "==": return text == r.values[0]
            case "!=": return text != r.values[0]
            case "in": return text.map { r.values.contains($0) } ?? false
            case "notin": return !(text.map { r.values.contains($0) } ?? false)
            default:
                guard let a = text.flatMap(Double.init), let b = Double(r.values[0]) else { return false }
                switch r.op {
                case ">": return a > b
                case "<": return a < b
                case ">=": return a >= b
                default: return a <= b
                }
            }
        }
    }

    /// A value by dotted path (`status.conditions[0].type` also works); nil when absent.
    public static func lookup(_ path: String, in object: JSONValue) -> JSONValue? {
        var v: JSONValue? = object
        for segment in path.split(separator: ".") {
            var name = Substring(segment)
            var indexes: [Int] = []
            while let open = name.lastIndex(of: "["), name.hasSuffix("]"), let i = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) {
                indexes.insert(i, at: 0)
                name = name[..<open]
            }
            if !name.isEmpty { v = v?[String(name)] }
            for i in indexes { v = v?[i] }
        }
        return v
    }

    /// `valueFrom.jsonPath` of an output parameter: `{.metadata.name}` (braces and the
    /// leading dot optional); scalars as text, maps and lists as compact JSON.
    public static func jsonPath(_ expression: String, in object: JSONValue) -> String? {
        var e = expression.trimmingCharacters(in: .whitespaces)
        if e.hasPrefix("{"), e.hasSuffix("}") { e = String(e.dropFirst().dropLast()) }
        if e.hasPrefix(".") { e.removeFirst() }
        guard let v = e.isEmpty ? object : lookup(e, in: object) else { return nil }
        return v.scalarText ?? v.compactJSON
    }
}
