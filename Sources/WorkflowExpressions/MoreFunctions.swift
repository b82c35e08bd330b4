#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The rest of expr-lang's builtins: rounding, statistics, pairs, base64, `get` and the bitwise set.
extension Functions {
    static func more(_ name: String, _ c: CallContext) throws(ExpressionError) -> ExprValue {
        switch name {
        case "splitAfter":
            try c.arity(2...3)
            let s = try c.string(0), sep = try c.string(1)
            let limit = c.args.count == 3 ? try c.int(2) : -1
            return .list(splitAfter(s, sep, limit: limit).map { .string($0) })
        case "lastIndexOf":
            try c.arity(2...2)
            let s = Array(try c.string(0).unicodeScalars), sub = Array(try c.string(1).unicodeScalars)
            if sub.isEmpty { return .int(s.count) }
            if sub.count <= s.count {
                for i in stride(from: s.count - sub.count, through: 0, by: -1) where Array(s[i..<i + sub.count]) == sub {
                    return .int(i)
                }
            }
            return .int(-1)
        case "ceil", "floor", "round":
            try c.arity(1...1)
            let d = try number(c, 0)
            switch name {
            case "ceil": return .double(d.rounded(.up))
            case "floor": return .double(d.rounded(.down))
            default: return .double(d.rounded(.toNearestOrAwayFromZero))
            }
        case "mean", "median":
            try c.arity(1...1)
            var values: [Double] = []
            for v in try c.list(0) {
                switch v {
                case .int(let i): values.append(Double(i))
                case .double(let d): values.append(d)
                default: throw c.fail("expects an array of numbers, got \(v.typeName) in it")
                }
            }
            guard !values.isEmpty else { return .double(0) }
            if name == "mean" { return .double(values.reduce(0, +) / Double(values.count)) }
            values.sort()
            let mid = values.count / 2
            return .double(values.count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2)
        case "take":
            try c.arity(2...2)
            let l = try c.list(0), n = try c.int(1)
            return .list(Array(l.prefix(Swift.max(0, n))))
        case "toBase64":
            try c.arity(1...1)
            return .string(Base64.encode(Array(try c.string(0).utf8)))
        case "fromBase64":
            try c.arity(1...1)
            guard let bytes = Base64.decode(try c.string(0)) else { throw c.fail("'\(c.args[0].text)' is not valid base64") }
            return .string(String(decoding: bytes, as: UTF8.self))
        case "toPairs":
            try c.arity(1...1)
            let m = try c.map(0)
            return .list(m.keys.sorted(by: utf8Less).map { .list([.string($0), m[$0] ?? .null]) })
        case "fromPairs":
            try c.arity(1...1)
            var out: [String: ExprValue] = [:]
            for pair in try c.list(0) {
                guard case .list(let kv) = pair, kv.count == 2 else {
                    throw c.fail("expects an array of [key, value] pairs, got \(pair.text)")
                }
                out[kv[0].text] = kv[1]
            }
            return .map(out)
        case "get":
            try c.arity(2...2)
            switch (c.args[0], c.args[1]) {
            case (.list(let l), .int(let i)):
                let j = i < 0 ? l.count + i : i
                return l.indices.contains(j) ? l[j] : .null
            case (.map(let m), let key):
                return m[key.text] ?? .null
            default:
                return .null
            }
        case "bitand", "bitor", "bitxor", "bitnand", "bitshl", "bitshr", "bitushr":
            try c.arity(2...2)
            let a = try c.int(0), b = try c.int(1)
            switch name {
            case "bitand": return .int(a & b)
            case "bitor": return .int(a | b)
            case "bitxor": return .int(a ^ b)
            case "bitnand": return .int(a & ~b)
            default:
                guard b >= 0 else { throw c.fail("the shift count must not be negative, got \(b)") }
                switch name {
                case "bitshl": return .int(b >= 64 ? 0 : a << b)
                case "bitshr": return .int(b >= 64 ? (a < 0 ? -1 : 0) : a >> b)
                default: return .int(b >= 64 ? 0 : Int(bitPattern: UInt(bitPattern: a) >> UInt(b)))
                }
            }
        case "flatten":
            // Every nested array opened, however deep.
            try c.arity(1...1)
            func open(_ items: [ExprValue], into out: inout [ExprValue]) {
                for item in items {
                    if case .list(let inner) = item { open(inner, into: &out) } else { out.append(item) }
                }
            }
            var out: [ExprValue] = []
            open(try c.list(0), into: &out)
            return .list(out)
        case "uniq":
            // The first of each value, in order.
            try c.arity(1...1)
            var out: [ExprValue] = []
            for item in try c.list(0) where !out.contains(where: { $0.looselyEquals(item) }) { out.append(item) }
            return .list(out)
        case "bitnot":
            try c.arity(1...1)
            return .int(~(try c.int(0)))
        default:
            throw c.evaluator.fail("unknown function '\(name)'", at: c.offset)
        }
    }

    private static func number(_ c: CallContext, _ i: Int) throws(ExpressionError) -> Double {
        switch c.args[i] {
        case .int(let n): return Double(n)
        case .double(let d): return d
        default: throw c.fail("expects a number, got \(c.args[i].typeName)")
        }
    }

    /// Go's strings.SplitAfterN: each part keeps its separator; a negative limit means no limit.
    static func splitAfter(_ s: String, _ sep: String, limit: Int) -> [String] {
        if limit == 0 { return [] }
        if sep.isEmpty {
            let chars = s.map { String($0) }
            if limit < 0 || chars.count <= limit { return chars }
            return Array(chars[..<(limit - 1)]) + [chars[(limit - 1)...].joined()]
        }
        var parts: [String] = []
        var rest = Substring(s)
        while limit < 0 || parts.count < limit - 1, let r = rest.firstRange(of: sep) {
            parts.append(String(rest[..<r.upperBound]))
            rest = rest[r.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}
