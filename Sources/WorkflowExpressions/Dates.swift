/// expr-lang's dates and durations: `now()`, `date(text[, layout[, zone]])`, `duration(text)`,
/// `timezone(name)`, the arithmetic between them (`now() - date(x)` is a duration,
/// `date(x) + duration("1h")` a date, both compare) and the methods Go gives `time.Time` and
/// `time.Duration` (`.Year()`, `.Format(layout)`, `.Sub(t)`, `.Seconds()`, ...).
///
/// The engine has no clock of its own: `now()` is the time the environment was given
/// (`ExprEnvironment.now`), so an evaluation is repeatable.

/// A point in time: Unix seconds and nanoseconds, shown at a fixed offset from UTC.
public struct ExprTime: Sendable, Hashable, Comparable {
    public var seconds: Int
    public var nanos: Int
    /// Seconds east of UTC that the time is shown in.
    public var offset: Int

    public init(seconds: Int, nanos: Int = 0, offset: Int = 0) {
        self.seconds = seconds + nanos.quotientAndRemainderFloor(1_000_000_000).quotient
        self.nanos = nanos.quotientAndRemainderFloor(1_000_000_000).remainder
        self.offset = offset
    }

    /// From Unix seconds with a fraction (what `Timestamp` holds).
    public init(unix: Double, offset: Int = 0) {
        let whole = unix.rounded(.down)
        self.init(seconds: Int(whole), nanos: Int(((unix - whole) * 1e9).rounded()), offset: offset)
    }

    public var unix: Double { Double(seconds) + Double(nanos) / 1e9 }

    public static func < (a: ExprTime, b: ExprTime) -> Bool { (a.seconds, a.nanos) < (b.seconds, b.nanos) }

    /// The same instant (Go's `Equal`), whatever offset each is shown in.
    func sameInstant(_ other: ExprTime) -> Bool { seconds == other.seconds && nanos == other.nanos }

    var civil: GoTime {
        var t = GoTime(unix: seconds, offset: offset)
        t.nanosecond = nanos
        return t
    }

    func adding(nanoseconds d: Int) -> ExprTime? {
        let (q, r) = d.quotientAndRemainderFloor(1_000_000_000)
        let (s, o) = seconds.addingReportingOverflow(q)
        if o { return nil }
        return ExprTime(seconds: s, nanos: nanos + r, offset: offset)
    }

    /// `self - other` in nanoseconds, clamped as Go's `Sub` is.
    func nanoseconds(since other: ExprTime) -> Int {
        let ds = Double(seconds - other.seconds) * 1e9 + Double(nanos - other.nanos)
        if ds >= 9.2e18 { return Int.max }
        if ds <= -9.2e18 { return Int.min }
        return (seconds - other.seconds) * 1_000_000_000 + (nanos - other.nanos)
    }

    /// Go's `Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`.
    public var goText: String { civil.format("2006-01-02 15:04:05.999999999 -0700 MST") }

    /// RFC 3339 with nanoseconds, as Go marshals a time to JSON.
    public var rfc3339: String { civil.format("2006-01-02T15:04:05.999999999Z07:00") }
}

extension Int {
    /// Division rounding toward negative infinity, with a remainder that is never negative.
    func quotientAndRemainderFloor(_ d: Int) -> (quotient: Int, remainder: Int) {
        var (q, r) = quotientAndRemainder(dividingBy: d)
        if r < 0 { q -= 1; r += d }
        return (q, r)
    }
}

