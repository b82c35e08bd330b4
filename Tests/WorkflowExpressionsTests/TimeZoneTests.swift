import Testing
@testable import WorkflowExpressions

/// Named time zones (IANA names from the system's zoneinfo) in expr-lang's `timezone`, `date`
/// and `.In`, and sprig's `dateInZone` and `htmlDateInZone`, with the daylight saving time of
/// the date in question; Go's results.
@Suite struct TimeZoneTests {
    func eval(_ source: String) throws -> ExprValue {
        var env = ExprEnvironment(flat: [:])
        env.now = ExprTime(seconds: 1_719_835_200)  // 2024-07-01T12:00:00Z
        return try Expression.parse(source, dialect: .expr).evaluate(in: env)
    }

    @Test(arguments: [
        // Summer and winter in Paris: +02:00 and +01:00.
        ("sprig.dateInZone('2006-01-02 15:04 -07:00', 1719835200, 'Europe/Paris')", ExprValue.string("2024-07-01 14:00 +02:00")),
        ("sprig.dateInZone('2006-01-02 15:04 -07:00', 1705320000, 'Europe/Paris')", .string("2024-01-15 13:00 +01:00")),
        ("sprig.dateInZone('15:04', 1719835200, 'Nowhere/Unknown')", .string("12:00")),
        ("sprig.htmlDateInZone(1560458379, 'Asia/Tokyo')", .string("2019-06-14")),
        ("date('2024-07-01 12:00', '2006-01-02 15:04', 'Europe/Paris').Unix()", .int(1_719_828_000)),
        ("date('2024-01-15 12:00', '2006-01-02 15:04', 'Europe/Paris').Unix()", .int(1_705_316_400)),
        // Just after the spring change in Paris: 03:30 is summer time (+02:00).
        ("date('2024-03-31 03:30', '2006-01-02 15:04', 'Europe/Paris').Unix()", .int(1_711_848_600)),
        ("date('2024-07-01T12:00:00Z').In(timezone('America/New_York')).Hour()", .int(8)),
        ("date('2024-01-15T12:00:00Z').In(timezone('America/New_York')).Hour()", .int(7)),
        ("date('2024-01-15T12:00:00Z').In(timezone('Australia/Sydney')).Hour()", .int(23)),
        ("date('2024-07-01T12:00:00Z').In(timezone('UTC')).Hour()", .int(12)),
    ])
    func namedZones(_ source: String, _ expected: ExprValue) throws {
        #expect(try eval(source) == expected, "\(source)")
    }

    @Test func anUnknownZoneIsNamed() {
        do {
            _ = try eval("timezone('Nowhere/City')")
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("unknown time zone 'Nowhere/City'"), "\(error)")
        }
        #expect(ZoneDatabase.offset(of: "../../etc/passwd", at: 0) == nil)
    }
}
