/// Functions callable from expr-dialect expressions, including Argo's `sprig.*` set.
extension Evaluator {
    func call(_ name: String, _ argNodes: [Node], offset: Int, element: ExprValue?) throws(ExpressionError) -> ExprValue {
        if Parser.closureFunctions.contains(name) {
            return try closureCall(name, argNodes, offset: offset, element: element)
        }
        var args: [ExprValue] = []
        args.reserveCapacity(argNodes.count)
        for n in argNodes { args.append(try eval(n, element: element)) }
        let context = CallContext(name: name, args: args, offset: offset, evaluator: self)
        if name.hasPrefix("sprig.") {
            return try Sprig.call(String(name.dropFirst(6)), context)
        }
        return try Functions.call(name, context)
    }

    private func closureCall(_ name: String, _ argNodes: [Node], offset: Int, element: ExprValue?) throws(ExpressionError) -> ExprValue {
        guard argNodes.count == 2 || (name == "sum" && argNodes.count == 1) else {
            throw fail("\(name) expects 2 arguments (a list and a predicate), got \(argNodes.count)", at: offset)
        }
        let collection = try eval(argNodes[0], element: element)
        let items: [ExprValue]
        switch collection {
        case .list(let l): items = l
        case .map(let m): items = m.keys.sorted(by: utf8Less).map { m[$0] ?? .null }
        case .null: items = []
        default: throw fail("\(name) expects an array, got \(collection.typeName)", at: offset)
        }
        if argNodes.count == 1 {
            return try sum(items, offset: offset)
        }
        let body = argNodes[1]
        func test(_ item: ExprValue) throws(ExpressionError) -> Bool {
            let r = try eval(body, element: item)
            guard case .bool(let b) = r else { throw fail("the predicate of \(name) must return bool, got \(r.typeName)", at: offset) }
            return b
        }
        switch name {
        case "filter":
            var out: [ExprValue] = []
            for item in items where try test(item) { out.append(item) }
            return .list(out)
        case "map":
            var out: [ExprValue] = []
            for item in items { out.append(try eval(body, element: item)) }
            return .list(out)
        case "any":
            for item in items where try test(item) { return .bool(true) }
            return .bool(false)
        case "all":
            for item in items where !(try test(item)) { return .bool(false) }
            return .bool(true)
        case "none":
            for item in items where try test(item) { return .bool(false) }
            return .bool(true)
        case "one", "count":
            var n = 0
            for item in items where try test(item) { n += 1 }
            return name == "one" ? .bool(n == 1) : .int(n)
        case "find":
            for item in items where try test(item) { return item }
            return .null
        case "findLast":
            for item in items.reversed() where try test(item) { return item }
            return .null
        case "findIndex":
            for (i, item) in items.enumerated() where try test(item) { return .int(i) }
            return .int(-1)
        case "sum":
            var mapped: [ExprValue] = []
            for item in items { mapped.append(try eval(body, element: item)) }
            return try sum(mapped, offset: offset)
        case "groupBy":
            var groups: [String: ExprValue] = [:]
            for item in items {
                let key = try eval(body, element: item).text
                if case .list(let l) = groups[key] { groups[key] = .list(l + [item]) } else { groups[key] = .list([item]) }
            }
            return .map(groups)
        default: // sortBy
            var keyed: [(ExprValue, ExprValue)] = []
            for item in items { keyed.append((try eval(body, element: item), item)) }
            var failure: ExpressionError?
            keyed.sort { x, y in
                do throws(ExpressionError) {
                    return try Operators.compare(x.0, y.0, dialect: .expr, op: "<") { (m, f) in fail(m, at: offset, fix: f) } < 0
                } catch {
                    failure = error
                    return false
                }
            }
            if let failure { throw failure }
            return .list(keyed.map { $0.1 })
        }
    }

    private func sum(_ items: [ExprValue], offset: Int) throws(ExpressionError) -> ExprValue {
        var total: ExprValue = .int(0)
        for item in items {
            total = try Operators.arithmetic("+", total, item, dialect: .expr) { (m, f) in fail(m, at: offset, fix: f) }
        }
        return total
    }
}

/// The arguments of one call and helpers to read them.
struct CallContext {
    let name: String
    let args: [ExprValue]
    let offset: Int
    let evaluator: Evaluator

    func fail(_ message: String, fix: String? = nil) -> ExpressionError {
        evaluator.fail("\(name): \(message)", at: offset, fix: fix)
    }

    func arity(_ counts: ClosedRange<Int>) throws(ExpressionError) {
        guard counts.contains(args.count) else {
            let expected = counts.lowerBound == counts.upperBound ? "\(counts.lowerBound)" : "\(counts.lowerBound) to \(counts.upperBound)"
            throw fail("expects \(expected) argument\(counts.upperBound == 1 ? "" : "s"), got \(args.count)")
        }
    }

