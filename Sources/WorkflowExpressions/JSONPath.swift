/// A small JSONPath subset: `$`, `.name`, `[n]` (negative from the end), `['key']`, `["key"]`, `[*]` and `.*`.
enum JSONPath {
    static func evaluate(_ path: String, on doc: ExprValue, _ c: CallContext) throws(ExpressionError) -> ExprValue {
        let chars = Array(path)
        var i = 0
        var current: [ExprValue] = [doc]
        var wildcard = false
        if i < chars.count, chars[i] == "$" { i += 1 }
        func bad() -> ExpressionError { c.fail("invalid JSON path '\(path)' at offset \(i)") }
        func step(_ f: (ExprValue) -> [ExprValue]?) throws(ExpressionError) {
            var next: [ExprValue] = []
            for v in current {
                guard let r = f(v) else {
                    if wildcard { continue }
                    throw c.fail("JSON path '\(path)' does not match")
                }
                next += r
            }
            current = next
        }
        while i < chars.count {
            if chars[i] == "." {
                i += 1
                if i < chars.count, chars[i] == "*" {
                    i += 1
                    wildcard = true
                    try step(children)
                    continue
                }
                var name = ""
                while i < chars.count, chars[i] != ".", chars[i] != "[" { name.append(chars[i]); i += 1 }
                guard !name.isEmpty else { throw bad() }
                try step { v in if case .map(let m) = v, let x = m[name] { return [x] }; return nil }
            } else if chars[i] == "[" {
                i += 1
                guard i < chars.count else { throw bad() }
                if chars[i] == "'" || chars[i] == "\"" {
                    let q = chars[i]
                    i += 1
                    var key = ""
                    while i < chars.count, chars[i] != q { key.append(chars[i]); i += 1 }
                    guard i + 1 < chars.count, chars[i + 1] == "]" else { throw bad() }
                    i += 2
                    try step { v in if case .map(let m) = v, let x = m[key] { return [x] }; return nil }
                } else if chars[i] == "*" {
                    guard i + 1 < chars.count, chars[i + 1] == "]" else { throw bad() }
                    i += 2
                    wildcard = true
                    try step(children)
                } else {
                    var digits = ""
                    while i < chars.count, chars[i] != "]" { digits.append(chars[i]); i += 1 }
                    guard i < chars.count, let n = Int(trimmedWhitespace(digits)) else { throw bad() }
                    i += 1
                    try step { v in
                        guard case .list(let l) = v else { return nil }
                        let j = n < 0 ? l.count + n : n
                        return j >= 0 && j < l.count ? [l[j]] : nil
                    }
                }
            } else {
                throw bad()
            }
        }
        if wildcard { return .list(current) }
        return current.first ?? .null
    }

    private static func children(_ v: ExprValue) -> [ExprValue]? {
        switch v {
        case .list(let l): return l
        case .map(let m): return m.keys.sorted(by: utf8Less).map { m[$0] ?? .null }
        default: return nil
        }
    }
}
