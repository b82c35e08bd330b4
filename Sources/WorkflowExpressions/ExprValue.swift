/// A value produced or consumed by an expression: the JSON data model plus a distinct integer case.
public enum ExprValue: Sendable, Hashable {
    case null, bool(Bool), int(Int), double(Double), string(String), list([ExprValue]), map([String: ExprValue])
    /// A date (expr-lang's `time.Time`), from `now()` or `date(...)`.
    case time(ExprTime)
    /// A duration in nanoseconds (expr-lang's `time.Duration`), from `duration(...)` or `date - date`.
    case duration(Int)

    /// Only `true` is truthy; every other value (including non-empty strings) is not.
    public var isTruthy: Bool { if case .bool(true) = self { return true }; return false }

    /// The value as it appears when substituted into text.
    public var text: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return NumberText.format(d)
        case .string(let s): return s
        case .list, .map: return jsonText
        case .time(let t): return t.goText
        case .duration(let d): return GoDuration.text(d)
        }
    }

    /// Compact JSON, map keys sorted by their UTF-8 bytes.
    public var jsonText: String {
        var out = ""
        JSONWriter.write(self, into: &out)
        return out
    }

    /// Parses JSON text; integers without fraction or exponent become `.int`. Nil when the text is not valid JSON.
    public static func fromJSONText(_ s: String) -> ExprValue? {
        var parser = JSONParser(s)
        return parser.parseDocument()
    }
}

extension ExprValue {
    /// The type name used in error messages (expr-lang's vocabulary).
    var typeName: String {
        switch self {
        case .null: return "nil"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "string"
        case .list: return "array"
        case .map: return "map"
        case .time: return "time.Time"
        case .duration: return "time.Duration"
        }
    }

    var numberValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    var isNumber: Bool { numberValue != nil }

    /// Structural equality where ints and doubles compare by numeric value.
    func looselyEquals(_ other: ExprValue) -> Bool {
        switch (self, other) {
        case (.int(let a), .int(let b)): return a == b
        case (.int, .double), (.double, .int), (.double, .double):
            return numberValue == other.numberValue
        case (.list(let a), .list(let b)):
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where !x.looselyEquals(y) { return false }
            return true
        case (.time(let a), .time(let b)):
            return a.sameInstant(b)
        case (.map(let a), .map(let b)):
            guard a.count == b.count else { return false }
            for (k, v) in a {
                guard let w = b[k], v.looselyEquals(w) else { return false }
            }
            return true
        default: return self == other
        }
    }
}

/// Byte-wise ordering of strings, as Go compares them.
func utf8Less(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}

/// Formats doubles the way Go's encoding/json does: shortest round-trip digits,
/// plain notation unless the exponent is below -6 or at least 21.
enum NumberText {
    static func format(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        // Swift's description already yields the shortest round-trip digits; re-layout them.
        var desc = d.magnitude.description
        var exponent = 0
        if let e = desc.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(desc[desc.index(after: e)...]) ?? 0
            desc = String(desc[..<e])
        }
        var digits = ""
        var pointPos = 0
        var seenPoint = false
        for c in desc {
            if c == "." { seenPoint = true; continue }
            digits.append(c)
            if !seenPoint { pointPos += 1 }
        }
        // Strip leading zeros (adjusting the point) and trailing zeros.
        while digits.count > 1, digits.first == "0" { digits.removeFirst(); pointPos -= 1 }
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
        pointPos += exponent
        // pointPos: number of digits before the decimal point; decimal exponent = pointPos - 1.
        let exp10 = pointPos - 1
        var out = d < 0 ? "-" : ""
        if exp10 < -6 || exp10 >= 21 {
            out.append(digits.first ?? "0")
            if digits.count > 1 { out += "." + digits.dropFirst() }
            out += exp10 < 0 ? "e-\(-exp10)" : "e+\(exp10)"
        } else if pointPos <= 0 {
            out += "0." + String(repeating: "0", count: -pointPos) + digits
        } else if pointPos >= digits.count {
            out += digits + String(repeating: "0", count: pointPos - digits.count)
        } else {
            let i = digits.index(digits.startIndex, offsetBy: pointPos)
            out += digits[..<i] + "." + digits[i...]
        }
        return out
    }
}
