extension JSONValue {
    /// Compact JSON with sorted keys (Go's encoding/json output for maps).
    public var compactJSON: String {
        var out = ""
        writeJSON(into: &out)
        return out
    }

    public func writeJSON(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite { out += JSONValue.formatDouble(d) } else { out += "null" }
        case .string(let s): JSONValue.writeQuoted(s, into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.writeJSON(into: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            var first = true
            for (k, v) in o.sorted(by: { $0.key < $1.key }) {
                if !first { out += "," }
                first = false
                JSONValue.writeQuoted(k, into: &out)
                out += ":"
                v.writeJSON(into: &out)
            }
            out += "}"
        }
    }

    public static func writeQuoted(_ s: String, into out: inout String) {
        JSONText.quote(s, into: &out)
    }
}
