#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What the Sprig functions of SprigMore.swift share: argument checks, Go's formatting and
/// conversions, and the host lookups `getHostByName` needs.
extension Sprig {
    static func listArgument(_ c: CallContext, _ i: Int, verb: String = "use") throws(ExpressionError) -> [ExprValue] {
        switch c.args[i] {
        case .list(let l): return l
        case .null: return []
        default: throw c.fail("Cannot \(verb) type \(goType(c.args[i]))", fix: "pass a list")
        }
    }

    static func dictArgument(_ c: CallContext, _ i: Int) throws(ExpressionError) -> [String: ExprValue] {
        switch c.args[i] {
        case .map(let m): return m
        case .null: return [:]
        default: throw c.fail("argument \(i + 1) must be a dict, got \(c.args[i].typeName)")
        }
    }

    /// Go's `%v` of a value, as sprig's `toString` and `toStrings` render it.
    static func goText(_ v: ExprValue) -> String {
        switch v {
        case .null: return "<nil>"
        case .double(let d): return goFloat(d)
        case .list(let l): return "[" + l.map(goText).joined(separator: " ") + "]"
        case .map(let m): return "map[" + m.keys.sorted(by: utf8Less).map { "\($0):\(goText(m[$0]!))" }.joined(separator: " ") + "]"
        default: return v.text
        }
    }

    /// fmt's %v of a float64 (strconv 'g' at the shortest precision): plain digits from 1e-4
    /// up to 1e6, an exponent outside (1e+06, 1.5e-05).
    static func goFloat(_ d: Double) -> String {
        let plain = NumberText.format(d)
        guard d.isFinite, d != 0 else { return plain }
        let exp10 = Int((d.magnitude).log10Floor)
        if exp10 >= -4 && exp10 < 6 { return plain }
        // Re-lay the shortest digits as d.ddde±XX.
        var digits = d.magnitude.description.split(separator: "e").first.map(String.init) ?? ""
        digits = digits.filter { $0 != "." }
        while digits.count > 1, digits.first == "0" { digits.removeFirst() }
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
        var out = d < 0 ? "-" : ""
        out.append(digits.first ?? "0")
        if digits.count > 1 { out += "." + digits.dropFirst() }
        let e = exp10.magnitude
        return out + (exp10 < 0 ? "e-" : "e+") + (e < 10 ? "0" : "") + String(e)
    }

    static func goType(_ v: ExprValue) -> String {
        switch v {
        case .null: return "<nil>"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float64"
        case .string: return "string"
        case .list: return "[]interface {}"
        case .map: return "map[string]interface {}"
        case .time: return "time.Time"
        case .duration: return "time.Duration"
        }
    }

    static func goKind(_ v: ExprValue) -> String {
        switch v {
        case .null: return "invalid"
        case .list: return "slice"
        case .map: return "map"
        case .time: return "struct"
        case .duration: return "int64"
        default: return goType(v)
        }
    }

    /// Digits after the point in the shortest decimal form of `d`.
    static func fractionDigits(_ d: Double) -> Int {
        let s = NumberText.format(d)
        if let e = s.firstIndex(of: "e") {
            let mantissa = s[..<e], exp = Int(s[s.index(after: e)...]) ?? 0
            let frac = mantissa.split(separator: ".").dropFirst().first?.count ?? 0
            return max(0, min(17, frac - exp))
        }
        return min(17, s.split(separator: ".").dropFirst().first?.count ?? 0)
    }

    /// `d` rounded to `places` decimals: what exact decimal arithmetic on the shortest forms of
    /// the operands gives, as sprig's shopspring/decimal does (0.1 + 0.2 is 0.3).
    static func decimal(_ d: Double, places: Int) -> Double {
        guard d.isFinite, places < 17 else { return d }
        let p = power10(places)
        let scaled = (d * p).rounded()
        guard scaled.isFinite, scaled.magnitude < 9e15 else { return d }
        return scaled / p
    }

    static func power10(_ n: Int) -> Double {
        var r = 1.0
        for _ in 0..<n.magnitude { r *= 10 }
        return n < 0 ? 1 / r : r
    }

    static func sequence(_ n: [Int], _ c: CallContext) throws(ExpressionError) -> [Int] {
        let (start, step, end): (Int, Int, Int)
        switch n.count {
        case 0: return []
        case 1: (start, end) = (1, n[0]); step = end >= start ? 1 : -1
        case 2: (start, end) = (n[0], n[1]); step = end >= start ? 1 : -1
        case 3: (start, step, end) = (n[0], n[1], n[2])
        default: return []
        }
        guard step != 0 else { return start == end ? [start] : [] }
        if (step > 0 && start > end) || (step < 0 && start < end) { return start == end ? [start] : [] }
        guard ((end - start) / step).magnitude <= 1_000_000 else { throw c.fail("the sequence has too many elements") }
        return Array(stride(from: start, through: end, by: step))
    }

    /// goutils' Abbreviate: "..." marks what was cut; widths under 4 leave the text alone.
    static func abbreviate(_ s: String, offset: Int, width: Int) -> String {
        let b = Array(s.utf8)
        guard width >= 4, b.count > width else { return s }
        func str(_ x: ArraySlice<UInt8>) -> String { String(decoding: x, as: UTF8.self) }
        var offset = min(max(offset, 0), b.count)
        if b.count - offset < width - 3 { offset = b.count - (width - 3) }
        if offset <= 4 { return str(b[0..<(width - 3)]) + "..." }
        if width < 7 { return s }
        if offset + width - 3 < b.count {
            return "..." + abbreviate(str(b[offset...]), offset: 0, width: width - 3)
        }
        return "..." + str(b[(b.count - (width - 3))...])
    }

