// ZoneDatabase.swift — IANA time-zone lookup from TZif files (RFC 8536 / RFC 9636).
// Self-contained: Glibc for file I/O, Synchronization for the cache. No Foundation.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// Named time zones from the TZif files under /usr/share/zoneinfo (or $ZONEINFO).
enum ZoneDatabase {
    /// Seconds east of UTC in zone `name` at Unix time `unix`, and the zone's abbreviation then
    /// (e.g. "CEST"); nil when there is no such zone or the file cannot be read.
    static func offset(of name: String, at unix: Int) -> (seconds: Int, abbreviation: String)? {
        guard isSafeZoneName(name) else { return nil }
        var directory = defaultDirectory
        if let env = getenv("ZONEINFO") {
            let value = String(cString: env)
            if !value.isEmpty { directory = value }
        }
        let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        guard let zone = zone(atPath: path) else { return nil }
        let type = zone.localTimeType(at: unix)
        return (type.utoff, type.abbreviation)
    }

    /// Evaluates a POSIX TZ string (as found in a TZif footer) directly; nil if it does not parse.
    /// Exposed for testing.
    static func offset(posixTZ string: String, at unix: Int) -> (seconds: Int, abbreviation: String)? {
        guard let rule = PosixTZ.parse(Array(string.utf8)) else { return nil }
        let type = rule.localTimeType(at: unix)
        return (type.utoff, type.abbreviation)
    }

    // MARK: - Names and cache

    private static let defaultDirectory = "/usr/share/zoneinfo"

    /// Only relative paths made of [A-Za-z0-9_+-.] components separated by single slashes,
    /// with no "." or ".." components.
    static func isSafeZoneName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 255 else { return false }
        var componentStart = 0
        for index in 0...bytes.count {
            if index == bytes.count || bytes[index] == UInt8(ascii: "/") {
                let length = index - componentStart
                if length == 0 { return false }  // leading '/', trailing '/', or "//"
                if length <= 2 {
                    var allDots = true
                    for i in componentStart..<index where bytes[i] != UInt8(ascii: ".") { allDots = false }
                    if allDots { return false }  // "." or ".."
                }
                componentStart = index + 1
                continue
            }
            switch bytes[index] {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
                continue
            default:
                return false
            }
        }
        return true
    }

    /// Successfully parsed zones by full path. Failures are not cached, so the cache is bounded
    /// by the number of readable TZif files.
    private static let cache = Mutex<[String: TZifZone]>([:])

    private static func zone(atPath path: String) -> TZifZone? {
        if let cached = cache.withLock({ $0[path] }) { return cached }
        guard let bytes = readFile(path), let parsed = TZifZone.parse(bytes) else { return nil }
        cache.withLock { $0[path] = parsed }
        return parsed
    }

    private static func readFile(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            result.append(contentsOf: buffer[0..<count])
            if result.count > limit { return nil }
        }
        return result
    }
}

// MARK: - Model

private struct LocalTimeType: Sendable {
    var utoff: Int          // seconds east of UTC
    var isDST: Bool
    var abbreviation: String
}

private struct TZifZone: Sendable {
    var transitions: [Int]          // ascending Unix times
    var transitionTypes: [Int]      // index into `types`, one per transition
    var types: [LocalTimeType]      // never empty
    var typeBefore: Int             // type used before the first transition
    var footer: PosixTZ?            // v2+ TZ string, nil if absent or empty

    func localTimeType(at t: Int) -> LocalTimeType {
        guard let last = transitions.last else {
            if let footer { return footer.localTimeType(at: t) }
            return types[0]
        }
        if t < transitions[0] { return types[typeBefore] }
        if t > last, let footer { return footer.localTimeType(at: t) }
        // Largest i with transitions[i] <= t.
        var low = 0, high = transitions.count - 1
        while low < high {
            let mid = low + (high - low + 1) / 2
            if transitions[mid] <= t { low = mid } else { high = mid - 1 }
        }
        return types[transitionTypes[low]]
    }

    static func parse(_ bytes: [UInt8]) -> TZifZone? {
        var reader = ByteReader(bytes: bytes)
        guard let header1 = reader.header() else { return nil }
        if header1.version >= 2 {
            // Skip the version-1 data block, then read the 64-bit one.
            guard reader.skip(header1.dataLength(timeSize: 4)),
                  let header2 = reader.header(), header2.version >= 2,
                  var zone = reader.body(header2, timeSize: 8) else { return nil }
            // Footer: "\n" TZ-string "\n".
            guard reader.byte() == 0x0A else { return nil }
            var tz: [UInt8] = []
            while true {
                guard let c = reader.byte() else { return nil }
                if c == 0x0A { break }
                tz.append(c)
                if tz.count > 512 { return nil }
            }
            if !tz.isEmpty {
                guard let footer = PosixTZ.parse(tz) else { return nil }
                zone.footer = footer
            }
            return zone
        }
        return reader.body(header1, timeSize: 4)
    }
}

