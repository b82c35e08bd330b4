import Foundation
import Testing
import WorkflowModel

/// Cron schedules: parsing, the next run, time zones and daylight saving.
@Suite struct CronScheduleTests {
    static func at(_ text: String) -> Double { Timestamp(rfc3339: text)!.seconds }
    static func text(_ t: Double?) -> String { t.map { Timestamp(seconds: $0).description } ?? "never" }

    /// The next `count` run times after `start`, as RFC 3339 in UTC.
    static func runs(_ schedule: String, zone: String? = "UTC", after start: String, count: Int = 3) throws -> [String] {
        let s = try CronSchedule(schedule, timeZone: zone)
        var t = at(start)
        var out: [String] = []
        for _ in 0..<count {
            guard let n = s.next(after: t) else { break }
            out.append(text(n))
            t = n
        }
        return out
    }

    @Test func fieldsRangesStepsListsAndNames() throws {
        #expect(try Self.runs("*/15 * * * *", after: "2026-11-26T10:07:30Z") ==
                ["2026-11-26T10:15:00Z", "2026-11-26T10:30:00Z", "2026-11-26T10:45:00Z"])
        // N/STEP runs from N to the end of the field.
        #expect(try Self.runs("5/20 * * * *", after: "2026-11-26T10:00:00Z") ==
                ["2026-11-26T10:05:00Z", "2026-11-26T10:25:00Z", "2026-11-26T10:45:00Z"])
        #expect(try Self.runs("0 8-10/2,23 * * *", after: "2026-11-26T09:00:00Z") ==
                ["2026-11-26T10:00:00Z", "2026-11-26T23:00:00Z", "2026-11-27T08:00:00Z"])
        #expect(try Self.runs("30 6 1 jan,JUL *", after: "2026-11-26T00:00:00Z", count: 2) ==
                ["2027-01-01T06:30:00Z", "2027-07-01T06:30:00Z"])
        // 2026-11-26 is a Thursday: weekdays skip the weekend.
        #expect(try Self.runs("0 9 * * MON-FRI", after: "2026-11-27T10:00:00Z", count: 2) ==
                ["2026-11-30T09:00:00Z", "2026-12-01T09:00:00Z"])
        // Exactly on a run time: the next one, not the same.
        #expect(try Self.runs("0 * * * *", after: "2026-11-26T10:00:00Z", count: 1) == ["2026-11-26T11:00:00Z"])
    }

    /// Both day fields restricted: either matches (the 1st, or a Monday). One of them `*`: both must.
    @Test func dayOfMonthAndDayOfWeekTogether() throws {
        #expect(try Self.runs("0 0 1 * 1", after: "2026-11-26T00:00:00Z") ==
                ["2026-11-30T00:00:00Z", "2026-12-01T00:00:00Z", "2026-12-07T00:00:00Z"])
        #expect(try Self.runs("0 0 * * 0", after: "2026-11-26T00:00:00Z", count: 1) == ["2026-11-29T00:00:00Z"])
        #expect(try Self.runs("0 0 29 2 *", after: "2026-11-26T00:00:00Z", count: 1) == ["2028-02-29T00:00:00Z"])
        #expect(try CronSchedule("0 0 30 2 *", timeZone: "UTC").next(after: 0) == nil)
    }

    @Test func descriptorsAndEvery() throws {
        #expect(try Self.runs("@hourly", after: "2026-11-26T10:20:00Z", count: 1) == ["2026-11-26T11:00:00Z"])
        #expect(try Self.runs("@daily", after: "2026-11-26T10:20:00Z", count: 1) == ["2026-11-27T00:00:00Z"])
        #expect(try Self.runs("@weekly", after: "2026-11-26T10:20:00Z", count: 1) == ["2026-11-29T00:00:00Z"])
        #expect(try Self.runs("@monthly", after: "2026-11-26T10:20:00Z", count: 1) == ["2026-12-01T00:00:00Z"])
        #expect(try Self.runs("@yearly", after: "2026-11-26T10:20:00Z", count: 1) == ["2027-01-01T00:00:00Z"])
        let every = try CronSchedule("@every 1m30s")
        #expect(every.next(after: Self.at("2026-11-26T10:00:00Z")) == Self.at("2026-11-26T10:01:30Z"))
        // Counted from the previous run, whatever the moment of asking.
        #expect(every.next(after: Self.at("2026-11-26T10:02:00Z"), anchor: Self.at("2026-11-26T10:00:00Z"))
                == Self.at("2026-11-26T10:03:00Z"))
        #expect(try CronSchedule("@every 100ms").next(after: 10) == 11)
    }

    @Test func timeZones() throws {
        #expect(try Self.runs("0 9 * * *", zone: "Europe/Paris", after: "2026-11-26T00:00:00Z", count: 1) == ["2026-11-26T08:00:00Z"])
        #expect(try Self.runs("CRON_TZ=Asia/Tokyo 0 9 * * *", zone: nil, after: "2026-11-26T00:00:00Z", count: 1) == ["2026-11-27T00:00:00Z"])
        #expect(try Self.runs("TZ=Asia/Kolkata 0 9 * * *", zone: nil, after: "2026-11-26T00:00:00Z", count: 1) == ["2026-11-26T03:30:00Z"])
    }

    /// Argo's documented behaviour in America/Los_Angeles: wall times skipped when clocks go
    /// forward do not run; those repeated when they go back run twice.
    @Test func daylightSavingAsArgoDocumentsIt() throws {
        let la = "America/Los_Angeles"
        // Forward on 2020-03-08 at 02:00 PST.
        #expect(try Self.runs("59 1 * * *", zone: la, after: "2020-03-07T12:00:00Z") ==
                ["2020-03-08T09:59:00Z", "2020-03-09T08:59:00Z", "2020-03-10T08:59:00Z"])
        #expect(try Self.runs("0 2 * * *", zone: la, after: "2020-03-07T12:00:00Z") ==
                ["2020-03-09T09:00:00Z", "2020-03-10T09:00:00Z", "2020-03-11T09:00:00Z"])
        #expect(try Self.runs("1 2 * * *", zone: la, after: "2020-03-07T12:00:00Z", count: 1) == ["2020-03-09T09:01:00Z"])
        // Back on 2020-11-01 at 02:00 PDT: 01:59 comes twice.
        #expect(try Self.runs("59 1 * * *", zone: la, after: "2020-10-31T12:00:00Z") ==
                ["2020-11-01T08:59:00Z", "2020-11-01T09:59:00Z", "2020-11-02T09:59:00Z"])
        #expect(try Self.runs("0 2 * * *", zone: la, after: "2020-10-31T12:00:00Z") ==
                ["2020-11-01T10:00:00Z", "2020-11-02T10:00:00Z", "2020-11-03T10:00:00Z"])
    }

    @Test func badSchedulesSayWhatIsWrong() {
        func message(_ s: String, zone: String? = nil) -> String {
            do {
                _ = try CronSchedule(s, timeZone: zone)
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(message("* * * *").contains("has 4 fields; a schedule has five"))
        #expect(message("60 * * * *").contains("60 in the minute field is outside 0-59"))
        #expect(message("0 0 * * 7").contains("(Sunday is 0)"))
        #expect(message("0 5-1 * * *").contains("the range 5-1 in the hour field ends before it starts"))
        #expect(message("0 0 * foo *").contains("'foo' in the month field is not a number"))
        #expect(message("*/0 * * * *").contains("step '0'"))
        #expect(message("@fortnightly").contains("not a cron descriptor"))
        #expect(message("@every soon").contains("not a duration"))
        #expect(message("0 0 * * *", zone: "Mars/Olympus").contains("'Mars/Olympus' is not a time zone"))
    }

    @Test func lintChecksSchedulesTimeZonesAndPolicies() {
        func cron(_ spec: String) -> String {
            """
            apiVersion: argoproj.io/v1alpha1
            kind: CronWorkflow
            metadata: {name: nightly}
            spec:
            \(spec.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
              workflowSpec:
                entrypoint: main
                templates:
                  - name: main
                    container: {image: alpine}
            """
        }
        #expect(lint(cron("schedule: \"0 2 * * *\"\ntimezone: Europe/Berlin\nconcurrencyPolicy: Forbid")).isEmpty)
        let bad = lint(cron("schedule: \"0 25 * * *\""))
        #expect(bad.count == 1)
        #expect(bad.first?.description.contains("wf.yaml:5") == true, "\(bad)")
        #expect(bad.first?.message.contains("25 in the hour field is outside 0-23") == true)
        let second = lint(cron("schedules: [\"@daily\", \"0 0 31 4 *\"]"))
        #expect(second.first?.message.contains("never runs") == true, "\(second)")
        #expect(second.first?.description.contains("schedules[1]") == true, "\(second)")
        let zone = lint(cron("schedule: \"@daily\"\ntimezone: Europe/Atlantis"))
        #expect(zone.count == 1 && zone.first?.message.contains("not a time zone") == true, "\(zone)")
        let policy = lint(cron("schedule: \"@daily\"\nconcurrencyPolicy: Sometimes"))
        #expect(policy.first?.fix == "use Allow, Forbid or Replace", "\(policy)")
        let long = lint(cron("schedule: \"@daily\"").replacingOccurrences(of: "name: nightly", with: "name: " + String(repeating: "n", count: 53)))
        #expect(long.count == 1 && long.first?.message.contains("at most 52 characters") == true, "\(long)")
        #expect(long.first?.description.contains("wf.yaml:3") == true, "\(long)")
    }
}
