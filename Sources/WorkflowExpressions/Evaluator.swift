#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Walks a syntax tree. `element` is the value of `#` inside a predicate closure.
struct Evaluator {
    let env: ExprEnvironment
    let source: String
    let dialect: ExpressionDialect
    /// Names bound by `let`, and `#acc`/`#index` inside predicates; they shadow the environment.
    var locals: [String: ExprValue] = [:]

    init(env: ExprEnvironment, source: String, dialect: ExpressionDialect) {
        self.env = env
        self.source = source
        self.dialect = dialect
    }

    /// A copy that sees `name` as `value`.
    func binding(_ name: String, _ value: ExprValue) -> Evaluator {
        var copy = self
        copy.locals[name] = value
        return copy
    }

    func fail(_ message: String, at offset: Int?, fix: String? = nil) -> ExpressionError {
        ExpressionError(message: message, offset: offset, fix: fix, source: source)
    }

    /// A value, or a path of names not yet looked up (so `a.b['c-d']` can match flat dotted keys).
    private enum Reference {
        case value(ExprValue)
        case path([String], offset: Int)
    }

    private func reference(_ node: Node, element: ExprValue?) throws(ExpressionError) -> Reference {
        switch node {
        case .name(let n, let offset):
            if let v = locals[n] { return .value(v) }
            if n == "$env" { return .value(env.everything) }
            if n.hasPrefix("#") {
                throw fail("'\(n)' is only valid inside a predicate (#index) or reduce (#acc)", at: offset)
            }
            return .path([n], offset: offset)
        case .member(let base, let keyNode, let optional, let offset):
            let b = try reference(base, element: element)
            let key = try eval(keyNode, element: element)
            if case .path(let p, let o) = b, !optional, case .string(let k) = key {
                return .path(p + [k], offset: o)
            }
            let baseValue = try resolve(b)
            if optional, baseValue == .null { return .value(.null) }
            return .value(try index(baseValue, key, optional: optional, offset: offset))
        default:
            return .value(try eval(node, element: element))
        }
    }

    private func resolve(_ r: Reference) throws(ExpressionError) -> ExprValue {
        switch r {
        case .value(let v): return v
        case .path(let p, let offset):
            if let v = env.resolve(p, missingKeyIsNull: true) { return v }
            let name = p.joined(separator: ".")
            var e = fail("unknown name '\(name)'", at: offset, fix: "check the spelling, or use '\(name) ?? default'")
            e.isUnknownName = true
            throw e
        }
    }

