/// The subset of Sprig template functions Argo exposes as `sprig.name(...)`. Argument order follows Sprig
/// (the subject string comes last, e.g. `sprig.replace(old, new, s)`).
enum Sprig {
    /// Sprig's lenient integer conversion (cast.ToInt64): floats are truncated, text is read
    /// as Go's ParseInt with base 0 (`0x1A`, `0o17`, `010` octal, `1_000`) after a zero
    /// fraction is dropped (`3.0`); anything else, `3.9` and ` 5` included, is 0.
    static func toInt(_ v: ExprValue) -> Int {
        switch v {
        case .int(let i): return i
        case .double(let d): return truncatedInt(d) ?? 0
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return goParseInt(s) ?? 0
        default: return 0
        }
    }

    static func goParseInt(_ text: String) -> Int? {
        var s = Substring(text)
        if let dot = s.firstIndex(of: "."), s[s.index(after: dot)...].allSatisfy({ $0 == "0" }) { s = s[..<dot] }
        var negative = false
        if s.hasPrefix("+") || s.hasPrefix("-") { negative = s.hasPrefix("-"); s = s.dropFirst() }
        var radix = 10
        let lower = s.lowercased()
        if lower.hasPrefix("0x") { radix = 16; s = s.dropFirst(2) }
        else if lower.hasPrefix("0o") { radix = 8; s = s.dropFirst(2) }
        else if lower.hasPrefix("0b") { radix = 2; s = s.dropFirst(2) }
        else if s.count > 1, s.hasPrefix("0") { radix = 8; s = s.dropFirst() }
        // Underscores as Go's integer literals allow them: between digits, or after a prefix.
        if s.contains("_") {
            guard !s.hasSuffix("_"), !s.contains("__"), radix != 10 || !s.hasPrefix("_") else { return nil }
            s = Substring(s.filter { $0 != "_" })
        }
        guard !s.isEmpty, let n = Int(s, radix: radix) else { return nil }
        return negative ? -n : n
    }

