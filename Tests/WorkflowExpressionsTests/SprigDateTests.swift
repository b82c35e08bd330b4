import Testing
import WorkflowExpressions

@Suite struct SprigDateTests {
    func eval(_ source: String, _ env: [String: ExprValue] = [:]) throws -> ExprValue {
        try Expression.parse(source, dialect: .expr).evaluate(in: ExprEnvironment(flat: env))
    }

    @Test(arguments: [
        ("sprig.date('2006', t)", "2026"),
        ("sprig.date('2006-01-02 15:04:05', t)", "2026-11-25 17:04:09"),
        ("sprig.date('Mon Jan 2 3:04PM', t)", "Wed Nov 25 5:04PM"),
        ("sprig.date('02/01/06 Z07:00', t)", "25/11/26 Z"),
        ("sprig.date('Monday, January _2', t)", "Wednesday, November 25"),
    ])
    func formatsWithGoLayouts(_ source: String, _ expected: String) throws {
        #expect(try eval(source, ["t": .string("2026-11-25T17:04:09Z")]) == .string(expected))
    }

    @Test func offsetsAndUnixSeconds() throws {
        #expect(try eval("sprig.date('15:04 -07:00', '2024-02-29T23:30:00+02:00')") == .string("23:30 +02:00"))
        #expect(try eval("sprig.date('2006-01-02T15:04:05Z07:00', 0)") == .string("1970-01-01T00:00:00Z"))
        #expect(try eval("sprig.date('2006-01-02', 951782400)") == .string("2000-02-29"))
    }

    @Test func aValueThatIsNotATimeIsAnError() {
        #expect(throws: ExpressionError.self) { try eval("sprig.date('2006', 'yesterday')") }
    }
}