    func eval(_ node: Node, element: ExprValue?) throws(ExpressionError) -> ExprValue {
        switch node {
        case .literal(let v):
            return v
        case .name, .member:
            return try resolve(try reference(node, element: element))
        case .element(let offset):
            guard let element else { throw fail("'#' is only valid inside a predicate such as filter(list, # > 1)", at: offset) }
            return element
        case .slice(let base, let from, let to, let offset):
            let b = try eval(base, element: element)
            let f = try from.map { (n) throws(ExpressionError) in try eval(n, element: element) }
            let t = try to.map { (n) throws(ExpressionError) in try eval(n, element: element) }
            return try slice(b, from: f, to: t, offset: offset)
        case .unary(let op, let operand, let offset):
            let v = try eval(operand, element: element)
            switch op {
            case "!":
                guard case .bool(let b) = v else { throw fail("'!' needs a bool, got \(v.typeName)", at: offset) }
                return .bool(!b)
            case "-":
                switch v {
                case .int(let i):
                    let (r, o) = (0 as Int).subtractingReportingOverflow(i)
                    if o { throw fail("integer overflow", at: offset) }
                    return .int(r)
                case .double(let d): return .double(-d)
                default: throw fail("'-' needs a number, got \(v.typeName)", at: offset)
                }
            case "~":
                guard let n = Operators.bitwiseOperand(v) else { throw fail("'~' needs a whole number, got \(v.text)", at: offset) }
                return .double(Double(~n))
            default:
                guard v.isNumber else { throw fail("'+' needs a number, got \(v.typeName)", at: offset) }
                return v
            }
        case .binary(let op, let l, let r, let offset):
            return try binary(op, l, r, offset: offset, element: element)
        case .ternary(let c, let a, let b, let offset):
            let cv = try eval(c, element: element)
            guard case .bool(let flag) = cv else {
                throw fail("the condition of '?' must be bool, got \(cv.typeName)", at: offset)
            }
            return try eval(flag ? a : b, element: element)
        case .call(let name, let args, let offset):
            return try call(name, args, offset: offset, element: element)
        case .method(let base, let name, let argNodes, let offset):
            let b = try eval(base, element: element)
            var args: [ExprValue] = []
            for n in argNodes { args.append(try eval(n, element: element)) }
            return try method(name, on: b, args, offset: offset)
        case .letIn(let name, let valueNode, let body, _):
            let value = try eval(valueNode, element: element)
            return try binding(name, value).eval(body, element: element)
        case .list(let items):
            var out: [ExprValue] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try eval(item, element: element)) }
            return .list(out)
        case .map(let entries):
            var out: [String: ExprValue] = [:]
            for entry in entries {
                let k = try eval(entry.key, element: element)
                guard case .string(let key) = k else {
                    throw fail("map keys must be strings, got \(k.typeName)", at: entry.key.offset)
                }
                out[key] = try eval(entry.value, element: element)
            }
            return .map(out)
        }
    }

    // MARK: indexing

    func index(_ base: ExprValue, _ key: ExprValue, optional: Bool, offset: Int) throws(ExpressionError) -> ExprValue {
        switch (base, key) {
        case (.map(let m), .string(let k)):
            return m[k] ?? .null
        case (.list(let items), .int(let i)):
            let j = i < 0 ? items.count + i : i
            guard j >= 0, j < items.count else {
                if optional { return .null }
                throw fail("index \(i) out of range (length \(items.count))", at: offset)
            }
            return items[j]
        case (.string(let s), .int(let i)):
            let scalars = Array(s.unicodeScalars)
            let j = i < 0 ? scalars.count + i : i
            guard j >= 0, j < scalars.count else {
                if optional { return .null }
                throw fail("index \(i) out of range (length \(scalars.count))", at: offset)
            }
            return .string(String(Character(scalars[j])))
        case (.list, .double(let d)) where d == d.rounded(.towardZero) && abs(d) < 1e18:
            return try index(base, .int(Int(d)), optional: optional, offset: offset)
        case (.null, _):
            if optional { return .null }
            throw fail("cannot fetch \(key.text) from nil", at: offset, fix: "use '?.' to allow nil")
        default:
            throw fail("cannot fetch \(key.typeName) index from \(base.typeName)", at: offset)
        }
    }

    private func slice(_ base: ExprValue, from: ExprValue?, to: ExprValue?, offset: Int) throws(ExpressionError) -> ExprValue {
        func bound(_ v: ExprValue?, _ count: Int, _ def: Int) throws(ExpressionError) -> Int {
            guard let v else { return def }
            guard case .int(let i) = v else { throw fail("slice bounds must be int, got \(v.typeName)", at: offset) }
            let j = i < 0 ? count + i : i
            return Swift.max(0, Swift.min(count, j))
        }
        switch base {
        case .list(let items):
            let a = try bound(from, items.count, 0), b = try bound(to, items.count, items.count)
            return .list(a < b ? Array(items[a..<b]) : [])
        case .string(let s):
            let scalars = Array(s.unicodeScalars)
            let a = try bound(from, scalars.count, 0), b = try bound(to, scalars.count, scalars.count)
            var out = String.UnicodeScalarView()
            if a < b { out.append(contentsOf: scalars[a..<b]) }
            return .string(String(out))
        default:
            throw fail("cannot slice \(base.typeName)", at: offset)
        }
    }

    // MARK: binary operators

    private func binary(_ op: String, _ l: Node, _ r: Node, offset: Int, element: ExprValue?) throws(ExpressionError) -> ExprValue {
        switch op {
        case "&&", "||":
            let a = try eval(l, element: element)
            guard case .bool(let x) = a else { throw fail("'\(op)' needs bool operands, got \(a.typeName)", at: offset) }
            if op == "&&" && !x { return .bool(false) }
            if op == "||" && x { return .bool(true) }
            let b = try eval(r, element: element)
            guard case .bool(let y) = b else { throw fail("'\(op)' needs bool operands, got \(b.typeName)", at: offset) }
            return .bool(y)
        case "??":
            do {
                let a = try eval(l, element: element)
                if a != .null { return a }
            } catch where error.isUnknownName {
                // An unknown name on the left falls back to the right-hand side.
            }
            return try eval(r, element: element)
        case "?:":
            let a = try eval(l, element: element)
            if a != .null, a != .bool(false), a != .string(""), a != .int(0) { return a }
            return try eval(r, element: element)
        default:
            break
        }
        let a = try eval(l, element: element)
        let b = try eval(r, element: element)
        return try Operators.apply(op, a, b, dialect: dialect) { (message, fix) in fail(message, at: offset, fix: fix) }
    }
}

