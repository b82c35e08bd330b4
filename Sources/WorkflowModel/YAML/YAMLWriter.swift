import WorkflowExpressions

extension JSONValue {
    /// Block-style YAML for `-o yaml`: keys sorted, strings quoted only where a plain scalar
    /// would read back as something else, multi-line text as literal blocks.
    public func yamlText(indent: Int = 2) -> String {
        var out = ""
        YAMLWriter(indent: indent).write(self, level: 0, into: &out, inline: false)
        if !out.hasSuffix("\n") { out += "\n" }
        return out
    }
}

struct YAMLWriter {
    let indent: Int

    func pad(_ level: Int) -> String { String(repeating: " ", count: level * indent) }

    /// Writes `value`; when `inline` the cursor is after "key:" or "- " on the current line.
    func write(_ value: JSONValue, level: Int, into out: inout String, inline: Bool) {
        switch value {
        case .object(let o) where !o.isEmpty:
            var first = true
            for key in o.keys.sorted() {
                let v = o[key] ?? .null
                if !(inline && first) { out += pad(level) }
                first = false
                out += YAMLWriter.scalar(key) + ":"
                writeChild(v, level: level, into: &out)
            }
        case .array(let a) where !a.isEmpty:
            var first = true
            for item in a {
                if !(inline && first) { out += pad(level) }
                first = false
                out += "- "
                switch item {
                case .object(let o) where !o.isEmpty:
                    write(item, level: level + 1, into: &out, inline: true)
                case .array(let inner) where !inner.isEmpty:
                    write(item, level: level + 1, into: &out, inline: true)
                default:
                    out += inlineScalar(item, level: level + 1) + "\n"
                }
            }
        default:
            out += inlineScalar(value, level: level) + "\n"
        }
    }

    func writeChild(_ v: JSONValue, level: Int, into out: inout String) {
        switch v {
        case .object(let o) where !o.isEmpty:
            out += "\n"
            write(v, level: level + 1, into: &out, inline: false)
        case .array(let a) where !a.isEmpty:
            out += "\n"
            write(v, level: level, into: &out, inline: false)
        default:
            out += " " + inlineScalar(v, level: level + 1) + "\n"
        }
    }

    func inlineScalar(_ v: JSONValue, level: Int) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d.isNaN { return ".nan" }
            if d.isInfinite { return d > 0 ? ".inf" : "-.inf" }
            return JSONValue.formatDouble(d)
        case .string(let s):
            if let block = literalBlock(s, level: level) { return block }
            return YAMLWriter.scalar(s)
        case .object: return "{}"
        case .array: return "[]"
        }
    }

    /// `|` / `|-` blocks for multi-line text that reads back unchanged.
    func literalBlock(_ s: String, level: Int) -> String? {
        guard s.contains("\n"), !s.contains("\r"), !s.contains("\t"), let first = s.first, first != " " else { return nil }
        var body = Substring(s)
        var header = "|-"
        if body.hasSuffix("\n") {
            body = body.dropLast()
            if body.hasSuffix("\n") { return nil }
            header = "|"
        }
        let p = pad(level)
        var out = header
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            out += "\n" + (line.isEmpty ? "" : p + line)
        }
        // Trailing spaces on lines read back fine inside a literal block.
        return out
    }

    /// A key or single-line string: plain when it reads back as the same string, else quoted.
    static func scalar(_ s: String) -> String {
        needsQuotes(s) ? quoted(s) : s
    }

    static func needsQuotes(_ s: String) -> Bool {
        guard let first = s.first, let last = s.last else { return true }
        if case .string = YAMLScalar.resolvePlain(s) {} else { return true }
        if first == " " || last == " " { return true }
        if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
            // "-x" and "?x"/":x" are plain when followed by a non-space, but keep it simple.
            if !(first == "-" && s.count > 1 && s.dropFirst().first != " ") { return true }
        }
        if s.contains(": ") || s.contains(" #") || last == ":" { return true }
        for u in s.unicodeScalars where u.value < 0x20 || u.value == 0x7f { return true }
        // Other YAML 1.1 readers treat these as booleans too.
        if ["y", "Y", "n", "N"].contains(s) { return true }
        return false
    }

    /// YAML double-quoted scalars take the same escapes as Go's `%q`.
    static func quoted(_ s: String) -> String { QuotedText.doubleQuoted(s) }
}