/// Go's `time.Duration`: text in and out.
enum GoDuration {
    static let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6),
                                            ("s", 1e9), ("m", 60e9), ("h", 3600e9)]

    /// `time.ParseDuration`: a signed sequence of decimal numbers with units (`1h30m`, `-1.5s`, `300ms`).
    static func parse(_ text: String) -> Int? {
        var rest = Substring(text)
        var negative = false
        if rest.first == "-" || rest.first == "+" {
            negative = rest.first == "-"
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", let value = Double(number.hasPrefix(".") ? "0" + number : String(number)) else {
                return nil
            }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let unit = units.first(where: { $0.0 == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            total += value * unit.1
        }
        guard total < 9.223372036854775807e18 else { return nil }
        let n = Int(total.rounded())
        return negative ? -n : n
    }

    /// `Duration.String()`: `1h2m3.5s`, `1.5ms`, `0s`.
    static func text(_ d: Int) -> String {
        if d == 0 { return "0s" }
        let negative = d < 0
        let u = d.magnitude
        var out: String
        if u < 1_000_000_000 {
            if u < 1000 {
                out = "\(u)ns"
            } else if u < 1_000_000 {
                out = fraction(u, digits: 3) + "µs"
            } else {
                out = fraction(u, digits: 6) + "ms"
            }
        } else {
            let totalSeconds = u / 1_000_000_000
            let secondsText = String(totalSeconds % 60) + fractionDigits(u % 1_000_000_000, digits: 9)
            let minutes = totalSeconds / 60 % 60, hours = totalSeconds / 3600
            out = (hours > 0 ? "\(hours)h" : "") + (hours > 0 || minutes > 0 ? "\(minutes)m" : "") + secondsText + "s"
        }
        return negative ? "-" + out : out
    }

    /// `v` divided by 10^digits, written with the fraction's trailing zeros dropped.
    private static func fraction(_ v: UInt, digits: Int) -> String {
        var p: UInt = 1
        for _ in 0..<digits { p *= 10 }
        return String(v / p) + fractionDigits(v % p, digits: digits)
    }

    private static func fractionDigits(_ v: UInt, digits: Int) -> String {
        guard v > 0 else { return "" }
        var s = String(v)
        s = String(repeating: "0", count: digits - s.count) + s
        while s.hasSuffix("0") { s.removeLast() }
        return "." + s
    }
}