    func string(_ i: Int) throws(ExpressionError) -> String {
        guard case .string(let s) = args[i] else { throw fail("argument \(i + 1) must be a string, got \(args[i].typeName)") }
        return s
    }

    func int(_ i: Int) throws(ExpressionError) -> Int {
        switch args[i] {
        case .int(let n): return n
        case .double(let d) where d == d.rounded(.towardZero) && d.magnitude < 9.2e18: return Int(d)
        default: throw fail("argument \(i + 1) must be an int, got \(args[i].typeName)")
        }
    }

    func list(_ i: Int) throws(ExpressionError) -> [ExprValue] {
        guard case .list(let l) = args[i] else { throw fail("argument \(i + 1) must be an array, got \(args[i].typeName)") }
        return l
    }

    func map(_ i: Int) throws(ExpressionError) -> [String: ExprValue] {
        guard case .map(let m) = args[i] else { throw fail("argument \(i + 1) must be a map, got \(args[i].typeName)") }
        return m
    }
}

/// Converts a double to int, failing outside Int's range or for NaN.
func truncatedInt(_ d: Double) -> Int? {
    guard d.isFinite, d > -9.223372036854775e18, d < 9.223372036854775e18 else { return nil }
    return Int(d.rounded(.towardZero))
}

func trimmedWhitespace(_ s: String) -> String {
    var chars = Substring(s)
    while let f = chars.first, f.isWhitespace { chars = chars.dropFirst() }
    while let l = chars.last, l.isWhitespace { chars = chars.dropLast() }
    return String(chars)
}

/// Splits like Go's strings.Split: an empty separator splits into characters; empty parts are kept.
func splitString(_ s: String, _ sep: String) -> [String] {
    if sep.isEmpty { return s.map { String($0) } }
    return s.split(separator: sep, omittingEmptySubsequences: false).map(String.init)
}

