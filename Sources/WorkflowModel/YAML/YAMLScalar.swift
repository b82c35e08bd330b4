/// How a plain YAML scalar reads, by Kubernetes' rules (sigs.k8s.io/yaml over YAML 1.1):
/// booleans true/false/yes/no/on/off, null and ~, decimal/hex/octal/binary integers, floats
/// with .inf and .nan; everything else is a string.
enum YAMLScalar {
    /// `resolvePlain` on the scalar's UTF-8 bytes as libyaml hands them over: words and plain
    /// decimal integers (nearly all scalars) are decided without going through `String`.
    static func resolvePlain(_ b: UnsafeBufferPointer<UInt8>) -> JSONValue {
        guard let first = b.first else { return .null }
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"):
            if let i = decimal(b) { return .int(i) }
            // No special word starts with a digit, and those starting with a sign go on with
            // ".inf"; what is left can only be a number if all its bytes can be in one.
            if first >= UInt8(ascii: "0") || (b.count > 1 && b[1] != UInt8(ascii: ".")), cannotBeNumber(b) {
                return .string(String(decoding: b, as: UTF8.self))
            }
            return resolvePlain(String(decoding: b, as: UTF8.self))
        case UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"),
             UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "o"), UInt8(ascii: "O"), UInt8(ascii: "f"),
             UInt8(ascii: "F"), UInt8(ascii: "."):
            return resolvePlain(String(decoding: b, as: UTF8.self))
        default:
            return .string(String(decoding: b, as: UTF8.self))
        }
    }

    /// True when neither `integer` nor `float` could read the bytes (`100m`, `64Mi`, `-c`): one
    /// of them is outside what a decimal or float is written with, and there is no x, o or b
    /// that could make a hex, octal or binary prefix.
    static func cannotBeNumber(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var foreign = false
        for c in b {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "-"),
                 UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
                continue
            case UInt8(ascii: "x"), UInt8(ascii: "o"), UInt8(ascii: "b"):
                return false
            default:
                foreign = true
            }
        }
        return foreign
    }

    /// An optional sign and 1 to 18 decimal digits, not starting with 0 unless it is the only
    /// one (a leading 0 means octal, as `integer` reads it).
    static func decimal(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        var negative = false
        if b[0] == UInt8(ascii: "-") || b[0] == UInt8(ascii: "+") {
            negative = b[0] == UInt8(ascii: "-")
            i = 1
        }
        let digits = b.count - i
        guard digits >= 1, digits <= 18, b[i] != UInt8(ascii: "0") || digits == 1 else { return nil }
        var v = 0
        while i < b.count {
            let d = b[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
            i += 1
        }
        return negative ? -v : v
    }

    static func resolvePlain(_ s: String) -> JSONValue {
        // Most plain scalars are words that can only be strings: decide on the first byte.
        guard let first = s.utf8.first else { return .null }
        switch first {
        case UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"),
             UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "o"), UInt8(ascii: "O"), UInt8(ascii: "f"),
             UInt8(ascii: "F"), UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            break
        default:
            return .string(s)
        }
        if s.utf8.count > 6 && first > UInt8(ascii: "9") { return .string(s) }
        switch s {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return .bool(true)
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        guard let first = s.utf8.first, (first >= 48 && first <= 57) || first == 45 || first == 43 || first == 46 else {
            return .string(s)
        }
        if let i = integer(s) { return .int(i) }
        if let d = float(s) { return .double(d) }
        return .string(s)
    }

    static func integer(_ text: String) -> Int? {
        var s = Substring(text)
        var negative = false
        if s.first == "-" || s.first == "+" {
            negative = s.first == "-"
            s = s.dropFirst()
        }
        guard !s.isEmpty else { return nil }
        var radix = 10
        if s.hasPrefix("0x") {
            radix = 16
            s = s.dropFirst(2)
        } else if s.hasPrefix("0o") {
            radix = 8
            s = s.dropFirst(2)
        } else if s.hasPrefix("0b") {
            radix = 2
            s = s.dropFirst(2)
        } else if s.count > 1, s.first == "0" {
            radix = 8
            s = s.dropFirst()
        }
        let digits = s.filter { $0 != "_" }
        guard !digits.isEmpty, !s.hasPrefix("_"), let v = Int(digits, radix: radix) else { return nil }
        return negative ? -v : v
    }

    static func float(_ s: String) -> Double? {
        // [-+]? ( .digits | digits(.digits*)? ) ([eE][-+]?digits)?
        let b = Array(s.utf8)
        var i = 0
        if i < b.count, b[i] == 45 || b[i] == 43 { i += 1 }
        var digits = 0
        while i < b.count, (b[i] >= 48 && b[i] <= 57) || b[i] == 95 {
            i += 1
            digits += 1
        }
        if i < b.count, b[i] == 46 {
            i += 1
            while i < b.count, (b[i] >= 48 && b[i] <= 57) || b[i] == 95 {
                i += 1
                digits += 1
            }
        }
        guard digits > 0 else { return nil }
        if i < b.count, b[i] == 101 || b[i] == 69 {
            i += 1
            if i < b.count, b[i] == 45 || b[i] == 43 { i += 1 }
            var exp = 0
            while i < b.count, b[i] >= 48 && b[i] <= 57 {
                i += 1
                exp += 1
            }
            guard exp > 0 else { return nil }
        }
        guard i == b.count else { return nil }
        return Double(s.filter { $0 != "_" })
    }

    /// Explicit tags: `!!str 12` is a string, `!!int "3"` a number.
    static func resolveTagged(_ s: String, tag: String) -> JSONValue? {
        switch tag {
        case "tag:yaml.org,2002:str": return .string(s)
        case "tag:yaml.org,2002:int": return integer(s).map { .int($0) }
        case "tag:yaml.org,2002:float": return float(s).map { .double($0) } ?? integer(s).map { .double(Double($0)) }
        case "tag:yaml.org,2002:bool":
            if case .bool(let b) = resolvePlain(s) { return .bool(b) }
            return nil
        case "tag:yaml.org,2002:null": return .null
        default: return nil
        }
    }
}