private struct TZifHeader {
    var version: Int
    var isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt: Int

    func dataLength(timeSize: Int) -> Int {
        timecnt * timeSize + timecnt + typecnt * 6 + charcnt + leapcnt * (timeSize + 4)
            + isstdcnt + isutcnt
    }
}

private struct ByteReader {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - position }

    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, count <= remaining else { return false }
        position += count
        return true
    }

    mutating func byte() -> UInt8? {
        guard remaining >= 1 else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func int32() -> Int? {
        guard remaining >= 4 else { return nil }
        var value: UInt32 = 0
        for i in 0..<4 { value = value << 8 | UInt32(bytes[position + i]) }
        position += 4
        return Int(Int32(bitPattern: value))
    }

    mutating func int64() -> Int? {
        guard remaining >= 8 else { return nil }
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(bytes[position + i]) }
        position += 8
        return Int(Int64(bitPattern: value))
    }

    mutating func header() -> TZifHeader? {
        guard remaining >= 44,
              bytes[position] == UInt8(ascii: "T"), bytes[position + 1] == UInt8(ascii: "Z"),
              bytes[position + 2] == UInt8(ascii: "i"), bytes[position + 3] == UInt8(ascii: "f")
        else { return nil }
        let versionByte = bytes[position + 4]
        let version: Int
        switch versionByte {
        case 0: version = 1
        case UInt8(ascii: "2")...UInt8(ascii: "9"): version = Int(versionByte - UInt8(ascii: "0"))
        default: return nil
        }
        position += 20
        var counts: [Int] = []
        for _ in 0..<6 {
            guard let c = int32(), c >= 0, c <= 1 << 20 else { return nil }  // sanity bound
            counts.append(c)
        }
        let header = TZifHeader(version: version, isutcnt: counts[0], isstdcnt: counts[1],
                                leapcnt: counts[2], timecnt: counts[3], typecnt: counts[4],
                                charcnt: counts[5])
        // RFC 8536 3.1: typecnt and charcnt must be nonzero; isut/isstd are 0 or typecnt.
        guard header.typecnt >= 1, header.typecnt <= 256, header.charcnt >= 1,
              header.isutcnt == 0 || header.isutcnt == header.typecnt,
              header.isstdcnt == 0 || header.isstdcnt == header.typecnt
        else { return nil }
        return header
    }

    mutating func body(_ h: TZifHeader, timeSize: Int) -> TZifZone? {
        guard remaining >= h.dataLength(timeSize: timeSize) else { return nil }
        var transitions: [Int] = []
        transitions.reserveCapacity(h.timecnt)
        for _ in 0..<h.timecnt {
            guard let t = timeSize == 8 ? int64() : int32() else { return nil }
            if let previous = transitions.last, t <= previous { return nil }  // must ascend
            transitions.append(t)
        }
        var transitionTypes: [Int] = []
        transitionTypes.reserveCapacity(h.timecnt)
        for _ in 0..<h.timecnt {
            guard let index = byte(), Int(index) < h.typecnt else { return nil }
            transitionTypes.append(Int(index))
        }
        var raw: [(utoff: Int, isDST: Bool, abbreviationIndex: Int)] = []
        for _ in 0..<h.typecnt {
            // RFC 9636 3.2: utoff in [-89999, 93599] (-24:59:59 ... +25:59:59).
            guard let utoff = int32(), (-89999...93599).contains(utoff),
                  let isDST = byte(), isDST <= 1,
                  let index = byte(), Int(index) < h.charcnt else { return nil }
            raw.append((utoff, isDST == 1, Int(index)))
        }
        let chars = Array(bytes[position..<(position + h.charcnt)])
        position += h.charcnt
        var types: [LocalTimeType] = []
        for entry in raw {
            var end = entry.abbreviationIndex
            while end < chars.count, chars[end] != 0 { end += 1 }
            guard end < chars.count else { return nil }  // must be NUL-terminated
            // Abbreviations are printable ASCII in practice (RFC 9636 3.2 recommends
            // [A-Za-z0-9+-]); anything else (controls, non-ASCII) is treated as corruption.
            for c in chars[entry.abbreviationIndex..<end] where c < 0x20 || c > 0x7E { return nil }
            let name = String(decoding: chars[entry.abbreviationIndex..<end], as: UTF8.self)
            types.append(LocalTimeType(utoff: entry.utoff, isDST: entry.isDST, abbreviation: name))
        }
        // Leap-second records and std/wall, UT/local indicators are ignored.
        guard skip(h.leapcnt * (timeSize + 4) + h.isstdcnt + h.isutcnt) else { return nil }
        // Before the first transition: the first non-DST type (the rule of the reference
        // implementation and Python's zoneinfo), falling back to type 0 as RFC 8536 3.2 says.
        // For files written by modern zic both choices coincide (type 0 is LMT or the like).
        let typeBefore = types.firstIndex(where: { !$0.isDST }) ?? 0
        return TZifZone(transitions: transitions, transitionTypes: transitionTypes, types: types,
                        typeBefore: typeBefore, footer: nil)
    }
}