enum Functions {
    static func call(_ name: String, _ c: CallContext) throws(ExpressionError) -> ExprValue {
        switch name {
        case "asInt", "int":
            try c.arity(1...1)
            switch c.args[0] {
            case .int: return c.args[0]
            case .double(let d):
                guard let i = truncatedInt(d) else { throw c.fail("\(d) does not fit in an int") }
                return .int(i)
            case .string(let s):
                let t = trimmedWhitespace(s)
                if let i = Int(t) { return .int(i) }
                // Decimal text (such as a duration in seconds) truncates toward zero.
                if let d = Double(t), d.isFinite, let i = truncatedInt(d) { return .int(i) }
                throw c.fail("cannot convert '\(s)' to int")
            default: throw c.fail("cannot convert \(c.args[0].typeName) to int")
            }
        case "asFloat", "float":
            try c.arity(1...1)
            switch c.args[0] {
            case .int(let i): return .double(Double(i))
            case .double: return c.args[0]
            case .string(let s):
                guard let d = Double(trimmedWhitespace(s)) else { throw c.fail("cannot convert '\(s)' to float") }
                return .double(d)
            default: throw c.fail("cannot convert \(c.args[0].typeName) to float")
            }
        case "string":
            try c.arity(1...1)
            return .string(c.args[0].text)
        case "toJson", "toJSON":
            try c.arity(1...1)
            return .string(c.args[0].jsonText)
        case "fromJSON", "fromJson":
            try c.arity(1...1)
            let s = try c.string(0)
            guard let v = ExprValue.fromJSONText(s) else { throw c.fail("invalid JSON '\(s)'") }
            return v
        case "jsonpath":
            try c.arity(2...2)
            let doc: ExprValue
            if case .string(let s) = c.args[0] {
                guard let v = ExprValue.fromJSONText(s) else { throw c.fail("invalid JSON '\(s)'") }
                doc = v
            } else {
                doc = c.args[0]
            }
            return try JSONPath.evaluate(try c.string(1), on: doc, c)
        case "lower":
            try c.arity(1...1)
            return .string(try c.string(0).lowercased())
        case "upper":
            try c.arity(1...1)
            return .string(try c.string(0).uppercased())
        case "trim":
            try c.arity(1...2)
            let s = try c.string(0)
            if c.args.count == 2 {
                let set = Set(try c.string(1))
                var chars = Substring(s)
                while let f = chars.first, set.contains(f) { chars = chars.dropFirst() }
                while let l = chars.last, set.contains(l) { chars = chars.dropLast() }
                return .string(String(chars))
            }
            return .string(trimmedWhitespace(s))
        case "trimPrefix":
            try c.arity(2...2)
            let s = try c.string(0), p = try c.string(1)
            return .string(s.hasPrefix(p) ? String(s.dropFirst(p.count)) : s)
        case "trimSuffix":
            try c.arity(2...2)
            let s = try c.string(0), p = try c.string(1)
            return .string(s.hasSuffix(p) ? String(s.dropLast(p.count)) : s)
        case "hasPrefix":
            try c.arity(2...2)
            return .bool(try c.string(0).hasPrefix(try c.string(1)))
        case "hasSuffix":
            try c.arity(2...2)
            return .bool(try c.string(0).hasSuffix(try c.string(1)))
        case "replace":
            try c.arity(3...3)
            let s = try c.string(0), old = try c.string(1), new = try c.string(2)
            return .string(old.isEmpty ? s : s.replacing(old, with: new))
        case "repeat":
            try c.arity(2...2)
            let n = try c.int(1)
            guard n >= 0, n <= 1_000_000 else { throw c.fail("count \(n) is out of range") }
            return .string(String(repeating: try c.string(0), count: n))
        case "indexOf":
            try c.arity(2...2)
            let s = Array(try c.string(0).unicodeScalars), sub = Array(try c.string(1).unicodeScalars)
            if sub.isEmpty { return .int(0) }
            if sub.count <= s.count {
                for i in 0...(s.count - sub.count) where Array(s[i..<i + sub.count]) == sub { return .int(i) }
            }
            return .int(-1)
        case "split":
            try c.arity(2...3)
            var parts = splitString(try c.string(0), try c.string(1))
            if c.args.count == 3 {
                let n = try c.int(2)
                if n == 0 { return .list([]) }
                if n > 0, parts.count > n {
                    let sep = try c.string(1)
                    parts = Array(parts[..<(n - 1)]) + [parts[(n - 1)...].joined(separator: sep)]
                }
            }
            return .list(parts.map { .string($0) })
        case "join":
            try c.arity(1...2)
            let sep = c.args.count == 2 ? try c.string(1) : ""
            return .string(try c.list(0).map(\.text).joined(separator: sep))
        case "len":
            try c.arity(1...1)
            switch c.args[0] {
            case .string(let s): return .int(s.unicodeScalars.count)
            case .list(let l): return .int(l.count)
            case .map(let m): return .int(m.count)
            default: throw c.fail("cannot take the length of \(c.args[0].typeName)")
            }
        case "abs":
            try c.arity(1...1)
            switch c.args[0] {
            case .int(let i):
                guard i != Int.min else { throw c.fail("integer overflow") }
                return .int(Swift.abs(i))
            case .double(let d): return .double(Swift.abs(d))
            default: throw c.fail("expects a number, got \(c.args[0].typeName)")
            }
        case "max", "min":
            var values = c.args
            if values.count == 1, case .list(let l) = values[0] { values = l }
            guard var best = values.first else { throw c.fail("expects at least one value") }
            for v in values.dropFirst() {
                guard v.isNumber, best.isNumber else { throw c.fail("expects numbers, got \(v.typeName)") }
                let cmp = try Operators.compare(v, best, dialect: .expr, op: "<") { (m, f) in c.fail(m, fix: f) }
                if name == "max" ? cmp > 0 : cmp < 0 { best = v }
            }
            guard best.isNumber else { throw c.fail("expects numbers, got \(best.typeName)") }
            return best
        case "keys", "values":
            try c.arity(1...1)
            let m = try c.map(0)
            let sortedKeys = m.keys.sorted(by: utf8Less)
            return .list(name == "keys" ? sortedKeys.map { .string($0) } : sortedKeys.map { m[$0] ?? .null })
        case "first", "last":
            try c.arity(1...1)
            let l = try c.list(0)
            return (name == "first" ? l.first : l.last) ?? .null
        case "reverse":
            try c.arity(1...1)
            return .list(try c.list(0).reversed())
        case "sort":
            try c.arity(1...1)
            var items = try c.list(0)
            var failure: ExpressionError?
            items.sort { x, y in
                do throws(ExpressionError) {
                    return try Operators.compare(x, y, dialect: .expr, op: "<") { (m, f) in c.fail(m, fix: f) } < 0
                } catch {
                    failure = error
                    return false
                }
            }
            if let failure { throw failure }
            return .list(items)
        case "concat":
            var out: [ExprValue] = []
            for i in c.args.indices { out += try c.list(i) }
            return .list(out)
        case "type":
            try c.arity(1...1)
            return .string(c.args[0].typeName)
        default:
            throw c.evaluator.fail("unknown function '\(name)'", at: c.offset)
        }
    }
}
