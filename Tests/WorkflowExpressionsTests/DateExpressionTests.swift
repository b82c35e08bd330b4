import Testing
@testable import WorkflowExpressions

/// expr-lang's date functions (`now`, `date`, `duration`, `timezone`), their operators and the
/// methods of Go's `time.Time` and `time.Duration`, at a fixed clock.
@Suite struct DateExpressionTests {
    /// 2026-12-03T10:20:30.5Z, a Thursday.
    static let clock = ExprTime(seconds: 1_796_293_230, nanos: 500_000_000)

    static func value(_ source: String, _ vars: [String: ExprValue] = [:], clock: ExprTime? = clock) throws(ExpressionError) -> ExprValue {
        var env = ExprEnvironment(flat: vars)
        env.now = clock
        return try Expression.parse(source, dialect: .expr).evaluate(in: env)
    }

    @Test(arguments: [
        // The language definition's examples.
        "date('2023-08-14').Year() == 2023", "date('2023-08-14').Month() == 8", "date('2023-08-14').Day() == 14",
        "now() - duration('1h') < now()", "now() - date('2023-08-14') > duration('24h')",
        "date('2023-08-14 15:04:05').Hour() == 15", "date('15:04:05').Minute() == 4",
        "date('2023-08-14T00:00:00Z') == date('2023-08-14')",
        "date('14/08/2023', '02/01/2006') == date('2023-08-14')",
        "date('2023-08-14 00:00:00', '2006-01-02 15:04:05', '+02:00') == date('2023-08-13T22:00:00Z')",
        "date('2023-08-14 00:00:00', '2006-01-02 15:04:05', timezone('UTC+2')).Hour() == 0",
        // The clock.
        "now().Year() == 2026", "now().Month() == 12", "now().Day() == 3", "now().Weekday() == 4",
        "now().YearDay() == 337", "now().Unix() == 1796293230", "now().UnixMilli() == 1796293230500",
        "now().Format('2006-01-02T15:04:05.000Z07:00') == '2026-12-03T10:20:30.500Z'",
        "now().Format('Mon Jan _2 15:04:05.999') == 'Thu Dec  3 10:20:30.5'",
        "now().In(timezone('+05:30')).Format('15:04 -0700') == '15:50 +0530'",
        // Durations: Go's text and units.
        "duration('1h30m').Minutes() == 90.0", "duration('1.5s').Milliseconds() == 1500",
        "duration('-90s').String() == '-1m30s'", "string(duration('3h')) == '3h0m0s'",
        "string(duration('1500ms')) == '1.5s'", "string(duration('250us')) == '250µs'", "string(duration('0')) == '0s'",
        "duration('1h') == duration('60m')", "duration('1h') + duration('30m') == duration('90m')",
        "duration('1m') * 3 == duration('3m')", "duration('90s').Round(duration('1m')) == duration('2m')",
        "duration('90s').Truncate(duration('1m')) == duration('1m')",
        // Arithmetic and comparison between dates.
        "(date('2024-03-01') - date('2024-02-28')).Hours() == 48.0",
        "date('2024-02-28').Add(duration('24h')) == date('2024-02-29')",
        "date('2024-02-28').Sub(date('2024-02-27')) == duration('24h')",
        "date('2024-01-31').AddDate(0, 1, 0) == date('2024-03-02')",
        "date('2024-01-01').Before(date('2024-01-02'))", "date('2024-01-02').After(date('2024-01-01'))",
        "date('2024-01-01T12:00:00+02:00').Equal(date('2024-01-01T10:00:00Z'))",
        "date('2024-01-01T12:34:56Z').Truncate(duration('1h')) == date('2024-01-01T12:00:00Z')",
        "date('2024-01-01') + duration('1h') > date('2024-01-01')", "date('2024-01-01') != date('2024-01-02')",
        // Text and JSON.
        "string(date('2024-05-06T07:08:09Z')) == '2024-05-06 07:08:09 +0000 UTC'",
        "string(date('2024-05-06T07:08:09.25+02:00')) == '2024-05-06 07:08:09.25 +0200 +0200'",
        "toJSON(date('2024-05-06T07:08:09Z')) == '\"2024-05-06T07:08:09Z\"'", "toJSON(duration('1s')) == '1000000000'",
        "type(now()) == 'time.Time'", "type(duration('1s')) == 'time.Duration'",
        // sprig's date functions take the same values.
        "sprig.date('2006-01-02', now()) == '2026-12-03'",
        "sprig.date('2006-01-02', sprig.dateModify('-24h', sprig.now())) == '2026-12-02'",
        "sprig.unixEpoch(date('1970-01-02')) == '86400'", "sprig.toDate('2006-01-02', '2024-05-06').Day() == 6",
        "sprig.ago(date('2026-12-03T10:00:00Z')) == '20m30s'", "sprig.duration(95) == '1m35s'",
    ])
    func documentedBehaviourHolds(_ source: String) throws {
        #expect(try Self.value(source) == .bool(true), "\(source)")
    }

    /// Argo's documented CronWorkflow `when`: run when the last run is more than six minutes ago.
    @Test func argoCronWhenExpression() throws {
        let source = "cronworkflow.lastScheduledTime == nil || (now() - cronworkflow.lastScheduledTime).Seconds() > 360"
        let recent = ExprValue.time(ExprTime(seconds: Self.clock.seconds - 60))
        let old = ExprValue.time(ExprTime(seconds: Self.clock.seconds - 600))
        #expect(try Self.value(source, ["cronworkflow.lastScheduledTime": .null]) == .bool(true))
        #expect(try Self.value(source, ["cronworkflow.lastScheduledTime": recent]) == .bool(false))
        #expect(try Self.value(source, ["cronworkflow.lastScheduledTime": old]) == .bool(true))
    }

    @Test(arguments: [
        ("now()", "there is no clock here"),
        ("date('yesterday')", "cannot parse 'yesterday' as a date"),
        ("date('2024-13-01')", "cannot parse"),
        ("date('2024-02-30')", "cannot parse"),
        ("date('01/02', '02/01/2006')", "cannot parse '01/02' as '02/01/2006'"),
        ("duration('5 minutes')", "invalid duration '5 minutes'"),
        ("duration('1d')", "invalid duration"),
        ("timezone('Mars/Olympus')", "unknown time zone 'Mars/Olympus'"),
        ("date('2024-01-01').Fortnight()", "a date has no method 'Fortnight'"),
        ("duration('1s').Days()", "a duration has no method 'Days'"),
        ("'abc'.Year()", "string has no method 'Year'"),
        ("date('2024-01-01') + date('2024-01-02')", "cannot apply '+' to time.Time and time.Time"),
        ("date('2024-01-01') < 5", "cannot apply '<' to time.Time and int"),
    ])
    func mistakesAreNamed(_ source: String, _ expected: String) {
        let message: String
        do {
            _ = try Self.value(source, clock: source == "now()" ? nil : Self.clock)
            message = "no error"
        } catch {
            message = error.description
        }
        #expect(message.contains(expected), "\(source): \(message)")
    }

    @Test func parsingAndFormattingRoundTrip() throws {
        for layout in ["2006-01-02T15:04:05Z07:00", "Mon, 02 Jan 2006 15:04:05 -0700", "January 2, 2006 3:04PM",
                       "2006-01-02 15:04:05.000000"] {
            let text = Self.clock.civil.format(layout)
            let back = try #require(GoTime.parse(text, layout: layout), "\(layout): \(text)")
            #expect(back.civil.format(layout) == text, "\(layout)")
        }
    }
}