    /// cast.ToFloat64: text as Go's ParseFloat reads it (no surrounding spaces), else 0.
    static func toFloat(_ v: ExprValue) -> Double {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return s.first?.isWhitespace == true || s.last?.isWhitespace == true ? 0 : Double(s) ?? 0
        default: return 0
        }
    }

    /// Text of a value the way Sprig's toString renders it (nil becomes empty).
    static func text(_ v: ExprValue) -> String {
        if case .null = v { return "" }
        return v.text
    }

    static func isEmpty(_ v: ExprValue) -> Bool {
        switch v {
        case .null: return true
        case .bool(let b): return !b
        case .int(let i): return i == 0
        case .double(let d): return d == 0
        case .string(let s): return s.isEmpty
        case .list(let l): return l.isEmpty
        case .map(let m): return m.isEmpty
        case .time: return false
        case .duration(let d): return d == 0
        }
    }

    /// Go's %q for plain strings.
    static func goQuote(_ s: String) -> String { QuotedText.doubleQuoted(s) }

    private static func integerOp(_ c: CallContext, _ op: (Int, Int) -> (Int, Bool)) throws(ExpressionError) -> ExprValue {
        guard var acc = c.args.first.map(toInt) else { throw c.fail("expects at least one argument") }
        for v in c.args.dropFirst() {
            let (r, overflow) = op(acc, toInt(v))
            if overflow { throw c.fail("integer overflow") }
            acc = r
        }
        return .int(acc)
    }

    static func call(_ name: String, _ c: CallContext) throws(ExpressionError) -> ExprValue {
        if SprigRegex.names.contains(name), let r = try SprigRegex.call(name, c) { return r }
        let a = c.args
        switch name {
        case "now":
            try c.arity(0...0)
            guard let now = c.evaluator.env.now else { throw c.fail("there is no clock here") }
            return .time(now)
        case "toDate", "mustToDate":
            // toDate(layout, text): parses in UTC, as sprig's does in the controller's zone.
            try c.arity(2...2)
            let layout = try c.string(0), text = try c.string(1)
            guard let t = GoTime.parse(text, layout: layout) else {
                throw c.fail("cannot parse '\(text)' as '\(layout)'")
            }
            return .time(t)
        case "dateModify", "mustDateModify":
            try c.arity(2...2)
            let text = try c.string(0)
            guard case .time(let t) = a[1] else { throw c.fail("expects a date as its second argument, got \(a[1].typeName)") }
            guard let d = GoDuration.parse(text), let r = t.adding(nanoseconds: d) else {
                throw c.fail("invalid duration '\(text)'", fix: "write a Go duration such as -24h or 90m")
            }
            return .time(r)
        case "unixEpoch":
            try c.arity(1...1)
            guard case .time(let t) = a[0] else { throw c.fail("expects a date, got \(a[0].typeName)") }
            return .string(String(t.seconds))
        case "ago":
            try c.arity(1...1)
            guard case .time(let t) = a[0], let now = c.evaluator.env.now else { throw c.fail("expects a date, and a clock") }
            let d = now.nanoseconds(since: t)
            return .string(GoDuration.text(d - d % 1_000_000_000))
        case "duration":
            // duration(seconds): the seconds as Go writes a duration.
            try c.arity(1...1)
            let secs: Int
            switch a[0] {
            case .int(let n): secs = n
            case .string(let s): secs = Int(s) ?? 0
            case .double(let d) where d.magnitude < 9e9: secs = Int(d)
            default: secs = 0
            }
            return .string(GoDuration.text(secs.multipliedReportingOverflow(by: 1_000_000_000).overflow ? Int.max : secs * 1_000_000_000))
        case "date", "dateInZone":
            // date(layout, time): time as RFC 3339 text or Unix seconds (Skein's engine has no
            // clock, so unlike sprig there is no "now" for other values).
            try c.arity(2...3)
            let layout = try c.string(0)
            let t: GoTime?
            switch a[1] {
            case .time(let time): t = time.civil
            case .int(let unix): t = GoTime(unix: unix)
            case .double(let d) where d.magnitude < 1e15: t = GoTime(unix: Int(d))
            case .string(let s): t = GoTime(rfc3339: s) ?? Int(s).map { GoTime(unix: $0) }
            default: t = nil
            }
            guard var t else {
                throw c.fail("expects a time as RFC 3339 text (2006-01-02T15:04:05Z) or Unix seconds, got \(a[1].typeName)",
                             fix: "pass a timestamp such as workflow.creationTimestamp")
            }
            // dateInZone(layout, time, zone): shown in the zone (sprig falls back to UTC).
            if a.count == 3 {
                let unix = t.unixSeconds
                t = GoTime(unix: unix, offset: Evaluator.zoneOffset(text(a[2]), at: unix) ?? 0)
            }
            return .string(t.format(layout))
        case "trim":
            try c.arity(1...1)
            return .string(trimmedWhitespace(text(a[0])))
        case "trimAll":
            try c.arity(2...2)
            let set = Set(text(a[0]))
            var chars = Substring(text(a[1]))
            while let f = chars.first, set.contains(f) { chars = chars.dropFirst() }
            while let l = chars.last, set.contains(l) { chars = chars.dropLast() }
            return .string(String(chars))
        case "upper":
            try c.arity(1...1)
            return .string(text(a[0]).uppercased())
        case "lower":
            try c.arity(1...1)
            return .string(text(a[0]).lowercased())
        case "title":
            try c.arity(1...1)
            var out = ""
            var atWordStart = true
            for ch in text(a[0]) {
                out += atWordStart ? ch.uppercased() : String(ch)
                atWordStart = !(ch.isLetter || ch.isNumber || ch == "_" || ch == "'")
            }
            return .string(out)
        case "replace":
            try c.arity(3...3)
            let old = text(a[0]), new = text(a[1]), s = text(a[2])
            return .string(old.isEmpty ? s : s.replacing(old, with: new))
        case "contains":
            try c.arity(2...2)
            let sub = text(a[0])
            return .bool(sub.isEmpty || text(a[1]).contains(sub))
        case "hasPrefix":
            try c.arity(2...2)
            return .bool(text(a[1]).hasPrefix(text(a[0])))
        case "hasSuffix":
            try c.arity(2...2)
            return .bool(text(a[1]).hasSuffix(text(a[0])))
        case "trimPrefix":
            try c.arity(2...2)
            let p = text(a[0]), s = text(a[1])
            return .string(s.hasPrefix(p) ? String(s.dropFirst(p.count)) : s)
        case "trimSuffix":
            try c.arity(2...2)
            let p = text(a[0]), s = text(a[1])
            return .string(s.hasSuffix(p) ? String(s.dropLast(p.count)) : s)
        case "add": return try integerOp(c) { $0.addingReportingOverflow($1) }
        case "sub": try c.arity(2...2); return try integerOp(c) { $0.subtractingReportingOverflow($1) }
        case "mul": return try integerOp(c) { $0.multipliedReportingOverflow(by: $1) }
        case "div", "mod":
            try c.arity(2...2)
            let x = toInt(a[0]), y = toInt(a[1])
            if y == 0 { throw c.fail("division by zero") }
            let (r, overflow) = name == "div" ? x.dividedReportingOverflow(by: y) : x.remainderReportingOverflow(dividingBy: y)
            if overflow { throw c.fail("integer overflow") }
            return .int(r)
        case "max", "min":
            guard !a.isEmpty else { throw c.fail("expects at least one argument") }
            let ints = a.map(toInt)
            return .int((name == "max" ? ints.max() : ints.min()) ?? 0)
        case "add1":
            try c.arity(1...1)
            let (r, o) = toInt(a[0]).addingReportingOverflow(1)
            if o { throw c.fail("integer overflow") }
            return .int(r)
        case "int", "int64":
            try c.arity(1...1)
            return .int(toInt(a[0]))
        case "atoi":
            // strconv.Atoi with the error dropped: base 10 only, and only for text.
            try c.arity(1...1)
            let s = try c.string(0)
            return .int(Int(s.hasPrefix("+") ? String(s.dropFirst()) : s) ?? 0)
        case "float64":
            try c.arity(1...1)
            return .double(toFloat(a[0]))
        case "toString":
            try c.arity(1...1)
            return .string(goText(a[0]))
        case "default":
            try c.arity(1...2)
            if a.count == 1 { return a[0] }
            return isEmpty(a[1]) ? a[0] : a[1]
        case "empty":
            try c.arity(1...1)
            return .bool(isEmpty(a[0]))
        case "coalesce":
            return a.first { !isEmpty($0) } ?? .null
        case "ternary":
            try c.arity(3...3)
            return a[2].isTruthy ? a[0] : a[1]
        case "join":
            try c.arity(2...2)
            let sep = text(a[0])
            switch a[1] {
            case .list(let l): return .string(l.map(text).joined(separator: sep))
            default: return .string(text(a[1]))
            }
        case "splitList":
            try c.arity(2...2)
            return .list(splitString(text(a[1]), text(a[0])).map { .string($0) })
        case "quote", "squote":
            let q = a.filter { $0 != .null }.map { v in name == "quote" ? goQuote(text(v)) : "'" + text(v) + "'" }
            return .string(q.joined(separator: " "))
        case "cat":
            return .string(a.filter { $0 != .null }.map(text).joined(separator: " "))
        case "b64enc":
            try c.arity(1...1)
            return .string(Base64.encode(Array(text(a[0]).utf8)))
        case "b64dec":
            try c.arity(1...1)
            guard let bytes = Base64.decode(text(a[0])) else { throw c.fail("invalid base64 '\(text(a[0]))'") }
            return .string(String(decoding: bytes, as: UTF8.self))
        case "toJson", "toRawJson", "mustToJson", "mustToRawJson":
            try c.arity(1...1)
            return .string(a[0].jsonText)
        case "fromJson", "mustFromJson":
            try c.arity(1...1)
            guard let v = ExprValue.fromJSONText(text(a[0])) else { throw c.fail("invalid JSON '\(text(a[0]))'") }
            return v
        case "list":
            return .list(a)
        case "dict":
            guard a.count % 2 == 0 else { throw c.fail("expects key/value pairs") }
            var m: [String: ExprValue] = [:]
            var i = 0
            while i < a.count {
                m[text(a[i])] = a[i + 1]
                i += 2
            }
            return .map(m)
        case "repeat":
            try c.arity(2...2)
            let n = toInt(a[0])
            guard n >= 0, n <= 1_000_000 else { throw c.fail("count \(n) is out of range") }
            return .string(String(repeating: text(a[1]), count: n))
        case "substr":
            try c.arity(3...3)
            let scalars = Array(text(a[2]).unicodeScalars)
            var start = toInt(a[0]), end = toInt(a[1])
            if start < 0 { start = 0 }
            if end < 0 || end > scalars.count { end = scalars.count }
            var out = String.UnicodeScalarView()
            if start < end { out.append(contentsOf: scalars[start..<end]) }
            return .string(String(out))
        case "trunc":
            try c.arity(2...2)
            let n = toInt(a[0]), scalars = Array(text(a[1]).unicodeScalars)
            var out = String.UnicodeScalarView()
            if n >= 0 {
                out.append(contentsOf: scalars.prefix(n))
            } else if n > Int.min {
                out.append(contentsOf: scalars.suffix(-n))
            }
            return .string(String(out))
        case "nospace":
            try c.arity(1...1)
            return .string(String(text(a[0]).filter { !$0.isWhitespace }))
        case "until":
            try c.arity(1...1)
            let n = toInt(a[0])
            guard n.magnitude <= 1_000_000 else { throw c.fail("count \(n) is out of range") }
            return .list(n >= 0 ? (0..<n).map { .int($0) } : (0..<(-n)).map { .int(-$0) })
        case "first", "last":
            try c.arity(1...1)
            guard case .list(let l) = a[0] else { return .null }
            return (name == "first" ? l.first : l.last) ?? .null
        case "has":
            try c.arity(2...2)
            guard case .list(let l) = a[1] else { return .bool(false) }
            return .bool(l.contains { $0.looselyEquals(a[0]) })
        default:
            if let r = try more(name, c) { return r }
            throw c.evaluator.fail("unknown function 'sprig.\(name)'", at: c.offset)
        }
    }
}

enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        var padding = 0
        for b in text.utf8 {
            if b == UInt8(ascii: "=") { padding += 1; continue }
            guard padding == 0, let v = alphabet.firstIndex(of: b) else { return nil }
            values.append(UInt8(v))
        }
        guard (values.count + padding) % 4 == 0 || padding == 0, values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < values.count {
            let chunk = Array(values[i..<min(i + 4, values.count)])
            out.append(chunk[0] << 2 | chunk[1] >> 4)
            if chunk.count > 2 { out.append((chunk[1] & 0x0F) << 4 | chunk[2] >> 2) }
            if chunk.count > 3 { out.append((chunk[2] & 0x03) << 6 | chunk[3]) }
            i += 4
        }
        return out
    }
}