// MARK: - POSIX TZ strings

private struct PosixRule: Sendable {
    enum Day: Sendable {
        case julian(Int)                       // Jn, 1...365, Feb 29 never counted
        case zeroBased(Int)                    // n, 0...365, Feb 29 counted
        case monthWeekDay(month: Int, week: Int, weekday: Int)  // Mm.w.d
    }
    var day: Day
    var time: Int = 7200                       // seconds after local midnight, may be <0 or >24h

    /// Local (wall-clock, in the offset in force just before the transition) seconds since the
    /// epoch at which this rule fires in `year`.
    func localSeconds(in year: Int) -> Int {
        let days: Int
        switch day {
        case .julian(let n):
            days = daysFromCivil(year, 1, 1) + n - 1 + (isLeap(year) && n >= 60 ? 1 : 0)
        case .zeroBased(let n):
            days = daysFromCivil(year, 1, 1) + n
        case .monthWeekDay(let month, let week, let weekday):
            let first = daysFromCivil(year, month, 1)
            let firstWeekday = floorMod(first + 4, 7)  // 1970-01-01 was a Thursday
            var d = first + floorMod(weekday - firstWeekday, 7) + (week - 1) * 7
            let length = daysInMonth(year, month)
            while d >= first + length { d -= 7 }
            days = d
        }
        return days * 86400 + time
    }
}

private struct PosixTZ: Sendable {
    var standard: LocalTimeType
    var daylight: LocalTimeType?
    var start = PosixRule(day: .monthWeekDay(month: 3, week: 2, weekday: 0))  // tzcode default
    var end = PosixRule(day: .monthWeekDay(month: 11, week: 1, weekday: 0))

    func localTimeType(at unix: Int) -> LocalTimeType {
        guard let daylight else { return standard }
        // The Gregorian calendar (weekdays included) repeats every 400 years; fold the time into
        // [0, 400 years) so the arithmetic below cannot overflow for extreme inputs.
        let period = 146_097 * 86400
        let t = floorMod(unix, period)
        let year = civilYear(fromDays: floorDiv(t + standard.utoff, 86400))
        // The most recent rule transition at or before t decides. DST start is given in standard
        // time, DST end in daylight time. Looking at neighbouring years handles rules whose DST
        // spans New Year (southern hemisphere) and transition times beyond 24h or negative.
        // On a tie (e.g. permanent DST written as "J0/0,J365/25") DST wins.
        var best = Int.min
        var inDST = false
        for y in (year - 2)...(year + 1) {
            let s = start.localSeconds(in: y) - standard.utoff
            let e = end.localSeconds(in: y) - daylight.utoff
            if s <= t, s >= best { best = s; inDST = true }
            if e <= t, e > best { best = e; inDST = false }
        }
        return inDST ? daylight : standard
    }

    static func parse(_ s: [UInt8]) -> PosixTZ? {
        var p = TZStringParser(s: s)
        guard let stdName = p.name(), let stdWest = p.offset() else { return nil }
        var result = PosixTZ(standard: LocalTimeType(utoff: -stdWest, isDST: false,
                                                     abbreviation: stdName))
        if p.atEnd { return result }
        guard let dstName = p.name() else { return nil }
        var dstWest = stdWest - 3600
        if !p.atEnd, p.peek != UInt8(ascii: ",") {
            guard let w = p.offset() else { return nil }
            dstWest = w
        }
        result.daylight = LocalTimeType(utoff: -dstWest, isDST: true, abbreviation: dstName)
        if p.atEnd { return result }  // no rules: tzcode's default (US rules)
        guard p.eat(UInt8(ascii: ",")), let start = p.rule(),
              p.eat(UInt8(ascii: ",")), let end = p.rule(), p.atEnd else { return nil }
        result.start = start
        result.end = end
        return result
    }
}

