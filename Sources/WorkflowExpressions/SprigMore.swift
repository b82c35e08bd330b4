#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The rest of Sprig v3's `GenericFuncMap` as Argo exposes it (`sprig.name(...)`; Argo removes
/// `env` and `expandenv`): string shaping, float maths, lists, dicts, reflection, paths,
/// base32, URLs, semver, random values and `fail`. Results follow Go's sprig, including its
/// odd corners (`seq` returns text, `round` floors negative numbers, `split` gives a map).
/// The certificate, password and AES helpers are refused with an error that says so.
extension Sprig {
    static let unsupported: Set<String> = [
        "bcrypt", "htpasswd", "genPrivateKey", "derivePassword", "buildCustomCert", "genCA", "genCAWithKey",
        "genSelfSignedCert", "genSelfSignedCertWithKey", "genSignedCert", "genSignedCertWithKey", "encryptAES", "decryptAES",
    ]

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    static func more(_ name: String, _ c: CallContext) throws(ExpressionError) -> ExprValue? {
        let a = c.args
        if unsupported.contains(name) {
            throw c.fail("sprig.\(name) is not supported by Skein", fix: "make keys, certificates and passwords in a step (openssl, htpasswd) and pass them as parameters")
        }
        switch name {
        // MARK: strings
        case "hello":
            return .string("Hello!")
        case "abbrev":
            try c.arity(2...2)
            return .string(abbreviate(text(a[1]), offset: 0, width: toInt(a[0])))
        case "abbrevboth":
            try c.arity(3...3)
            let left = toInt(a[0]), right = toInt(a[1]), s = text(a[2])
            if right < 4 || (left > 0 && right < 7) { return .string(s) }
            return .string(abbreviate(s, offset: left, width: right))
        case "untitle":
            try c.arity(1...1)
            var out = "", atStart = true
            for ch in text(a[0]) {
                out += atStart ? ch.lowercased() : String(ch)
                atStart = ch.isWhitespace
            }
            return .string(out)
        case "initials":
            try c.arity(1...1)
            return .string(text(a[0]).split(whereSeparator: \.isWhitespace).compactMap { $0.first.map(String.init) }.joined())
        case "swapcase":
            try c.arity(1...1)
            // goutils' SwapCase: lower case becomes upper (title case after a space, the same
            // letters here), upper and title case become lower.
            var out = ""
            for ch in text(a[0]) { out += ch.isUppercase ? ch.lowercased() : ch.uppercased() }
            return .string(out)
        case "snakecase", "kebabcase":
            try c.arity(1...1)
            return .string(words(text(a[0])).map { $0.lowercased() }.joined(separator: name == "snakecase" ? "_" : "-"))
        case "camelcase":
            try c.arity(1...1)
            return .string(pascalCase(text(a[0])))
        case "wrap", "wrapWith":
            try c.arity(name == "wrap" ? 2...2 : 3...3)
            let width = max(1, toInt(a[0]))
            let sep = name == "wrap" ? "\n" : (text(a[1]).isEmpty ? "\n" : text(a[1]))
            return .string(wrap(text(a[a.count - 1]), width: width, separator: sep, breakLongWords: name == "wrapWith"))
        case "indent", "nindent":
            try c.arity(2...2)
            let pad = String(repeating: " ", count: max(0, min(toInt(a[0]), 10_000)))
            let body = pad + text(a[1]).replacing("\n", with: "\n" + pad)
            return .string(name == "nindent" ? "\n" + body : body)
        case "plural":
            try c.arity(3...3)
            return toInt(a[2]) == 1 ? .string(text(a[0])) : .string(text(a[1]))
        case "trimall":
            return try call("trimAll", c)
        case "split", "splitn":
            try c.arity(name == "split" ? 2...2 : 3...3)
            let sep = text(a[0]), s = text(a[a.count - 1])
            var parts = splitString(s, sep)
            if name == "splitn" {
                let n = toInt(a[1])
                if n == 0 { parts = [] } else if n > 0, parts.count > n {
                    parts = Array(parts.prefix(n - 1)) + [parts.dropFirst(n - 1).joined(separator: sep)]
                }
            }
            var m: [String: ExprValue] = [:]
            for (i, p) in parts.enumerated() { m["_\(i)"] = .string(p) }
            return .map(m)
        case "toStrings":
            try c.arity(1...1)
            if case .list(let l) = a[0] { return .list(l.filter { $0 != .null }.map { .string(goText($0)) }) }
            return a[0] == .null ? .list([]) : .list([.string(goText(a[0]))])
        case "sortAlpha":
            try c.arity(1...1)
            let items: [ExprValue] = if case .list(let l) = a[0] { l } else { [a[0]] }
            return .list(items.filter { $0 != .null }.map { goText($0) }.sorted(by: utf8Less).map { .string($0) })
        case "randAlphaNum", "randAlpha", "randAscii", "randNumeric":
            try c.arity(1...1)
            let n = toInt(a[0])
            guard (0...1_000_000).contains(n) else { throw c.fail("length \(n) is out of range") }
            let pool: [Character] = switch name {
            case "randAlpha": Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
            case "randNumeric": Array("0123456789")
            case "randAscii": (32...126).map { Character(Unicode.Scalar(UInt8($0))) }
            default: Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            }
            return .string(String((0..<n).map { _ in pool.randomElement()! }))
        case "shuffle":
            try c.arity(1...1)
            return .string(String(text(a[0]).shuffled()))

        // MARK: numbers
        case "seq":
            return .string(try sequence(a.map(toInt), c).map(String.init).joined(separator: " "))
        case "toDecimal":
            try c.arity(1...1)
            return .int(Int(goText(a[0]), radix: 8) ?? 0)
        case "untilStep":
            try c.arity(3...3)
            let start = toInt(a[0]), stop = toInt(a[1]), step = toInt(a[2])
            guard step != 0, (step > 0 && start < stop) || (step < 0 && start > stop) else { return .list([]) }
            guard ((stop - start) / step).magnitude <= 1_000_000 else { throw c.fail("the range has too many elements") }
            return .list(Array(stride(from: start, to: stop, by: step)).map { .int($0) })
        case "randInt":
            try c.arity(2...2)
            let lo = toInt(a[0]), hi = toInt(a[1])
            guard lo < hi else { throw c.fail("randInt needs min < max, got \(lo) and \(hi)") }
            return .int(Int.random(in: lo..<hi))
        case "add1f":
            try c.arity(1...1)
            return .double(decimal(toFloat(a[0]) + 1, places: fractionDigits(toFloat(a[0]))))
        case "addf", "subf", "mulf", "divf":
            let xs = a.map(toFloat)
            guard var acc = xs.first else { return .double(0) }
            var places = fractionDigits(acc)
            for x in xs.dropFirst() {
                switch name {
                case "addf": acc += x; places = max(places, fractionDigits(x))
                case "subf": acc -= x; places = max(places, fractionDigits(x))
                case "mulf": acc *= x; places = min(17, places + fractionDigits(x))
                default:
                    if x == 0 { throw c.fail("decimal division by zero") }
                    acc /= x; places = 16
                }
            }
            return .double(decimal(acc, places: places))
        case "biggest":
            return try call("max", c)
        case "maxf", "minf":
            guard !a.isEmpty else { throw c.fail("expects at least one argument") }
            let xs = a.map(toFloat)
            return .double((name == "maxf" ? xs.max() : xs.min()) ?? 0)
        case "ceil", "floor":
            try c.arity(1...1)
            return .double(name == "ceil" ? toFloat(a[0]).rounded(.up) : toFloat(a[0]).rounded(.down))
        case "round":
            // Sprig's round: the fraction of x·10^places against roundOn (0.5), so negative
            // numbers always go down.
            try c.arity(2...3)
            let places = toInt(a[1])
            guard (-300...300).contains(places) else { throw c.fail("places \(places) is out of range") }
            let roundOn = a.count == 3 ? toFloat(a[2]) : 0.5
            let pow10 = power10(places)
            let digit = toFloat(a[0]) * pow10
            let fraction = digit - digit.rounded(.towardZero)
            return .double((fraction >= roundOn ? digit.rounded(.up) : digit.rounded(.down)) / pow10)

        // MARK: lists
        case "all":
            return .bool(a.allSatisfy { !isEmpty($0) })
        case "any":
            return .bool(a.contains { !isEmpty($0) })
        case "compact", "mustCompact":
            try c.arity(1...1)
            return .list(try listArgument(c, 0).filter { !isEmpty($0) })
        case "tuple":
            return .list(a)
        case "append", "push", "mustAppend", "mustPush":
            try c.arity(2...2)
            return .list(try listArgument(c, 0, verb: "push on") + [a[1]])
        case "prepend", "mustPrepend":
            try c.arity(2...2)
            return .list([a[1]] + (try listArgument(c, 0, verb: "prepend on")))
        case "mustFirst", "mustLast":
            return try call(name == "mustFirst" ? "first" : "last", c)
        case "rest", "mustRest", "initial", "mustInitial":
            try c.arity(1...1)
            let l = try listArgument(c, 0)
            if l.isEmpty { return .null }
            return .list(name.lowercased().hasSuffix("rest") ? Array(l.dropFirst()) : Array(l.dropLast()))
        case "reverse", "mustReverse":
            try c.arity(1...1)
            return .list(try listArgument(c, 0).reversed())
        case "uniq", "mustUniq":
            try c.arity(1...1)
            var out: [ExprValue] = []
            for v in try listArgument(c, 0) where !out.contains(v) { out.append(v) }
            return .list(out)
        case "without", "mustWithout":
            guard !a.isEmpty else { throw c.fail("expects a list and the values to leave out") }
            let drop = a.dropFirst()
            return .list(try listArgument(c, 0).filter { !drop.contains($0) })
        case "mustHas":
            return try call("has", c)
        case "slice", "mustSlice":
            try c.arity(1...3)
            let l = try listArgument(c, 0)
            let start = a.count > 1 ? toInt(a[1]) : 0, end = a.count > 2 ? toInt(a[2]) : l.count
            guard 0 <= start, start <= end, end <= l.count else {
                throw c.fail("slice index out of range: [\(start):\(end)] of a list of \(l.count)")
            }
            if l.isEmpty { return .null }
            return .list(Array(l[start..<end]))
        case "concat":
            if a.isEmpty { return .null }
            var out: [ExprValue] = []
            for (i, v) in a.enumerated() {
                guard case .list(let l) = v else { throw c.fail("argument \(i + 1) must be a list, got \(v.typeName)") }
                out += l
            }
            return .list(out)
        case "chunk", "mustChunk":
            try c.arity(2...2)
            let size = toInt(a[0]), l = try listArgument(c, 1)
            guard size > 0 else { throw c.fail("chunk size must be positive, got \(size)") }
            return .list(stride(from: 0, to: l.count, by: size).map { .list(Array(l[$0..<min($0 + size, l.count)])) })

        // MARK: dicts
        case "get":
            try c.arity(2...2)
            return try dictArgument(c, 0)[text(a[1])] ?? .string("")
        case "set":
            try c.arity(3...3)
            var m = try dictArgument(c, 0)
            m[text(a[1])] = a[2]
            return .map(m)
        case "unset":
            try c.arity(2...2)
            var m = try dictArgument(c, 0)
            m[text(a[1])] = nil
            return .map(m)
        case "hasKey":
            try c.arity(2...2)
            return .bool(try dictArgument(c, 0)[text(a[1])] != nil)
        case "pluck":
            guard !a.isEmpty else { throw c.fail("expects a key and dicts") }
            let key = text(a[0])
            var found: [ExprValue] = []
            for i in 1..<a.count { if let v = try dictArgument(c, i)[key] { found.append(v) } }
            return .list(found)
        case "keys":
            var out: [ExprValue] = []
            for i in a.indices { out += try dictArgument(c, i).keys.sorted(by: utf8Less).map { .string($0) } }
            return .list(out)
        case "values":
            try c.arity(1...1)
            let m = try dictArgument(c, 0)
            return .list(m.keys.sorted(by: utf8Less).compactMap { m[$0] })
        case "pick", "omit":
            guard !a.isEmpty else { throw c.fail("expects a dict and keys") }
            let m = try dictArgument(c, 0), names = Set(a.dropFirst().map(text))
            return .map(m.filter { names.contains($0.key) == (name == "pick") })
        case "dig":
            guard a.count >= 3 else { throw c.fail("dig needs at least three arguments: keys, a default and a dict") }
            var current = ExprValue.map(try dictArgument(c, a.count - 1))
            for (i, key) in a.dropLast(2).enumerated() {
                guard case .map(let m) = current else {
                    throw c.fail("key \(i) of the path ('\(text(key))') is inside a \(current.typeName), not a dict")
                }
                guard let next = m[text(key)] else { return a[a.count - 2] }
                current = next
            }
            return current
        case "merge", "mustMerge", "mergeOverwrite", "mustMergeOverwrite":
            guard !a.isEmpty else { throw c.fail("expects dicts to merge") }
            var dst = try dictArgument(c, 0)
            for i in 1..<a.count { dst = merged(dst, try dictArgument(c, i), overwrite: name.hasSuffix("Overwrite")) }
            return .map(dst)
        case "deepCopy", "mustDeepCopy":
            try c.arity(1...1)
            return a[0]

        // MARK: JSON and reflection
        case "toPrettyJson", "mustToPrettyJson":
            try c.arity(1...1)
            return .string(prettyJSON(a[0], indent: ""))
        case "mustToRawJson":
            return try call("toRawJson", c)
        case "typeOf":
            try c.arity(1...1)
            return .string(goType(a[0]))
        case "typeIs", "typeIsLike":
            try c.arity(2...2)
            let t = text(a[0]), actual = goType(a[1])
            return .bool(t == actual || (name == "typeIsLike" && "*" + t == actual))
        case "kindOf":
            try c.arity(1...1)
            return .string(goKind(a[0]))
        case "kindIs":
            try c.arity(2...2)
            return .bool(text(a[0]) == goKind(a[1]))
        case "deepEqual":
            try c.arity(2...2)
            return .bool(a[0] == a[1])

        // MARK: paths and encodings
        case "base", "osBase", "dir", "osDir", "clean", "osClean", "ext", "osExt", "isAbs", "osIsAbs":
            try c.arity(1...1)
            let p = text(a[0])
            switch name {
            case "base", "osBase": return .string(PathText.base(p))
            case "dir", "osDir": return .string(PathText.dir(p))
            case "clean", "osClean": return .string(PathText.clean(p))
            case "ext", "osExt": return .string(PathText.ext(p))
            default: return .bool(p.hasPrefix("/"))
            }
        case "b32enc":
            try c.arity(1...1)
            return .string(Base32.encode(Array(text(a[0]).utf8)))
        case "b32dec":
            try c.arity(1...1)
            // Like sprig, a bad input gives Go's error text as the result.
            switch Base32.decode(text(a[0])) {
            case .success(let bytes): return .string(String(decoding: bytes, as: UTF8.self))
            case .failure(let e): return .string("illegal base32 data at input byte \(e.offset)")
            }
        case "randBytes":
            try c.arity(1...1)
            let n = toInt(a[0])
            guard (0...1_000_000).contains(n) else { throw c.fail("count \(n) is out of range") }
            return .string(Base64.encode((0..<n).map { _ in UInt8.random(in: 0...255) }))
        case "uuidv4":
            try c.arity(0...0)
            var b = (0..<16).map { _ in UInt8.random(in: 0...255) }
            b[6] = b[6] & 0x0F | 0x40
            b[8] = b[8] & 0x3F | 0x80
            let hex = b.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
            return .string([hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-"))
        case "urlParse":
            try c.arity(1...1)
            return .map(URLText.parse(text(a[0])).mapValues { .string($0) })
        case "urlJoin":
            try c.arity(1...1)
            var parts: [String: String] = [:]
            for (k, v) in try dictArgument(c, 0) {
                guard case .string(let s) = v else { throw c.fail("urlJoin: '\(k)' must be a string, got \(v.typeName)") }
                parts[k] = s
            }
            return .string(URLText.join(parts))
        case "getHostByName":
            try c.arity(1...1)
            return .string(try resolve(text(a[0]), c))

        // MARK: dates, semver, flow
        case "date_in_zone":
            return try call("dateInZone", c)
        case "date_modify", "must_date_modify":
            return try call("dateModify", c)
        case "htmlDate", "htmlDateInZone":
            try c.arity(name == "htmlDate" ? 1...1 : 2...2)
            let unix: Int
            switch a[0] {
            case .time(let time): unix = time.seconds
            case .int(let u): unix = u
            default:
                guard let now = c.evaluator.env.now else { throw c.fail("there is no clock here") }
                unix = now.seconds
            }
            // Sprig falls back to UTC for a zone it does not know.
            let zone = name == "htmlDate" ? 0 : (Evaluator.zoneOffset(text(a[1]), at: unix) ?? 0)
            return .string(GoTime(unix: unix, offset: zone).format("2006-01-02"))
        case "durationRound":
            try c.arity(1...1)
            let nanos: Int
            switch a[0] {
            case .string(let s): nanos = GoDuration.parse(s) ?? 0
            case .duration(let d): nanos = d
            case .time(let t):
                guard let now = c.evaluator.env.now else { throw c.fail("there is no clock here") }
                nanos = now.nanoseconds(since: t)
            default: nanos = 0
            }
            return .string(roundedDuration(nanos))
        case "semver":
            try c.arity(1...1)
            guard let v = SemVer(text(a[0])) else { throw c.fail("Invalid Semantic Version: '\(text(a[0]))'") }
            return .map(["Major": .int(v.major), "Minor": .int(v.minor), "Patch": .int(v.patch),
                         "Prerelease": .string(v.prerelease.joined(separator: ".")), "Metadata": .string(v.metadata),
                         "Original": .string(text(a[0])), "String": .string(v.description)])
        case "semverCompare":
            try c.arity(2...2)
            guard let v = SemVer(text(a[1])) else { throw c.fail("Invalid Semantic Version: '\(text(a[1]))'") }
            guard let constraint = SemVerConstraint(text(a[0])) else { throw c.fail("improper constraint: \(text(a[0]))") }
            return .bool(constraint.allows(v))
        case "fail":
            try c.arity(1...1)
            throw c.fail(text(a[0]))
        default:
            return nil
        }
    }
}