    /// Words of an identifier for snake and kebab case: breaks at separators, lower-to-upper,
    /// the last capital of an acronym before lower case, and letter/digit changes.
    static func words(_ s: String) -> [String] {
        var out: [String] = [], cur: [Character] = []
        let chars = Array(s)
        for (i, ch) in chars.enumerated() {
            if ch == "_" || ch == "-" || ch == " " || ch == "." {
                if !cur.isEmpty { out.append(String(cur)); cur = [] }
                continue
            }
            if let prev = cur.last {
                let next = i + 1 < chars.count ? chars[i + 1] : nil
                let lowerToUpper = prev.isLowercase && ch.isUppercase
                let acronymEnd = prev.isUppercase && ch.isUppercase && (next?.isLowercase ?? false)
                let letterDigit = prev.isLetter && ch.isNumber
                if lowerToUpper || acronymEnd || letterDigit || (prev.isNumber && ch.isUppercase) {
                    out.append(String(cur)); cur = []
                }
            }
            cur.append(ch)
        }
        if !cur.isEmpty { out.append(String(cur)) }
        return out
    }

    /// xstrings' ToPascalCase over '_', '-' and spaces; leading and trailing underscores stay,
    /// as do doubled ones (one of each pair).
    static func pascalCase(_ s: String) -> String {
        var out = "", upperNext = true, i = s.startIndex
        while i < s.endIndex {
            let ch = s[i]
            let atEdge = i == s.startIndex || s.index(after: i) == s.endIndex
            if ch == "_" || ch == "-" || ch == " " {
                let next = s.index(after: i)
                if atEdge || (next < s.endIndex && (s[next] == "_")) {
                    out.append("_")
                    if next < s.endIndex, s[next] == "_" { i = next }
                }
                upperNext = true
            } else {
                out += upperNext ? ch.uppercased() : ch.lowercased()
                upperNext = false
            }
            i = s.index(after: i)
        }
        return out
    }

    /// goutils' WrapCustom: lines broken at spaces no longer than `width`; a longer word stays
    /// whole unless `breakLongWords`.
    static func wrap(_ s: String, width: Int, separator: String, breakLongWords: Bool) -> String {
        var lines: [String] = []
        for paragraph in s.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                var w = String(word)
                while breakLongWords, w.count > width, line.isEmpty {
                    lines.append(String(w.prefix(width)))
                    w = String(w.dropFirst(width))
                }
                if line.isEmpty { line = w }
                else if line.count + 1 + w.count <= width { line += " " + w }
                else {
                    lines.append(line)
                    line = w
                    while breakLongWords, line.count > width {
                        lines.append(String(line.prefix(width)))
                        line = String(line.dropFirst(width))
                    }
                }
            }
            lines.append(line)
        }
        return lines.joined(separator: separator)
    }

    /// mergo's merge: a nested dict is merged into the one it meets; any other value of `src`
    /// fills an empty one of `dst`, or (overwrite) replaces it.
    static func merged(_ dst: [String: ExprValue], _ src: [String: ExprValue], overwrite: Bool) -> [String: ExprValue] {
        var out = dst
        for (k, v) in src {
            if case .map(let d)? = out[k], case .map(let s) = v {
                out[k] = .map(merged(d, s, overwrite: overwrite))
            } else if let existing = out[k] {
                if overwrite || isEmpty(existing) { out[k] = v }
            } else {
                out[k] = v
            }
        }
        return out
    }

    static func prettyJSON(_ v: ExprValue, indent: String) -> String {
        let inner = indent + "  "
        switch v {
        case .list(let l) where !l.isEmpty:
            return "[\n" + l.map { inner + prettyJSON($0, indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .map(let m) where !m.isEmpty:
            return "{\n" + m.keys.sorted(by: utf8Less).map { inner + ExprValue.string($0).jsonText + ": " + prettyJSON(m[$0]!, indent: inner) }
                .joined(separator: ",\n") + "\n\(indent)}"
        default:
            return v.jsonText
        }
    }

    /// Sprig's durationRound: the largest unit the duration exceeds, without its sign.
    static func roundedDuration(_ nanos: Int) -> String {
        let d = nanos.magnitude / 1_000_000_000
        let units: [(UInt, String)] = [(365 * 86400, "y"), (30 * 86400, "mo"), (86400, "d"), (3600, "h"), (60, "m"), (1, "s")]
        for (size, suffix) in units where d > size { return "\(d / size)\(suffix)" }
        return "0s"
    }

    static func resolve(_ host: String, _ c: CallContext) throws(ExpressionError) -> String {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &res) == 0, let first = res else { throw c.fail("cannot resolve host '\(host)'") }
        defer { freeaddrinfo(res) }
        var buf = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        let ok = first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
            var addr = sin.pointee.sin_addr
            return inet_ntop(AF_INET, &addr, &buf, socklen_t(buf.count)) != nil
        }
        guard ok else { throw c.fail("cannot resolve host '\(host)'") }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
