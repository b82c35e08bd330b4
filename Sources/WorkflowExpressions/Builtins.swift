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
        if let r = try dateFunction(name, context) { return r }
        if name.hasPrefix("sprig.") {
            return try Sprig.call(String(name.dropFirst(6)), context)
        }
        return try Functions.call(name, context)
    }

    private func closureCall(_ name: String, _ argNodes: [Node], offset: Int, element: ExprValue?) throws(ExpressionError) -> ExprValue {
        let arity: ClosedRange<Int> = switch name {
        case "sum": 1...2
        case "reduce", "sortBy": 2...3
        default: 2...2
        }
        guard arity.contains(argNodes.count) else {
            let expected = arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) or \(arity.upperBound)"
            throw fail("\(name) expects \(expected) arguments (a list and a predicate), got \(argNodes.count)", at: offset)
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
        /// The predicate's value for the element at `i`, which it sees as `#` and `#index`.
        func apply(_ i: Int, _ scope: Evaluator? = nil) throws(ExpressionError) -> ExprValue {
            try (scope ?? self).binding("#index", .int(i)).eval(body, element: items[i])
        }
        func test(_ i: Int) throws(ExpressionError) -> Bool {
            let r = try apply(i)
            guard case .bool(let b) = r else { throw fail("the predicate of \(name) must return bool, got \(r.typeName)", at: offset) }
            return b
        }
        switch name {
        case "filter":
            var out: [ExprValue] = []
            for i in items.indices where try test(i) { out.append(items[i]) }
            return .list(out)
        case "map":
            var out: [ExprValue] = []
            out.reserveCapacity(items.count)
            for i in items.indices { out.append(try apply(i)) }
            return .list(out)
        case "any":
            for i in items.indices where try test(i) { return .bool(true) }
            return .bool(false)
        case "all":
            for i in items.indices where !(try test(i)) { return .bool(false) }
            return .bool(true)
        case "none":
            for i in items.indices where try test(i) { return .bool(false) }
            return .bool(true)
        case "one", "count":
            var n = 0
            for i in items.indices where try test(i) { n += 1 }
            return name == "one" ? .bool(n == 1) : .int(n)
        case "find":
            for i in items.indices where try test(i) { return items[i] }
            return .null
        case "findLast":
            for i in items.indices.reversed() where try test(i) { return items[i] }
            return .null
        case "findIndex":
            for i in items.indices where try test(i) { return .int(i) }
            return .int(-1)
        case "findLastIndex":
            for i in items.indices.reversed() where try test(i) { return .int(i) }
            return .int(-1)
        case "sum":
            var mapped: [ExprValue] = []
            for i in items.indices { mapped.append(try apply(i)) }
            return try sum(mapped, offset: offset)
        case "reduce":
            // Without an initial value the first element starts the accumulator.
            var start = 0
            var acc: ExprValue
            if argNodes.count == 3 {
                acc = try eval(argNodes[2], element: element)
            } else {
                guard let first = items.first else {
                    throw fail("reduce of an empty array needs an initial value", at: offset, fix: "add it as the third argument: reduce(list, #acc + #, 0)")
                }
                acc = first
                start = 1
            }
            for i in items.indices.dropFirst(start) {
                acc = try apply(i, binding("#acc", acc))
            }
            return acc
        case "groupBy":
            var groups: [String: ExprValue] = [:]
            for i in items.indices {
                let key = try apply(i).text
                if case .list(let l) = groups[key] { groups[key] = .list(l + [items[i]]) } else { groups[key] = .list([items[i]]) }
            }
            return .map(groups)
        default: // sortBy
            var descending = false
            if argNodes.count == 3 {
                let order = try eval(argNodes[2], element: element)
                switch order {
                case .string("asc"): descending = false
                case .string("desc"): descending = true
                default: throw fail("sortBy: the order must be \"asc\" or \"desc\", got \(order.text)", at: offset)
                }
            }
            var keyed: [(ExprValue, ExprValue)] = []
            for i in items.indices {
                // `sortBy(users, "Age")` names a field; anything else is a predicate giving the key.
                if case .literal(.string(let field)) = body, case .map(let m) = items[i] {
                    keyed.append((m[field] ?? .null, items[i]))
                } else {
                    keyed.append((try apply(i), items[i]))
                }
            }
            return .list(try sortedStably(keyed, descending: descending, offset: offset).map { $0.1 })
        }
    }

    /// Sorts by the first of each pair with expr's ordering; equal keys keep their order.
    func sortedStably(_ keyed: [(ExprValue, ExprValue)], descending: Bool, offset: Int) throws(ExpressionError) -> [(ExprValue, ExprValue)] {
        var indexed = keyed.enumerated().map { ($0.offset, $0.element) }
        var failure: ExpressionError?
        indexed.sort { x, y in
            do throws(ExpressionError) {
                let c = try Operators.compare(x.1.0, y.1.0, dialect: .expr, op: "<") { (m, f) in fail(m, at: offset, fix: f) }
                if c != 0 { return descending ? c > 0 : c < 0 }
                return x.0 < y.0
            } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
        return indexed.map { $0.1 }
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
            try c.arity(1...2)
            let items = try c.list(0)
            let descending: Bool
            switch c.args.count == 2 ? c.args[1] : .string("asc") {
            case .string("asc"): descending = false
            case .string("desc"): descending = true
            default: throw c.fail("the order must be \"asc\" or \"desc\", got \(c.args[1].text)")
            }
            let sorted = try c.evaluator.sortedStably(items.map { ($0, $0) }, descending: descending, offset: c.offset)
            return .list(sorted.map { $0.1 })
        case "concat":
            var out: [ExprValue] = []
            for i in c.args.indices { out += try c.list(i) }
            return .list(out)
        case "type":
            try c.arity(1...1)
            return .string(c.args[0].typeName)
        default:
            return try more(name, c)
        }
    }
}
