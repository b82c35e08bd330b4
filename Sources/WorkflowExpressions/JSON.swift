import SkeinJSON

/// Compact JSON output for `ExprValue`.
enum JSONWriter {
    static func write(_ v: ExprValue, into out: inout String) {
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += (d.isNaN || d.isInfinite) ? "null" : NumberText.format(d)
        case .string(let s): writeString(s, into: &out)
        case .time(let t): writeString(t.rfc3339, into: &out)
        case .duration(let d): out += String(d)
        case .list(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .map(let m):
            out += "{"
            for (i, key) in m.keys.sorted(by: utf8Less).enumerated() {
                if i > 0 { out += "," }
                writeString(key, into: &out)
                out += ":"
                write(m[key] ?? .null, into: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, into out: inout String) {
        JSONText.quote(s, into: &out)
    }
}

/// A double-quoted string with backslash escapes (`\"`, `\\`, `\n`, `\r`, `\t`, `\xNN` for
/// other control characters): Go's `%q` for plain text, and a valid YAML double-quoted scalar.
public enum QuotedText {
    public static func doubleQuoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    let hex = String(u.value, radix: 16)
                    out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}

/// A strict JSON parser (RFC 8259) over UTF-8 bytes.
struct JSONParser {
    private let bytes: [UInt8]
    private var pos = 0
    private var depth = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    mutating func parseDocument() -> ExprValue? {
        skipSpace()
        guard let v = parseValue() else { return nil }
        skipSpace()
        return pos == bytes.count ? v : nil
    }

    private mutating func skipSpace() {
        while pos < bytes.count, bytes[pos] == 0x20 || bytes[pos] == 0x0A || bytes[pos] == 0x0D || bytes[pos] == 0x09 {
            pos += 1
        }
    }

    private mutating func literal(_ word: String, _ value: ExprValue) -> ExprValue? {
        let w = Array(word.utf8)
        guard pos + w.count <= bytes.count, Array(bytes[pos..<pos + w.count]) == w else { return nil }
        pos += w.count
        return value
    }

    private mutating func parseValue() -> ExprValue? {
        guard pos < bytes.count else { return nil }
        switch bytes[pos] {
        case UInt8(ascii: "n"): return literal("null", .null)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "\""): return parseString().map { .string($0) }
        case UInt8(ascii: "["):
            depth += 1
            defer { depth -= 1 }
            guard depth < 512 else { return nil }
            pos += 1
            var items: [ExprValue] = []
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .list(items) }
            while true {
                skipSpace()
                guard let v = parseValue() else { return nil }
                items.append(v)
                skipSpace()
                guard pos < bytes.count else { return nil }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .list(items) }
                return nil
            }
        case UInt8(ascii: "{"):
            depth += 1
            defer { depth -= 1 }
            guard depth < 512 else { return nil }
            pos += 1
            var map: [String: ExprValue] = [:]
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .map(map) }
            while true {
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\""), let key = parseString() else { return nil }
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { return nil }
                pos += 1
                skipSpace()
                guard let v = parseValue() else { return nil }
                map[key] = v
                skipSpace()
                guard pos < bytes.count else { return nil }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .map(map) }
                return nil
            }
        default:
            return parseNumber()
        }
    }

    private mutating func parseNumber() -> ExprValue? {
        let start = pos
        var isInt = true
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < bytes.count, isDigit(bytes[pos]) else { return nil }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
        } else {
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            isInt = false
            pos += 1
            guard pos < bytes.count, isDigit(bytes[pos]) else { return nil }
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            isInt = false
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < bytes.count, isDigit(bytes[pos]) else { return nil }
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        if isInt, let i = Int(text) { return .int(i) }
        return Double(text).map { .double($0) }
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private mutating func hex4() -> UInt32? {
        guard pos + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[pos]
            let d: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
            default: return nil
            }
            v = v * 16 + d
            pos += 1
        }
        return v
    }

    private mutating func parseString() -> String? {
        pos += 1  // opening quote
        var raw: [UInt8] = []
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                pos += 1
                // The bytes came from a String or from valid scalars, so decoding is lossless.
                return String(decoding: raw, as: UTF8.self)
            }
            if b < 0x20 { return nil }
            if b != UInt8(ascii: "\\") { raw.append(b); pos += 1; continue }
            pos += 1
            guard pos < bytes.count else { return nil }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): raw.append(0x22)
            case UInt8(ascii: "\\"): raw.append(0x5C)
            case UInt8(ascii: "/"): raw.append(0x2F)
            case UInt8(ascii: "b"): raw.append(0x08)
            case UInt8(ascii: "f"): raw.append(0x0C)
            case UInt8(ascii: "n"): raw.append(0x0A)
            case UInt8(ascii: "r"): raw.append(0x0D)
            case UInt8(ascii: "t"): raw.append(0x09)
            case UInt8(ascii: "u"):
                guard var code = hex4() else { return nil }
                if code >= 0xD800 && code < 0xDC00 {
                    // High surrogate: a low surrogate must follow.
                    guard pos + 2 <= bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                        code = 0xFFFD
                        appendScalar(code, to: &raw)
                        continue
                    }
                    pos += 2
                    guard let low = hex4() else { return nil }
                    if low >= 0xDC00 && low < 0xE000 {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        appendScalar(0xFFFD, to: &raw)
                        code = low
                    }
                }
                appendScalar(code, to: &raw)
            default: return nil
            }
        }
        return nil
    }

    private func appendScalar(_ code: UInt32, to raw: inout [UInt8]) {
        let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
        raw.append(contentsOf: Array(String(Character(scalar)).utf8))
    }
}
