import Crypto

/// Sprig's regular-expression and hash functions, as Argo's `sprig.*` has them:
/// `regexMatch`, `regexFind`, `regexFindAll`, `regexReplaceAll` (with `$1` / `${name}`
/// expansion), `regexReplaceAllLiteral`, `regexSplit`, `regexQuoteMeta` (and their `must`
/// forms), and `sha1sum`, `sha256sum`, `sha512sum`, `adler32sum`.
enum SprigRegex {
    static let names: Set<String> = [
        "regexMatch", "mustRegexMatch", "regexFind", "mustRegexFind", "regexFindAll", "mustRegexFindAll",
        "regexReplaceAll", "mustRegexReplaceAll", "regexReplaceAllLiteral", "mustRegexReplaceAllLiteral",
        "regexSplit", "mustRegexSplit", "regexQuoteMeta", "sha1sum", "sha256sum", "sha512sum", "adler32sum",
    ]

    static func regex(_ c: CallContext, _ i: Int) throws(ExpressionError) -> Regex<AnyRegexOutput> {
        let pattern = try c.string(i)
        do {
            return try Regex(pattern).matchingSemantics(.unicodeScalar)
        } catch {
            throw c.fail("invalid regular expression '\(pattern)'", fix: "write it in Go's RE2 syntax, e.g. '^[a-z]+-[0-9]+$'")
        }
    }

    static func call(_ name: String, _ c: CallContext) throws(ExpressionError) -> ExprValue? {
        let base = name.hasPrefix("must") ? String(name.dropFirst(4).prefix(1).lowercased() + name.dropFirst(5)) : name
        switch base {
        case "regexMatch":
            try c.arity(2...2)
            let r = try regex(c, 0), s = try c.string(1)
            return .bool((try? r.firstMatch(in: s)) != nil)
        case "regexFind":
            try c.arity(2...2)
            let r = try regex(c, 0), s = try c.string(1)
            return .string((try? r.firstMatch(in: s)).flatMap { $0.map { String(s[$0.range]) } } ?? "")
        case "regexFindAll":
            try c.arity(3...3)
            let r = try regex(c, 0), s = try c.string(1), n = try c.int(2)
            var found = s.matches(of: r).map { ExprValue.string(String(s[$0.range])) }
            if n >= 0 { found = Array(found.prefix(n)) }
            return .list(found)
        case "regexReplaceAll", "regexReplaceAllLiteral":
            try c.arity(3...3)
            let r = try regex(c, 0), s = try c.string(1), repl = try c.string(2)
            let literal = base == "regexReplaceAllLiteral"
            var out = ""
            var last = s.startIndex
            for m in s.matches(of: r) {
                out += s[last..<m.range.lowerBound]
                out += literal ? repl : expand(repl, m, in: s)
                last = m.range.upperBound
            }
            return .string(out + s[last...])
        case "regexSplit":
            try c.arity(3...3)
            let r = try regex(c, 0), s = try c.string(1), n = try c.int(2)
            if n == 0 { return .list([]) }
            var parts: [ExprValue] = []
            var last = s.startIndex
            for m in s.matches(of: r) where n < 0 || parts.count < n - 1 {
                if m.range.isEmpty && m.range.lowerBound == last && last != s.startIndex { continue }
                parts.append(.string(String(s[last..<m.range.lowerBound])))
                last = m.range.upperBound
            }
            parts.append(.string(String(s[last...])))
            return .list(parts)
        case "regexQuoteMeta":
            try c.arity(1...1)
            let special: Set<Character> = ["\\", ".", "+", "*", "?", "(", ")", "|", "[", "]", "{", "}", "^", "$"]
            return .string(String(try c.string(0).flatMap { special.contains($0) ? ["\\", $0] : [$0] }))
        case "sha1sum", "sha256sum", "sha512sum", "adler32sum":
            try c.arity(1...1)
            let bytes = Array(Sprig.text(c.args[0]).utf8)
            switch base {
            case "sha1sum": return .string(hex(Insecure.SHA1.hash(data: bytes)))
            case "sha256sum": return .string(hex(SHA256.hash(data: bytes)))
            case "sha512sum": return .string(hex(SHA512.hash(data: bytes)))
            default:
                var a: UInt32 = 1, b: UInt32 = 0
                for byte in bytes {
                    a = (a + UInt32(byte)) % 65521
                    b = (b + a) % 65521
                }
                return .string(String(b << 16 | a))
            }
        default:
            return nil
        }
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef")
        var s = ""
        for byte in digest {
            s.append(digits[Int(byte >> 4)])
            s.append(digits[Int(byte & 15)])
        }
        return s
    }

    /// Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}`; `$$` is a dollar.
    static func expand(_ template: String, _ m: Regex<AnyRegexOutput>.Match, in s: String) -> String {
        var out = ""
        var chars = Substring(template)
        func group(_ key: String) -> String {
            if let i = Int(key) { return i < m.output.count ? m.output[i].substring.map(String.init) ?? "" : "" }
            return m.output[key]?.substring.map(String.init) ?? ""
        }
        while let c = chars.first {
            chars = chars.dropFirst()
            guard c == "$" else { out.append(c); continue }
            if chars.first == "$" { out.append("$"); chars = chars.dropFirst(); continue }
            if chars.first == "{", let close = chars.firstIndex(of: "}") {
                out += group(String(chars[chars.index(after: chars.startIndex)..<close]))
                chars = chars[chars.index(after: close)...]
                continue
            }
            let name = chars.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if name.isEmpty { out.append("$"); continue }
            out += group(String(name))
            chars = chars.dropFirst(name.count)
        }
        return out
    }
}
