/// JSON string quoting as Go's encoding/json does it (what Argo prints): control characters
/// as `\u00XX`, and `<`, `>`, `&`, U+2028 and U+2029 escaped too. One implementation for
/// expression values and for the model's JSON.
public enum JSONText {
    public static func quote(_ s: String, into out: inout String) {
        out += "\""
        // Most strings (names, labels, versions) need no escape at all: copy them whole.
        // 0xE2 starts U+2028/U+2029 (and other characters, which then take the slow path).
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0xE2 }) {
            out += s
            out += "\""
            return
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}": out += "\\u" + hex4(u.value)
            default:
                if u.value < 0x20 {
                    out += "\\u" + hex4(u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    private static func hex4(_ v: UInt32) -> String {
        let digits = Array("0123456789abcdef")
        var s = ""
        for shift in stride(from: 12, through: 0, by: -4) { s.append(digits[Int((v >> UInt32(shift)) & 0xF)]) }
        return s
    }
}