private struct TZStringParser {
    let s: [UInt8]
    var i = 0

    init(s: [UInt8]) { self.s = s }

    var atEnd: Bool { i >= s.count }
    var peek: UInt8? { i < s.count ? s[i] : nil }

    mutating func eat(_ c: UInt8) -> Bool {
        guard peek == c else { return false }
        i += 1
        return true
    }

    static func isAlpha(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
    }
    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// `<...>` (alphanumerics, '+', '-') or three or more letters.
    mutating func name() -> String? {
        let begin: Int, finish: Int
        if eat(UInt8(ascii: "<")) {
            begin = i
            while let c = peek, Self.isAlpha(c) || Self.isDigit(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                i += 1
            }
            finish = i
            guard eat(UInt8(ascii: ">")) else { return nil }
        } else {
            begin = i
            while let c = peek, Self.isAlpha(c) { i += 1 }
            finish = i
        }
        guard finish - begin >= 3 else { return nil }
        return String(decoding: s[begin..<finish], as: UTF8.self)
    }

    mutating func number(maxDigits: Int) -> Int? {
        var value = 0, digits = 0
        while let c = peek, Self.isDigit(c), digits < maxDigits {
            value = value * 10 + Int(c - UInt8(ascii: "0"))
            digits += 1
            i += 1
        }
        if let c = peek, Self.isDigit(c) { return nil }  // too many digits
        return digits > 0 ? value : nil
    }

    /// [+-]hh[:mm[:ss]] in seconds, hh at most `maxHours`.
    mutating func signedHMS(maxHours: Int) -> Int? {
        var sign = 1
        if eat(UInt8(ascii: "-")) { sign = -1 } else { _ = eat(UInt8(ascii: "+")) }
        guard let h = number(maxDigits: 3), h <= maxHours else { return nil }
        var total = h * 3600
        if eat(UInt8(ascii: ":")) {
            guard let m = number(maxDigits: 2), m <= 59 else { return nil }
            total += m * 60
            if eat(UInt8(ascii: ":")) {
                guard let sec = number(maxDigits: 2), sec <= 59 else { return nil }
                total += sec
            }
        }
        return sign * total
    }

    /// A POSIX offset: seconds *west* of UTC; hh is 0...24 (POSIX).
    mutating func offset() -> Int? { signedHMS(maxHours: 24) }

    mutating func rule() -> PosixRule? {
        var rule: PosixRule
        if eat(UInt8(ascii: "M")) {
            guard let m = number(maxDigits: 2), (1...12).contains(m), eat(UInt8(ascii: ".")),
                  let w = number(maxDigits: 1), (1...5).contains(w), eat(UInt8(ascii: ".")),
                  let d = number(maxDigits: 1), (0...6).contains(d) else { return nil }
            rule = PosixRule(day: .monthWeekDay(month: m, week: w, weekday: d))
        } else if eat(UInt8(ascii: "J")) {
            guard let n = number(maxDigits: 3), (1...365).contains(n) else { return nil }
            rule = PosixRule(day: .julian(n))
        } else {
            guard let n = number(maxDigits: 3), (0...365).contains(n) else { return nil }
            rule = PosixRule(day: .zeroBased(n))
        }
        if eat(UInt8(ascii: "/")) {
            // RFC 8536 3.3.1 (version 3+): -167 <= hh <= 167.
            guard let time = signedHMS(maxHours: 167) else { return nil }
            rule.time = time
        }
        return rule
    }
}

// MARK: - Calendar arithmetic (proleptic Gregorian)

private func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a - 1) / b) - 1 }
private func floorMod(_ a: Int, _ b: Int) -> Int { a - floorDiv(a, b) * b }

private func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

private func daysInMonth(_ y: Int, _ m: Int) -> Int {
    switch m {
    case 2: return isLeap(y) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
}

/// Days since 1970-01-01 (H. Hinnant's algorithm).
private func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = floorDiv(y, 400)
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

private func civilYear(fromDays days: Int) -> Int {
    let z = days + 719_468
    let era = floorDiv(z, 146_097)
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let month = mp < 10 ? mp + 3 : mp - 9
    return yoe + era * 400 + (month <= 2 ? 1 : 0)
}