extension GoTime {
    /// Reads `text` with a Go reference layout (`2006-01-02 15:04:05`); nil when it does not match.
    /// A layout without a zone reads the time at `defaultOffset`.
    static func parse(_ text: String, layout: String, defaultOffset: Int = 0) -> ExprTime? {
        var year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, nanos = 0
        var pm: Bool?
        var offset: Int?
        var s = Substring(text), l = Substring(layout)
        func digits(_ min: Int, _ max: Int) -> Int? {
            let d = s.prefix(max).prefix { $0.isASCII && $0.isNumber }
            guard d.count >= min, let v = Int(d) else { return nil }
            s = s.dropFirst(d.count)
            return v
        }
        func word(_ names: [String], length: Int?) -> Int? {
            for (i, n) in names.enumerated() {
                let name = length.map { String(n.prefix($0)) } ?? n
                if s.lowercased().hasPrefix(name.lowercased()) {
                    s = s.dropFirst(name.count)
                    return i
                }
            }
            return nil
        }
        func zone(colon: Bool, zulu: Bool) -> Int? {
            if zulu, s.first == "Z" { s = s.dropFirst(); return 0 }
            guard let sign = s.first, sign == "+" || sign == "-" else { return nil }
            s = s.dropFirst()
            guard let h = digits(2, 2) else { return nil }
            if colon { guard s.first == ":" else { return nil }; s = s.dropFirst() }
            guard let m = digits(2, 2) else { return nil }
            return (h * 3600 + m * 60) * (sign == "-" ? -1 : 1)
        }
        let tokens = ["January", "Jan", "Monday", "Mon", "2006", "Z07:00", "Z0700", "-07:00", "-0700", "MST",
                      "01", "02", "_2", "03", "04", "05", "06", "15", "PM", "pm", "1", "2", "3", "4", "5"]
        while !l.isEmpty {
            if l.first == "." || l.first == ",", l.dropFirst().first == "0" || l.dropFirst().first == "9" {
                let run = l.dropFirst().prefix { $0 == l.dropFirst().first }
                guard run.count >= 1 else { break }
                l = l.dropFirst(1 + run.count)
                // A fraction: `.000` needs exactly that many digits, `.999` takes what is there.
                if s.first == "." || s.first == "," {
                    s = s.dropFirst()
                    let d = s.prefix { $0.isASCII && $0.isNumber }
                    if run.first == "0", d.count != run.count { return nil }
                    s = s.dropFirst(d.count)
                    let padded = (String(d) + "000000000").prefix(9)
                    nanos = Int(padded) ?? 0
                } else if run.first == "0" {
                    return nil
                }
                continue
            }
            guard let token = tokens.first(where: { l.hasPrefix($0) }) else {
                guard s.first == l.first else { return nil }
                s = s.dropFirst()
                l = l.dropFirst()
                continue
            }
            l = l.dropFirst(token.count)
            switch token {
            case "January": guard let m = word(months, length: nil) else { return nil }; month = m + 1
            case "Jan": guard let m = word(months, length: 3) else { return nil }; month = m + 1
            case "Monday": guard word(days, length: nil) != nil else { return nil }
            case "Mon": guard word(days, length: 3) != nil else { return nil }
            case "2006": guard let y = digits(4, 4) else { return nil }; year = y
            case "06": guard let y = digits(2, 2) else { return nil }; year = y >= 69 ? 1900 + y : 2000 + y
            case "01", "1": guard let m = digits(token.count, 2) else { return nil }; month = m
            case "02", "2": guard let d = digits(token.count, 2) else { return nil }; day = d
            case "_2":
                if s.first == " " { s = s.dropFirst() }
                guard let d = digits(1, 2) else { return nil }; day = d
            case "15": guard let h = digits(1, 2) else { return nil }; hour = h
            case "03", "3": guard let h = digits(token.count, 2), (1...12).contains(h) else { return nil }; hour = h
            case "04", "4": guard let m = digits(token.count, 2) else { return nil }; minute = m
            case "05", "5":
                guard let v = digits(token.count, 2) else { return nil }
                second = v
                // Go accepts a fraction after the seconds even when the layout has none.
                if (s.first == "." || s.first == ","), l.first != "." && l.first != ",",
                   s.dropFirst().first.map({ $0.isASCII && $0.isNumber }) == true {
                    s = s.dropFirst()
                    let d = s.prefix { $0.isASCII && $0.isNumber }
                    s = s.dropFirst(d.count)
                    nanos = Int((String(d) + "000000000").prefix(9)) ?? 0
                }
            case "PM", "pm":
                let w = s.prefix(2).uppercased()
                guard w == "AM" || w == "PM" else { return nil }
                pm = w == "PM"
                s = s.dropFirst(2)
            case "Z07:00": guard let o = zone(colon: true, zulu: true) else { return nil }; offset = o
            case "Z0700": guard let o = zone(colon: false, zulu: true) else { return nil }; offset = o
            case "-07:00": guard let o = zone(colon: true, zulu: false) else { return nil }; offset = o
            case "-0700": guard let o = zone(colon: false, zulu: false) else { return nil }; offset = o
            default:  // MST: a zone abbreviation; only UTC and GMT have a known offset.
                let w = s.prefix { $0.isLetter }
                guard w.count >= 3 else { return nil }
                s = s.dropFirst(w.count)
                if w == "UTC" || w == "GMT" { offset = 0 }
            }
        }
        guard s.isEmpty else { return nil }
        if let pm {
            if pm, hour < 12 { hour += 12 } else if !pm, hour == 12 { hour = 0 }
        }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60,
              second < 60 else { return nil }
        let zoneOffset = offset ?? defaultOffset
        let days = daysFromCivil(year: year, month: month, day: day)
        return ExprTime(seconds: days * 86400 + hour * 3600 + minute * 60 + second - zoneOffset, nanos: nanos, offset: zoneOffset)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
    static func daysFromCivil(year y: Int, month mo: Int, day d: Int) -> Int {
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let mp = mo > 2 ? mo - 3 : mo + 9
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The day of the year, 1 to 366.
    var yearDay: Int { GoTime.daysFromCivil(year: year, month: month, day: day) - GoTime.daysFromCivil(year: year, month: 1, day: 1) + 1 }
}

extension Evaluator {
    /// The layouts `date(text)` tries when it is given none, in expr-lang's order.
    static let dateLayouts = ["2006-01-02", "15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04:05Z07:00",
                              "02 Jan 06 15:04 MST", "Monday, 02-Jan-06 15:04:05 MST", "Mon, 02 Jan 2006 15:04:05 MST"]

    /// The offset of zone `name` at Unix time `unix`: UTC and fixed offsets, else an IANA zone
    /// (`Europe/Paris`) from the system's zoneinfo, with its daylight saving time then.
    static func zoneOffset(_ name: String, at unix: Int) -> Int? {
        zoneOffset(name) ?? ZoneDatabase.offset(of: name, at: unix)?.seconds
    }

    /// The offset of zone `name` for a wall-clock time given as if it were UTC: the offset at
    /// the instant that wall time names (twice round, for the hours near a change).
    static func zoneOffset(_ name: String, wallClock: Int) -> Int? {
        guard let first = zoneOffset(name, at: wallClock) else { return nil }
        return zoneOffset(name, at: wallClock - first)
    }

    /// The offset of a fixed zone: UTC and fixed offsets (`+02:00`, `UTC+2`).
    static func zoneOffset(_ name: String) -> Int? {
        switch name {
        case "UTC", "GMT", "Z", "", "Local", "Etc/UTC", "Etc/GMT": return 0
        default: break
        }
        var rest = Substring(name)
        for prefix in ["UTC", "GMT"] where rest.hasPrefix(prefix) { rest = rest.dropFirst(prefix.count) }
        guard let sign = rest.first, sign == "+" || sign == "-" else { return nil }
        let parts = rest.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let h = Int(parts[0]), h <= 14 else { return nil }
        let m = parts.count == 2 ? Int(parts[1]) : 0
        guard let m, m < 60 else { return nil }
        return (h * 3600 + m * 60) * (sign == "-" ? -1 : 1)
    }

    func dateFunction(_ name: String, _ c: CallContext) throws(ExpressionError) -> ExprValue? {
        switch name {
        case "now":
            try c.arity(0...0)
            guard let now = env.now else {
                throw c.fail("there is no clock here", fix: "now() works in workflow expressions and a CronWorkflow's when")
            }
            return .time(now)
        case "duration":
            try c.arity(1...1)
            if case .duration = c.args[0] { return c.args[0] }
            let s = try c.string(0)
            guard let d = GoDuration.parse(s) else {
                throw c.fail("invalid duration '\(s)'", fix: "write a Go duration such as 90s, 1h30m or 250ms")
            }
            return .duration(d)
        case "timezone":
            try c.arity(1...1)
            let s = try c.string(0)
            guard let o = Self.zoneOffset(s, at: env.now?.seconds ?? 0) else {
                throw c.fail("unknown time zone '\(s)'", fix: "use an IANA name such as Europe/Paris, UTC, or a fixed offset such as +02:00")
            }
            return .string(s.isEmpty ? "UTC" : s).withZone(o)
        case "date":
            try c.arity(1...3)
            if case .time(let t) = c.args[0] {
                return .time(t)
            }
            let text = try c.string(0)
            var offset = 0
            var zone: String?
            if c.args.count == 3 {
                let z: String
                switch c.args[2] {
                case .map(let m) where m[zoneKey] != nil: z = m["name"]?.text ?? ""
                default: z = try c.string(2)
                }
                guard let o = Self.zoneOffset(z) ?? Self.zoneOffset(z, at: 0) else {
                    throw c.fail("unknown time zone '\(z)'", fix: "use an IANA name such as Europe/Paris, UTC, or a fixed offset such as +02:00")
                }
                offset = o
                if Self.zoneOffset(z) == nil { zone = z }
            }
            /// A named zone's offset depends on the date parsed: parse once in UTC, then in the
            /// zone's offset for that wall-clock time.
            func parse(_ layout: String) -> ExprTime? {
                guard let zone else { return GoTime.parse(text, layout: layout, defaultOffset: offset) }
                guard let wall = GoTime.parse(text, layout: layout, defaultOffset: 0) else { return nil }
                if wall.offset != 0 || text.hasSuffix("Z") { return wall }
                return GoTime.parse(text, layout: layout, defaultOffset: Self.zoneOffset(zone, wallClock: wall.seconds) ?? 0)
            }
            if c.args.count >= 2 {
                let layout = try c.string(1)
                guard let t = parse(layout) else {
                    throw c.fail("cannot parse '\(text)' as '\(layout)'", fix: "write the layout with Go's reference time, Mon Jan 2 15:04:05 MST 2006")
                }
                return .time(t)
            }
            for layout in Self.dateLayouts {
                if let t = parse(layout) { return .time(t) }
            }
            throw c.fail("cannot parse '\(text)' as a date",
                         fix: "use 2006-01-02, 2006-01-02 15:04:05 or RFC 3339, or give the layout: date(text, \"02/01/2006\")")
        default:
            return nil
        }
    }

    /// `value.Method(args)` on a date or a duration.
    func method(_ name: String, on base: ExprValue, _ args: [ExprValue], offset: Int) throws(ExpressionError) -> ExprValue {
        let c = CallContext(name: name, args: args, offset: offset, evaluator: self)
        func time(_ i: Int) throws(ExpressionError) -> ExprTime {
            guard case .time(let t) = args[i] else { throw c.fail("argument \(i + 1) must be a date, got \(args[i].typeName)") }
            return t
        }
        func duration(_ i: Int) throws(ExpressionError) -> Int {
            switch args[i] {
            case .duration(let d): return d
            case .int(let n): return n
            default: throw c.fail("argument \(i + 1) must be a duration, got \(args[i].typeName)")
            }
        }
        switch base {
        case .time(let t):
            let g = t.civil
            switch name {
            case "Year", "Month", "Day", "Hour", "Minute", "Second", "Nanosecond", "Weekday", "YearDay", "Unix",
                 "UnixMilli", "UnixMicro", "UnixNano", "IsZero", "UTC", "Local", "String":
                try c.arity(0...0)
            default: break
            }
            switch name {
            case "Year": return .int(g.year)
            case "Month": return .int(g.month)
            case "Day": return .int(g.day)
            case "Hour": return .int(g.hour)
            case "Minute": return .int(g.minute)
            case "Second": return .int(g.second)
            case "Nanosecond": return .int(t.nanos)
            case "Weekday": return .int(g.weekday)
            case "YearDay": return .int(g.yearDay)
            case "Unix": return .int(t.seconds)
            case "UnixMilli": return .int(t.seconds * 1000 + t.nanos / 1_000_000)
            case "UnixMicro": return .int(t.seconds * 1_000_000 + t.nanos / 1000)
            case "UnixNano": return .int(t.seconds &* 1_000_000_000 &+ t.nanos)
            case "IsZero": return .bool(t.seconds == -62_135_596_800 && t.nanos == 0)
            case "UTC", "Local":
                var u = t
                u.offset = 0
                return .time(u)
            case "String": return .string(t.goText)
            case "Format":
                try c.arity(1...1)
                return .string(g.format(try c.string(0)))
            case "Add":
                try c.arity(1...1)
                guard let r = t.adding(nanoseconds: try duration(0)) else { throw c.fail("the date is out of range") }
                return .time(r)
            case "Sub":
                try c.arity(1...1)
                return .duration(t.nanoseconds(since: try time(0)))
            case "AddDate":
                try c.arity(3...3)
                let (y, m, d) = (try c.int(0), try c.int(1), try c.int(2))
                // Go normalises: months past 12 carry into years, days past the month's end into months.
                let months = g.month - 1 + m
                let year = g.year + y + months.quotientAndRemainderFloor(12).quotient
                let month = months.quotientAndRemainderFloor(12).remainder + 1
                let days = GoTime.daysFromCivil(year: year, month: month, day: 1) + g.day - 1 + d
                let secondsOfDay = g.hour * 3600 + g.minute * 60 + g.second
                return .time(ExprTime(seconds: days * 86400 + secondsOfDay - t.offset, nanos: t.nanos, offset: t.offset))
            case "Before", "After", "Equal", "Compare":
                try c.arity(1...1)
                let o = try time(0)
                switch name {
                case "Before": return .bool(t < o)
                case "After": return .bool(o < t)
                case "Equal": return .bool(t.sameInstant(o))
                default: return .int(t < o ? -1 : (t.sameInstant(o) ? 0 : 1))
                }
            case "Truncate", "Round":
                try c.arity(1...1)
                let d = try duration(0)
                guard d > 0 else { return .time(t) }
                // Measured from the zero time as Go does; for whole seconds and below that is the same as from 1970.
                let total = Double(t.seconds + 62_135_596_800) * 1e9 + Double(t.nanos)
                var steps = (total / Double(d)).rounded(.down)
                if name == "Round", total - steps * Double(d) >= Double(d) / 2 { steps += 1 }
                let ns = steps * Double(d)
                let secs = (ns / 1e9).rounded(.down)
                return .time(ExprTime(seconds: Int(secs) - 62_135_596_800, nanos: Int(ns - secs * 1e9), offset: t.offset))
            case "In":
                try c.arity(1...1)
                guard var o = args[0].zoneOffset else { throw c.fail("expects a time zone from timezone(name)") }
                // A named zone: its offset at this instant (daylight saving time).
                if case .map(let m) = args[0], let zone = m["name"]?.text, Self.zoneOffset(zone) == nil,
                   let at = Self.zoneOffset(zone, at: t.seconds) {
                    o = at
                }
                var u = t
                u.offset = o
                return .time(u)
            default:
                throw c.evaluator.fail("a date has no method '\(name)'", at: offset,
                                       fix: "use Year, Month, Day, Hour, Minute, Second, Weekday, YearDay, Unix, Format, Add, Sub, AddDate, Before, After, Equal, Truncate or In")
            }
        case .duration(let d):
            switch name {
            case "Hours": try c.arity(0...0); return .double(Double(d) / 3600e9)
            case "Minutes": try c.arity(0...0); return .double(Double(d) / 60e9)
            case "Seconds": try c.arity(0...0); return .double(Double(d) / 1e9)
            case "Milliseconds": try c.arity(0...0); return .int(d / 1_000_000)
            case "Microseconds": try c.arity(0...0); return .int(d / 1000)
            case "Nanoseconds": try c.arity(0...0); return .int(d)
            case "String": try c.arity(0...0); return .string(GoDuration.text(d))
            case "Abs": try c.arity(0...0); return .duration(d == Int.min ? Int.max : abs(d))
            case "Truncate", "Round":
                try c.arity(1...1)
                let m = try duration(0)
                guard m > 0 else { return .duration(d) }
                var r = d - d % m
                if name == "Round", (d % m).magnitude * 2 >= m.magnitude { r += d < 0 ? -m : m }
                return .duration(r)
            default:
                throw c.evaluator.fail("a duration has no method '\(name)'", at: offset,
                                       fix: "use Hours, Minutes, Seconds, Milliseconds, Nanoseconds, String, Abs, Truncate or Round")
            }
        default:
            throw c.evaluator.fail("\(base.typeName) has no method '\(name)'", at: offset,
                                   fix: "methods work on dates and durations; call \(name)(value, ...) as a function")
        }
    }
}

/// The key that marks a map as a time zone made by `timezone(name)`.
let zoneKey = "$zoneOffset"

extension ExprValue {
    func withZone(_ offset: Int) -> ExprValue { .map(["name": self, zoneKey: .int(offset)]) }

    /// The offset of a zone value made by `timezone(...)`.
    var zoneOffset: Int? {
        if case .map(let m) = self, case .int(let o)? = m[zoneKey] { return o }
        return nil
    }
}

extension Operators {
    /// `-`, `+` and comparisons between dates and durations; nil when neither side is one.
    static func temporal(_ op: String, _ a: ExprValue, _ b: ExprValue, fail: Failure) throws(ExpressionError) -> ExprValue? {
        func ordered(_ c: Int) -> ExprValue? {
            switch op {
            case "<": return .bool(c < 0)
            case "<=": return .bool(c <= 0)
            case ">": return .bool(c > 0)
            case ">=": return .bool(c >= 0)
            case "==": return .bool(c == 0)
            case "!=": return .bool(c != 0)
            default: return nil
            }
        }
        switch (a, b) {
        case (.time(let x), .time(let y)):
            if op == "-" { return .duration(x.nanoseconds(since: y)) }
            if let r = ordered(x < y ? -1 : (x.sameInstant(y) ? 0 : 1)) { return r }
        case (.time(let t), .duration(let d)) where op == "+" || op == "-":
            guard d != Int.min, let r = t.adding(nanoseconds: op == "+" ? d : -d) else { throw fail("the date is out of range", nil) }
            return .time(r)
        case (.duration(let d), .time(let t)) where op == "+":
            guard let r = t.adding(nanoseconds: d) else { throw fail("the date is out of range", nil) }
            return .time(r)
        case (.duration(let x), .duration(let y)):
            switch op {
            case "+", "-":
                let (r, o) = op == "+" ? x.addingReportingOverflow(y) : x.subtractingReportingOverflow(y)
                if o { throw fail("duration overflow in '\(op)'", nil) }
                return .duration(r)
            default:
                if let r = ordered(x < y ? -1 : (x == y ? 0 : 1)) { return r }
            }
        case (.duration(let d), .int(let n)) where op == "*" || op == "/",
             (.int(let n), .duration(let d)) where op == "*":
            if op == "/" {
                if n == 0 { throw fail("division by zero", nil) }
                return .duration(d / n)
            }
            let (r, o) = d.multipliedReportingOverflow(by: n)
            if o { throw fail("duration overflow in '*'", nil) }
            return .duration(r)
        case (.time, _), (_, .time), (.duration, _), (_, .duration):
            if op == "==" || op == "!=" { return .bool(op == "!=") }
            throw fail("cannot apply '\(op)' to \(a.typeName) and \(b.typeName)",
                       "subtract two dates for a duration, or add a duration(\"1h\") to a date")
        default:
            return nil
        }
        throw fail("cannot apply '\(op)' to \(a.typeName) and \(b.typeName)", nil)
    }
}