/// The value-level behaviour of binary operators.
enum Operators {
    typealias Failure = (String, String?) -> ExpressionError

    static func apply(_ op: String, _ a: ExprValue, _ b: ExprValue, dialect: ExpressionDialect,
                      fail: Failure) throws(ExpressionError) -> ExprValue {
        if let r = try temporal(op, a, b, fail: fail) { return r }
        switch op {
        case "==": return .bool(equal(a, b, dialect: dialect))
        case "!=": return .bool(!equal(a, b, dialect: dialect))
        case "<", "<=", ">", ">=":
            let c = try compare(a, b, dialect: dialect, op: op, fail: fail)
            switch op {
            case "<": return .bool(c < 0)
            case "<=": return .bool(c <= 0)
            case ">": return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        case "+", "-", "*", "/", "%", "**":
            return try arithmetic(op, a, b, dialect: dialect, fail: fail)
        case "&", "|", "^", "<<", ">>":
            // govaluate's bitwise operators: numbers truncated to 64-bit integers, a float back.
            guard let x = bitwiseOperand(a), let y = bitwiseOperand(b) else {
                let logical = op == "&" || op == "|" ? "for a logical \(op == "&" ? "and" : "or") use '\(op)\(op)'" : nil
                throw fail("'\(op)' needs whole numbers, got \(a.text) and \(b.text)", logical)
            }
            let r: Int64
            switch op {
            case "&": r = x & y
            case "|": r = x | y
            case "^": r = x ^ y
            case "<<": r = y >= 64 || y < 0 ? 0 : x << y
            default: r = y >= 64 || y < 0 ? (x < 0 ? -1 : 0) : x >> y
            }
            return .double(Double(r))
        case "in", "not in":
            let found: Bool
            switch b {
            case .list(let items): found = items.contains { equal(a, $0, dialect: dialect) }
            case .map(let m):
                guard case .string(let k) = a else { throw fail("map keys are strings; cannot look up \(a.typeName) with 'in'", nil) }
                found = m[k] != nil
            case .null: found = false
            default:
                throw fail("'in' needs an array or map on the right, got \(b.typeName)", b.typeName == "string" ? "use 'contains' for substrings" : nil)
            }
            return .bool(op == "in" ? found : !found)
        case "contains", "startsWith", "endsWith", "not contains", "not startsWith", "not endsWith":
            guard case .string(let s) = a, case .string(let t) = b else {
                throw fail("'\(op)' needs two strings, got \(a.typeName) and \(b.typeName)", nil)
            }
            let base = op.hasPrefix("not ") ? String(op.dropFirst(4)) : op
            let r: Bool
            switch base {
            case "contains": r = t.isEmpty || s.contains(t)
            case "startsWith": r = s.hasPrefix(t)
            default: r = s.hasSuffix(t)
            }
            return .bool(op.hasPrefix("not ") ? !r : r)
        case "matches", "not matches", "=~", "!~":
            guard case .string(let s) = a, case .string(let pattern) = b else {
                throw fail("'\(op)' needs a string and a pattern, got \(a.typeName) and \(b.typeName)", nil)
            }
            let r = try RegexMatch.matches(s, pattern: pattern, fail: fail)
            return .bool(op == "matches" || op == "=~" ? r : !r)
        case "..":
            guard case .int(let x) = a, case .int(let y) = b else { throw fail("'..' needs ints, got \(a.typeName) and \(b.typeName)", nil) }
            guard y >= x else { return .list([]) }
            let (span, overflow) = y.subtractingReportingOverflow(x)
            guard !overflow, span < 1_000_000 else { throw fail("range \(x)..\(y) is too large", nil) }
            return .list((x...y).map { .int($0) })
        default:
            throw fail("unknown operator '\(op)'", nil)
        }
    }

    /// A number (or numeric text, as govaluate reads it) as the integer bitwise operators use.
    static func bitwiseOperand(_ v: ExprValue) -> Int64? {
        guard let d = govaluateNumber(v), d.isFinite, d.magnitude < 9.2e18 else { return nil }
        return Int64(d)
    }

    /// Govaluate compares a numeric-looking string with a number by value.
    private static func govaluateNumber(_ v: ExprValue) -> Double? {
        if let n = v.numberValue { return n }
        if case .string(let s) = v, let d = Double(s), !s.isEmpty { return d }
        return nil
    }

    static func equal(_ a: ExprValue, _ b: ExprValue, dialect: ExpressionDialect) -> Bool {
        if dialect == .govaluate, a.isNumber != b.isNumber, let x = govaluateNumber(a), let y = govaluateNumber(b) {
            return x == y
        }
        return a.looselyEquals(b)
    }

    static func compare(_ a: ExprValue, _ b: ExprValue, dialect: ExpressionDialect, op: String, fail: Failure) throws(ExpressionError) -> Int {
        if let x = a.numberValue, let y = b.numberValue {
            if case .int(let i) = a, case .int(let j) = b { return i < j ? -1 : (i == j ? 0 : 1) }
            if x.isNaN || y.isNaN { throw fail("cannot compare NaN", nil) }
            return x < y ? -1 : (x == y ? 0 : 1)
        }
        if case .string(let s) = a, case .string(let t) = b {
            return utf8Less(s, t) ? -1 : (s == t ? 0 : 1)
        }
        if dialect == .govaluate, let x = govaluateNumber(a), let y = govaluateNumber(b) {
            return x < y ? -1 : (x == y ? 0 : 1)
        }
        if dialect == .expr, (a.typeName == "string" && b.isNumber) || (a.isNumber && b.typeName == "string") {
            let convert = (a.typeName == "string" ? b : a).typeName == "int" ? "asInt" : "asFloat"
            throw fail("cannot compare \(a.typeName) and \(b.typeName); use \(convert)(...)",
                       "convert the string with \(convert)(...)")
        }
        throw fail("cannot compare \(a.typeName) and \(b.typeName) with '\(op)'", nil)
    }

    static func arithmetic(_ op: String, _ a: ExprValue, _ b: ExprValue, dialect: ExpressionDialect,
                           fail: Failure) throws(ExpressionError) -> ExprValue {
        switch (a, b) {
        case (.string(let s), .string(let t)) where op == "+":
            return .string(s + t)
        case (.list(let s), .list(let t)) where op == "+":
            return .list(s + t)
        case (.int(let x), .int(let y)):
            switch op {
            case "+", "-", "*":
                let (r, overflow) = op == "+" ? x.addingReportingOverflow(y)
                    : op == "-" ? x.subtractingReportingOverflow(y) : x.multipliedReportingOverflow(by: y)
                if overflow { throw fail("integer overflow in '\(op)'", nil) }
                return .int(r)
            case "%":
                if y == 0 { throw fail("division by zero", nil) }
                let (r, overflow) = x.remainderReportingOverflow(dividingBy: y)
                if overflow { throw fail("integer overflow in '%'", nil) }
                return .int(r)
            case "/":
                if y == 0 { throw fail("division by zero", nil) }
                return .double(Double(x) / Double(y))
            default:
                return .double(power(Double(x), Double(y)))
            }
        default:
            if dialect == .govaluate, a.isNumber || b.isNumber, let x = govaluateNumberStrict(a), let y = govaluateNumberStrict(b) {
                return try arithmetic(op, .double(x), .double(y), dialect: .expr, fail: fail)
            }
            guard let x = a.numberValue, let y = b.numberValue else {
                throw fail("cannot apply '\(op)' to \(a.typeName) and \(b.typeName)",
                           a.typeName == "string" || b.typeName == "string" ? "convert strings with asInt(...) or asFloat(...)" : nil)
            }
            switch op {
            case "+": return .double(x + y)
            case "-": return .double(x - y)
            case "*": return .double(x * y)
            case "/":
                if y == 0 { throw fail("division by zero", nil) }
                return .double(x / y)
            case "%":
                if dialect == .govaluate {
                    if y == 0 { throw fail("division by zero", nil) }
                    return .double(x.truncatingRemainder(dividingBy: y))
                }
                throw fail("'%' needs int operands, got \(a.typeName) and \(b.typeName)", nil)
            default:
                return .double(power(x, y))
            }
        }
    }

    private static func govaluateNumberStrict(_ v: ExprValue) -> Double? {
        if let n = v.numberValue { return n }
        if case .string(let s) = v, !s.isEmpty { return Double(s) }
        return nil
    }

    static func power(_ x: Double, _ y: Double) -> Double {
        pow(x, y)
    }
}
