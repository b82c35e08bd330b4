import Testing
import WorkflowModel

@Suite struct DurationsTests {
    @Test(arguments: [("30s", 30.0), ("1m", 60), ("1h30m", 5400), ("500ms", 0.5), ("2d", 172_800), ("90", 90), ("1.5h", 5400),
                      ("2562047h", 9_223_369_200), ("0", 0), ("250us", 0.00025), ("1e3", 1000)])
    func goDurationsAndPlainSeconds(_ text: String, _ seconds: Double) {
        #expect(Durations.seconds(text) == seconds)
    }

    /// Longer than 64 bits of nanoseconds, as Go refuses them: never a value that overflows a timer.
    @Test(arguments: ["99999999999999h", "1e300", "2562048h", "9999999999999999999999s", "-5s", "-1"])
    func outOfRange(_ text: String) {
        #expect(Durations.parse(text) == .failure(.outOfRange))
        #expect(Durations.problem(text, field: "timeout")?.contains("out of range") == true)
    }

    @Test(arguments: ["", "5 minutes", "1x", "inf", "nan", "h", "1h30", "--5s"])
    func malformed(_ text: String) {
        #expect(Durations.parse(text) == .failure(.malformed))
        #expect(Durations.problem(text, field: "timeout") == "timeout '\(text)' is not a duration like 30s, 5m or 1h")
    }

    @Test func delaysNeverTrap() {
        #expect(Durations.delay(-3) == .zero)
        #expect(Durations.delay(.nan) == .zero)
        #expect(Durations.delay(.infinity) == .seconds(365 * 86400))
        #expect(Durations.delay(1e300) == .seconds(365 * 86400))
        #expect(Durations.delay(1.5) == .milliseconds(1500))
        #expect(Durations.delayNanoseconds(1e300) == 365 * 86400 * 1_000_000_000)
        #expect(Durations.delayNanoseconds(0.25) == 250_000_000)
    }

    @Test func timestampsFarOutAreWrittenAtTheEdgeOfRFC3339() {
        #expect(Timestamp(seconds: 1e300).description == "9999-12-31T23:59:59Z")
        #expect(Timestamp(seconds: -1e300).description == "0001-01-01T00:00:00Z")
        #expect(Timestamp(seconds: .nan).description == "1970-01-01T00:00:00Z")
        #expect(Timestamp(seconds: 0).description == "1970-01-01T00:00:00Z")
    }
}
