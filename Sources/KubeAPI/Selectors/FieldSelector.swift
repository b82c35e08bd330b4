public import SkeinJSON

/// A field selector (`metadata.name=x,status.phase!=Running`) matched against an object
/// kept as JSON: each field is a dotted path into it. A missing field reads as the empty
/// string, so `spec.nodeName=` selects unscheduled pods, as on a real API server.
public struct FieldSelector: Sendable, Hashable, CustomStringConvertible {
    public struct Requirement: Sendable, Hashable {
        public var field: String
        public var value: String
        public var negated: Bool

        public init(field: String, value: String, negated: Bool) {
            self.field = field
            self.value = value
            self.negated = negated
        }

        public func matches(_ object: JSONValue) -> Bool {
            let actual = FieldSelector.value(of: field, in: object)
            return negated ? actual != value : actual == value
        }
    }

    public var requirements: [Requirement]

    public init(requirements: [Requirement]) { self.requirements = requirements }

    public static let everything = FieldSelector(requirements: [])

    public var isEverything: Bool { requirements.isEmpty }

    public func matches(_ object: JSONValue) -> Bool { requirements.allSatisfy { $0.matches(object) } }

    /// `metadata.name=N`, when this selector pins one name (watches of a single object).
    public var singleName: String? {
        requirements.first { $0.field == "metadata.name" && !$0.negated }?.value
    }

    public var description: String {
        requirements.map { "\($0.field)\($0.negated ? "!=" : "=")\(FieldSelector.escape($0.value))" }.joined(separator: ",")
    }

    /// The text of a field as a selector compares it: scalars as text, a missing field as "".
    public static func value(of field: String, in object: JSONValue) -> String {
        let v = object[path: field.split(separator: ".", omittingEmptySubsequences: false).map(String.init)]
        return v?.scalarText ?? ""
    }

    /// Parses `field=value`, `field==value`, `field!=value` terms separated by commas.
    /// In values, `\,`, `\=` and `\\` stand for the character itself.
    public init(parsing text: String) throws(SelectorError) {
        var reqs: [Requirement] = []
        let bytes = Array(text.utf8)
        var i = 0
        func fail(_ m: String) -> SelectorError { SelectorError(text: text, offset: i, message: m) }
        while i < bytes.count {
            while i < bytes.count, bytes[i] == UInt8(ascii: " ") { i += 1 }
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "="), bytes[i] != UInt8(ascii: "!"), bytes[i] != UInt8(ascii: ",") {
                i += 1
            }
            let field = String(decoding: bytes[start..<i], as: UTF8.self).trimmingSpaces
            if field.isEmpty { throw fail("expected a field name") }
            guard i < bytes.count, bytes[i] != UInt8(ascii: ",") else {
                throw fail("expected an operator (=, ==, !=) after \"\(field)\"")
            }
            var negated = false
            if bytes[i] == UInt8(ascii: "!") {
                guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "=") else { throw fail("expected \"!=\"") }
                negated = true
                i += 2
            } else {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "=") { i += 1 }
            }
            var value: [UInt8] = []
            while i < bytes.count, bytes[i] != UInt8(ascii: ",") {
                if bytes[i] == UInt8(ascii: "\\") {
                    guard i + 1 < bytes.count else { throw fail("a value ends with an unfinished escape \"\\\"") }
                    let next = bytes[i + 1]
                    guard next == UInt8(ascii: ",") || next == UInt8(ascii: "=") || next == UInt8(ascii: "\\") else {
                        throw fail("invalid escape \"\\\(Character(Unicode.Scalar(next)))\" (only \\, \\= and \\\\ are allowed)")
                    }
                    value.append(next)
                    i += 2
                    continue
                }
                if bytes[i] == UInt8(ascii: "=") { throw fail("unescaped \"=\" in the value of \"\(field)\" (write \\=)") }
                value.append(bytes[i])
                i += 1
            }
            reqs.append(Requirement(field: field, value: String(decoding: value, as: UTF8.self).trimmingSpaces, negated: negated))
            if i < bytes.count {
                i += 1  // the comma
                if i == bytes.count { throw fail("expected a requirement after \",\"") }
            }
        }
        self.requirements = reqs
    }

    static func escape(_ v: String) -> String {
        var out = ""
        for c in v {
            if c == "," || c == "=" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
