/// Semantic versions and constraints as Masterminds/semver v3 reads them (what sprig's `semver`
/// and `semverCompare` use): a leading `v`, missing minor and patch as 0, pre-release and
/// build metadata; constraints `=`, `!=`, `>`, `<`, `>=`, `<=`, `~`, `^`, wildcards `x`/`X`/`*`,
/// hyphen ranges `1.2 - 1.4`, AND by comma or space and OR by `||`. A version with a
/// pre-release only matches a constraint that names one.
struct SemVer: Comparable, CustomStringConvertible {
    var major: Int, minor: Int, patch: Int
    var prerelease: [String]
    var metadata: String

    init?(_ text: String) {
        var s = Substring(text)
        if s.hasPrefix("v") || s.hasPrefix("V") { s = s.dropFirst() }
        var meta = ""
        if let plus = s.firstIndex(of: "+") {
            meta = String(s[s.index(after: plus)...])
            guard SemVer.validIdentifiers(meta) else { return nil }
            s = s[..<plus]
        }
        var pre: [String] = []
        if let dash = s.firstIndex(of: "-") {
            let p = String(s[s.index(after: dash)...])
            guard SemVer.validIdentifiers(p) else { return nil }
            pre = p.split(separator: ".").map(String.init)
            s = s[..<dash]
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var nums: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber), let n = Int(part) else { return nil }
            nums.append(n)
        }
        while nums.count < 3 { nums.append(0) }
        (major, minor, patch, prerelease, metadata) = (nums[0], nums[1], nums[2], pre, meta)
    }

    init(_ major: Int, _ minor: Int, _ patch: Int, prerelease: [String] = []) {
        (self.major, self.minor, self.patch, self.prerelease, self.metadata) = (major, minor, patch, prerelease, "")
    }

    static func validIdentifiers(_ s: String) -> Bool {
        !s.isEmpty && s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { id in
            !id.isEmpty && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    var description: String {
        "\(major).\(minor).\(patch)" + (prerelease.isEmpty ? "" : "-" + prerelease.joined(separator: ".")) + (metadata.isEmpty ? "" : "+" + metadata)
    }

    static func == (a: SemVer, b: SemVer) -> Bool { !(a < b) && !(b < a) }

    /// Precedence as semver 2.0 defines it; metadata does not count.
    static func < (a: SemVer, b: SemVer) -> Bool {
        if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch) { return (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch) }
        if a.prerelease.isEmpty || b.prerelease.isEmpty { return !a.prerelease.isEmpty && b.prerelease.isEmpty }
        for (x, y) in zip(a.prerelease, b.prerelease) where x != y {
            switch (Int(x), Int(y)) {
            case (let i?, let j?): return i < j
            case (.some, nil): return true
            case (nil, .some): return false
            default: return x.utf8.lexicographicallyPrecedes(y.utf8)
            }
        }
        return a.prerelease.count < b.prerelease.count
    }
}

struct SemVerConstraint {
    struct Term {
        var op: String
        var version: SemVer
        /// Which parts were wildcards (or left out): 0 all, 1 minor and patch, 2 patch, 3 none.
        var fixed: Int
    }

    var anyOf: [[Term]]

    init?(_ text: String) {
        var groups: [[Term]] = []
        for group in text.split(separator: "||", omittingEmptySubsequences: false) {
            var tokens = group.replacing(",", with: " ").split(separator: " ").map(String.init)
            // Operators written apart from their version ("> 1.2").
            var joined: [String] = []
            var i = 0
            while i < tokens.count {
                if ["=", "!=", ">", "<", ">=", "<=", "=>", "=<", "~", "~>", "^"].contains(tokens[i]), i + 1 < tokens.count {
                    joined.append(tokens[i] + tokens[i + 1]); i += 2
                } else { joined.append(tokens[i]); i += 1 }
            }
            tokens = joined
            var terms: [Term] = []
            i = 0
            while i < tokens.count {
                if i + 2 < tokens.count, tokens[i + 1] == "-" {
                    guard let lo = SemVerConstraint.term(">=" + tokens[i]), let hi = SemVerConstraint.term("<=" + tokens[i + 2]) else { return nil }
                    terms += [lo, hi]; i += 3; continue
                }
                guard let t = SemVerConstraint.term(tokens[i]) else { return nil }
                terms.append(t); i += 1
            }
            guard !terms.isEmpty else { return nil }
            groups.append(terms)
        }
        anyOf = groups
    }

    static func term(_ s: String) -> Term? {
        let ops = [">=", "=>", "<=", "=<", "!=", "~>", ">", "<", "=", "~", "^"]
        var op = "", rest = Substring(s)
        for o in ops where rest.hasPrefix(o) { op = o; rest = rest.dropFirst(o.count); break }
        op = ["=>": ">=", "=<": "<=", "~>": "~"][op] ?? op
        if rest.hasPrefix("v") || rest.hasPrefix("V") { rest = rest.dropFirst() }
        var core = rest, suffix = Substring("")
        if let i = rest.firstIndex(where: { $0 == "-" || $0 == "+" }) { core = rest[..<i]; suffix = rest[i...] }
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var nums: [String] = []
        var fixed = 0
        for p in parts {
            if p == "x" || p == "X" || p == "*" { break }
            nums.append(String(p)); fixed += 1
        }
        let filled = nums + Array(repeating: "0", count: 3 - nums.count)
        guard let v = SemVer(filled.joined(separator: ".") + suffix) else { return nil }
        return Term(op: op, version: v, fixed: fixed)
    }

    func allows(_ v: SemVer) -> Bool {
        anyOf.contains { group in group.allSatisfy { SemVerConstraint.check(v, $0) } }
    }

    static func check(_ v: SemVer, _ t: Term) -> Bool {
        let c = t.version
        if !v.prerelease.isEmpty && c.prerelease.isEmpty && t.op != "!=" { return false }
        // The range a wildcard stands for: [low, high).
        func upper() -> SemVer? {
            switch t.fixed {
            case 0: return nil
            case 1: return SemVer(c.major + 1, 0, 0, prerelease: ["0"])
            case 2: return SemVer(c.major, c.minor + 1, 0, prerelease: ["0"])
            default: return nil
            }
        }
        let wild = t.fixed < 3
        switch t.op {
        case "", "=":
            if !wild { return v == c }
            return v >= c && upper().map { v < $0 } ?? true
        case "!=":
            if !wild { return v != c }
            return !(v >= c && (upper().map { v < $0 } ?? true))
        case ">":
            if !wild { return v > c }
            guard let u = upper() else { return false }
            return v >= u
        case "<": return v < c
        case ">=": return v >= c
        case "<=":
            if !wild { return v <= c }
            return upper().map { v < $0 } ?? true
        case "~":
            if v < c { return false }
            if t.fixed == 0 { return true }
            if t.fixed == 1 { return v.major == c.major }
            return v.major == c.major && v.minor == c.minor
        case "^":
            if v < c { return false }
            if c.major > 0 || t.fixed <= 1 { return v.major == c.major }
            if c.minor > 0 || t.fixed == 2 { return v.major == 0 && v.minor == c.minor }
            return v.major == 0 && v.minor == 0 && v.patch == c.patch
        default:
            return false
        }
    }
}
