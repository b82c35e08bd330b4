/// A point in time as Go's `time` formatting sees it, for `sprig.date`: read from an
/// RFC 3339 text (as Argo renders timestamps) or Unix seconds, written with a Go layout
/// such as `2006-01-02 15:04:05`. Pure: no clock, so "now" is never a default.
struct GoTime {
    var year, month, day, hour, minute, second: Int
    var weekday: Int  // 0 = Sunday
    var offset: Int   // seconds east of UTC
    var nanosecond = 0

    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                         "October", "November", "December"]
    static let days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    init(unix: Int, offset: Int = 0) {
        let t = unix + offset
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - days * 86400
        hour = secs / 3600
        minute = secs % 3600 / 60
        second = secs % 60
        weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday
        // Civil date from days since the epoch (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        self.offset = offset
    }

    /// `2024-05-06T07:08:09Z`, with optional fraction and `+hh:mm` offset.
    init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 20, let y = num(0, 4), b[4] == 45, let mo = num(5, 2), b[7] == 45, let d = num(8, 2),
              b[10] == 84 || b[10] == 116 || b[10] == 32, let h = num(11, 2), b[13] == 58, let mi = num(14, 2),
              b[16] == 58, let s = num(17, 2), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
        else { return nil }
        var i = 19
        if i < b.count, b[i] == 46 {
            i += 1
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
        }
        var offset = 0
        guard i < b.count else { return nil }
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45, let oh = num(i + 1, 2), b.count > i + 3, b[i + 3] == 58, let om = num(i + 4, 2) {
            offset = (oh * 3600 + om * 60) * (b[i] == 45 ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        // Days from civil, then back through init(unix:) for the weekday.
        let days = GoTime.daysFromCivil(year: y, month: mo, day: d)
        self.init(unix: days * 86400 + h * 3600 + mi * 60 + s - offset, offset: offset)
    }

    func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// The instant as Unix seconds.
    var unixSeconds: Int { GoTime.daysFromCivil(year: year, month: month, day: day) * 86400 + hour * 3600 + minute * 60 + second - offset }

    /// Formats with Go's reference-time layout tokens.
    func format(_ layout: String) -> String {
        let tokens: [(String, () -> String)] = [
            ("January", { GoTime.months[month - 1] }), ("Jan", { String(GoTime.months[month - 1].prefix(3)) }),
            ("Monday", { GoTime.days[weekday] }), ("Mon", { String(GoTime.days[weekday].prefix(3)) }),
            ("2006", { String(year) }), ("Z07:00", { offset == 0 ? "Z" : zone(colon: true) }),
            ("-07:00", { zone(colon: true) }), ("-0700", { zone(colon: false) }), ("MST", { offset == 0 ? "UTC" : zone(colon: false) }),
            ("01", { two(month) }), ("02", { two(day) }), ("_2", { day < 10 ? " \(day)" : "\(day)" }),
            ("03", { two(hour % 12 == 0 ? 12 : hour % 12) }), ("04", { two(minute) }), ("05", { two(second) }),
            ("06", { two(year % 100) }), ("15", { two(hour) }), ("PM", { hour < 12 ? "AM" : "PM" }),
            ("pm", { hour < 12 ? "am" : "pm" }), ("1", { String(month) }), ("2", { String(day) }),
            ("3", { String(hour % 12 == 0 ? 12 : hour % 12) }), ("4", { String(minute) }), ("5", { String(second) }),
        ]
        var out = ""
        var rest = Substring(layout)
        outer: while !rest.isEmpty {
            // A fraction of a second: `.000` keeps every digit, `.999` drops trailing zeros.
            if let sep = rest.first, sep == "." || sep == ",", let kind = rest.dropFirst().first, kind == "0" || kind == "9" {
                let run = rest.dropFirst().prefix { $0 == kind }
                let after = rest.dropFirst(1 + run.count).first
                if after == nil || !(after!.isASCII && after!.isNumber) {
                    let all = String(1_000_000_000 + nanosecond).dropFirst()
                    var digits = String(all.prefix(min(run.count, 9)))
                    if kind == "9" { while digits.hasSuffix("0") { digits.removeLast() } }
                    if !digits.isEmpty { out += String(sep) + digits }
                    rest = rest.dropFirst(1 + run.count)
                    continue
                }
            }
            for (token, value) in tokens where rest.hasPrefix(token) {
                out += value()
                rest = rest.dropFirst(token.count)
                continue outer
            }
            out.append(rest.removeFirst())
        }
        return out
    }

    func zone(colon: Bool) -> String {
        let sign = offset < 0 ? "-" : "+"
        let m = abs(offset) / 60
        return sign + two(m / 60) + (colon ? ":" : "") + two(m % 60)
    }
}
