public import Foundation

/// A CronWorkflow's schedule: the five fields of standard cron (minute, hour, day of month,
/// month, day of week), a descriptor (`@hourly`, `@daily`, `@midnight`, `@weekly`,
/// `@monthly`, `@yearly`, `@annually`), or `@every DURATION`, optionally prefixed
/// `CRON_TZ=ZONE ` or `TZ=ZONE `. This is the syntax Argo's scheduler accepts.
///
/// Times are matched on the wall clock of the time zone, minute by minute in real time, so
/// when clocks go forward the skipped wall times never run, and when they go back the
/// repeated ones run twice (as Argo documents for its scheduler).
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public let timeZone: TimeZone
    let rule: Rule

    enum Rule: Hashable {
        /// One bit per allowed value; `domStar`/`dowStar`: the field was `*` or `?`.
        case fields(minutes: UInt64, hours: UInt64, days: UInt64, months: UInt64, weekdays: UInt64, domStar: Bool, dowStar: Bool)
        /// Every so many whole seconds after the previous run.
        case every(Int)
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// `timeZone`: an IANA name (`Europe/Paris`); nil is the machine's zone.
    public init(_ text: String, timeZone zone: String? = nil) throws(ParseError) {
        description = text
        var spec = text.trimmingCharacters(in: .whitespaces)
        var zoneName = zone.flatMap { $0.isEmpty ? nil : $0 }
        for prefix in ["CRON_TZ=", "TZ="] where spec.hasPrefix(prefix) {
            let rest = spec.dropFirst(prefix.count)
            guard let space = rest.firstIndex(of: " ") else {
                throw ParseError(description: "'\(text)' has a time zone but no schedule after it")
            }
            zoneName = String(rest[..<space])
            spec = rest[space...].trimmingCharacters(in: .whitespaces)
        }
        if let name = zoneName {
            guard let tz = TimeZone(identifier: name) else {
                throw ParseError(description: "'\(name)' is not a time zone; use an IANA name such as UTC, Europe/London or America/New_York")
            }
            timeZone = tz
        } else {
            timeZone = .current
        }
        rule = try Self.parse(spec)
    }

    /// Runs are named `NAME-UNIXTIME` (11 more characters) and a run's name goes into its
    /// pods' labels (63 characters at most), so a CronWorkflow's name has at most 52, as in Argo.
    public static let longestName = 52

    /// What is wrong with a CronWorkflow's name, if anything.
    public static func nameProblem(_ name: String) -> String? {
        guard name.count > longestName else { return nil }
        return "'\(name)' is \(name.count) characters; a CronWorkflow's name has at most \(longestName) characters "
            + "(its runs are named NAME-UNIXTIME, and a run's name must fit in a 63-character label)"
    }

    static let descriptors: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    static func parse(_ spec: String) throws(ParseError) -> Rule {
        if spec.hasPrefix("@every ") || spec.hasPrefix("@every\t") {
            let text = spec.dropFirst("@every".count).trimmingCharacters(in: .whitespaces)
            guard let seconds = Durations.seconds(text), seconds >= 0 else {
                throw ParseError(description: "'\(text)' after @every is not a duration like 30s, 5m or 1h30m")
            }
            // Shorter than a second is a second; the rest is whole seconds.
            return .every(max(1, Int(seconds)))
        }
        if spec.hasPrefix("@") {
            guard let expanded = descriptors[spec.lowercased()] else {
                throw ParseError(description: "'\(spec)' is not a cron descriptor; use @hourly, @daily, @weekly, @monthly, @yearly or @every DURATION")
            }
            return try parse(expanded)
        }
        let fields = spec.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(description: "'\(spec)' has \(fields.count) field\(fields.count == 1 ? "" : "s"); a schedule has five: minute hour day-of-month month day-of-week, like \"30 2 * * 1-5\"")
        }
        let minute = try field(fields[0], name: "minute", 0...59)
        let hour = try field(fields[1], name: "hour", 0...23)
        let day = try field(fields[2], name: "day of month", 1...31)
        let month = try field(fields[3], name: "month", 1...12, names: monthNames)
        let weekday = try field(fields[4], name: "day of week", 0...6, names: weekdayNames)
        return .fields(minutes: minute.bits, hours: hour.bits, days: day.bits, months: month.bits, weekdays: weekday.bits,
                       domStar: day.star, dowStar: weekday.star)
    }

    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        .enumerated().reduce(into: [String: Int]()) { $0[$1.element] = $1.offset + 1 }
    static let weekdayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        .enumerated().reduce(into: [String: Int]()) { $0[$1.element] = $1.offset }

    /// One field: a comma-separated list of `*`, `?`, `N`, `N-M`, each optionally `/STEP`.
    static func field(_ text: String, name: String, _ bounds: ClosedRange<Int>, names: [String: Int] = [:]) throws(ParseError)
        -> (bits: UInt64, star: Bool)
    {
        var bits: UInt64 = 0
        var star = false
        func value(_ s: Substring) throws(ParseError) -> Int {
            if let n = names[s.lowercased()] { return n }
            guard let v = Int(s) else {
                throw ParseError(description: "'\(s)' in the \(name) field is not a number" + (names.isEmpty ? "" : " or a name like \(names.keys.sorted().prefix(2).joined(separator: ", "))"))
            }
            guard bounds.contains(v) else {
                throw ParseError(description: "\(v) in the \(name) field is outside \(bounds.lowerBound)-\(bounds.upperBound)"
                                 + (name == "day of week" && v == 7 ? " (Sunday is 0)" : ""))
            }
            return v
        }
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, let range = pieces.first, !range.isEmpty else {
                throw ParseError(description: "'\(part)' in the \(name) field is not a value, range or step like 5, 1-5 or */15")
            }
            var low: Int
            var high: Int
            var isStar = false
            if range == "*" || range == "?" {
                (low, high, isStar) = (bounds.lowerBound, bounds.upperBound, true)
            } else {
                let ends = range.split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count <= 2 else {
                    throw ParseError(description: "'\(range)' in the \(name) field is not a range like 1-5")
                }
                low = try value(ends[0])
                high = ends.count == 2 ? try value(ends[1]) : low
                guard low <= high else {
                    throw ParseError(description: "the range \(range) in the \(name) field ends before it starts")
                }
            }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else {
                    throw ParseError(description: "the step '\(pieces[1])' in the \(name) field is not a positive number")
                }
                step = s
                // `N/STEP` runs from N to the field's end.
                if !isStar && !range.contains("-") { high = bounds.upperBound }
                if step > 1 { isStar = false }
            }
            if isStar { star = true }
            for v in stride(from: low, through: high, by: step) { bits |= 1 << UInt64(v) }
        }
        return (bits, star)
    }

    /// The first time this schedule runs strictly after `after` (seconds since the Unix
    /// epoch), or nil if it never does within eight years. `@every` schedules count from
    /// `anchor` (the previous run) when given, else from `after`.
    public func next(after: Double, anchor: Double? = nil) -> Double? {
        switch rule {
        case .every(let seconds):
            let d = Double(seconds)
            guard let anchor = anchor?.rounded(.down) else { return after.rounded(.down) + d }
            let steps = max(1, ((after - anchor) / d).rounded(.down) + 1)
            return anchor + steps * d
        case .fields(let minutes, let hours, let days, let months, let weekdays, let domStar, let dowStar):
            var t = Int((after / 60).rounded(.down)) * 60 + 60
            let limit = t + 8 * 366 * 86400
            while t < limit {
                let date = Date(timeIntervalSince1970: Double(t))
                let local = t + timeZone.secondsFromGMT(for: date)
                let dayNumber = Int((Double(local) / 86400).rounded(.down))
                let secondOfDay = local - dayNumber * 86400
                let (_, month, day) = Timestamp.civil(fromDays: dayNumber)
                // 1970-01-01 was a Thursday.
                let weekday = ((dayNumber % 7) + 11) % 7
                let domMatch = days & (1 << UInt64(day)) != 0
                let dowMatch = weekdays & (1 << UInt64(weekday)) != 0
                let dayMatches = domStar || dowStar ? domMatch && dowMatch : domMatch || dowMatch
                guard months & (1 << UInt64(month)) != 0, dayMatches else {
                    // On to the next day; an hour short, in case this day is 23 hours long.
                    t += max(60, (86400 - secondOfDay - 3600) / 60 * 60)
                    continue
                }
                let hour = secondOfDay / 3600
                let minute = secondOfDay / 60 % 60
                guard hours & (1 << UInt64(hour)) != 0 else {
                    t += (60 - minute) * 60
                    continue
                }
                if minutes & (1 << UInt64(minute)) != 0 { return Double(t) }
                // The next allowed minute in this hour, else the next hour.
                let later = minutes >> UInt64(minute + 1)
                t += later == 0 ? (60 - minute) * 60 : (later.trailingZeroBitCount + 1) * 60
            }
            return nil
        }
    }
}
