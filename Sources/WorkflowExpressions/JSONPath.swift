/// A JSONPath subset: `$`, `.name`, `[n]` (negative from the end), `['key']`, `["key"]`, `[*]`, `.*`,
/// slices `[a:b]`, and filters `[?(@.age > 42 && @.name != "x")]` whose body is an expr-dialect predicate
/// with `@` standing for the candidate element. Any wildcard, slice or filter makes the result a list.
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
                } else if chars[i] == "?" {
                    // Find the `)` that closes `?(`, skipping quoted strings, then expect `]`.
                    i += 1
                    guard i < chars.count, chars[i] == "(" else { throw bad() }
                    var depth = 0
                    var quote: Character?
                    var body = ""
                    while i < chars.count {
                        let ch = chars[i]
                        if let q = quote {
                            if ch == "\\", i + 1 < chars.count { body.append(ch); body.append(chars[i + 1]); i += 2; continue }
                            if ch == q { quote = nil }
                        } else if ch == "'" || ch == "\"" {
                            quote = ch
                        } else if ch == "(" {
                            depth += 1
                            if depth == 1 { i += 1; continue }
                        } else if ch == ")" {
                            depth -= 1
                            if depth == 0 { i += 1; break }
                        } else if ch == "@" {
                            body.append("#")
                            i += 1
                            continue
                        }
                        body.append(ch)
                        i += 1
                    }
                    guard depth == 0, i < chars.count, chars[i] == "]" else { throw bad() }
                    i += 1
                    let predicate: Expression
                    do {
                        predicate = try Expression.parse(body, dialect: .expr)
                    } catch {
                        throw c.fail("invalid filter '\(body)' in JSON path '\(path)': \(error.message)")
                    }
                    let evaluator = Evaluator(env: c.evaluator.env, source: body, dialect: .expr)
                    wildcard = true
                    try step { v in
                        guard let items = children(v) else { return nil }
                        // A filter that fails on an element (a missing field compared with a number) rejects it.
                        return items.filter { item in (try? evaluator.eval(predicate.root, element: item)) == .bool(true) }
                    }
                } else if chars[i] == "*" {
                    guard i + 1 < chars.count, chars[i + 1] == "]" else { throw bad() }
                    i += 2
                    wildcard = true
                    try step(children)
                } else {
                    var digits = ""
                    while i < chars.count, chars[i] != "]" { digits.append(chars[i]); i += 1 }
                    guard i < chars.count else { throw bad() }
                    i += 1
                    if digits.contains(":") {
                        let parts = digits.split(separator: ":", omittingEmptySubsequences: false).map { trimmedWhitespace(String($0)) }
                        guard parts.count == 2 else { throw bad() }
                        let from = parts[0].isEmpty ? nil : Int(parts[0]), to = parts[1].isEmpty ? nil : Int(parts[1])
                        guard parts[0].isEmpty || from != nil, parts[1].isEmpty || to != nil else { throw bad() }
                        wildcard = true
                        try step { v in
                            guard case .list(let l) = v else { return nil }
                            func clamp(_ x: Int?, _ d: Int) -> Int {
                                guard let x else { return d }
                                return Swift.max(0, Swift.min(l.count, x < 0 ? l.count + x : x))
                            }
                            let a = clamp(from, 0), b = clamp(to, l.count)
                            return a < b ? Array(l[a..<b]) : []
                        }
                        continue
                    }
                    guard let n = Int(trimmedWhitespace(digits)) else { throw bad() }
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
