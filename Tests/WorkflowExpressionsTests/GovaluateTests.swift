import Testing
@testable import WorkflowExpressions

@Suite struct GovaluateTests {
    @Test(arguments: [
        ("Succeeded == Succeeded", ExprValue.bool(true)),
        ("heads == heads", .bool(true)),
        ("foo != bar", .bool(true)),
        ("tails == heads", .bool(false)),
        ("my-value == my-value", .bool(true)),
        ("'quoted' == quoted", .bool(true)),
        ("\"a b\" == 'a b'", .bool(true)),
        ("5 == 5.0", .bool(true)),
        ("5 > 3", .bool(true)),
        ("2.5 <= 2", .bool(false)),
        ("'5' == 5", .bool(true)),
        ("abc < abd", .bool(true)),
        ("true && false", .bool(false)),
        ("true || false", .bool(true)),
        ("!false", .bool(true)),
        ("!(1 > 2) && (2 > 1 || false)", .bool(true)),
        ("hello =~ '^he'", .bool(true)),
        ("hello !~ '^he'", .bool(false)),
        ("b in (a, b, c)", .bool(true)),
        ("z in (a, b, c)", .bool(false)),
        ("3 in (1, 2, 3)", .bool(true)),
        ("1 + 2 * 3", .int(7)),
        ("10 / 4", .double(2.5)),
        ("7 % 4", .int(3)),
        ("2 ** 3", .double(8)),
        ("1 < 2 ? yes : no", .string("yes")),
        ("a + b", .string("ab")),
        ("1.2.3 == 1.2.3", .bool(true)),
        ("true == true", .bool(true)),
        // Bitwise, at govaluate's precedence (below + and -, above comparisons); `^` is xor, not a power.
        ("12 & 10", .double(8)), ("12 | 10", .double(14)), ("12 ^ 10", .double(6)), ("1 << 4", .double(16)),
        ("256 >> 4", .double(16)), ("~5", .double(-6)), ("1 + 1 << 2", .double(8)), ("6 & 3 == 2", .bool(true)),
        ("'12' & 4 == 4", .bool(true)),
        // Quoted dates are dates (Unix seconds), whatever layout each is written in.
        ("'2024-01-02' > '2023-12-31T23:00:00Z'", .bool(true)), ("'2024-01-02' == '2024-01-02T00:00:00Z'", .bool(true)),
        ("'2024-01-02 10:00' < '2024-01-02T09:00:00-02:00'", .bool(true)), ("'2024-13-45' == '2024-13-45'", .bool(true)),
    ])
    func evaluates(source: String, expected: ExprValue) throws {
        #expect(try evaluate(source, .govaluate) == expected)
    }

    @Test func bareWordsAreNotVariables() throws {
        // In expr the same word is a name lookup, and fails when unknown.
        #expect(try evaluate("Succeeded == Succeeded", .govaluate) == .bool(true))
        #expect(failure("Succeeded == Succeeded", .expr)?.message == "unknown name 'Succeeded'")
        // Names in the environment are not substituted in govaluate either: tags are replaced before parsing.
        #expect(try evaluate("item == item", .govaluate) == .bool(true))
        #expect(try evaluate("workflow.name", .govaluate) == .string("workflow.name"))
    }

    @Test func errors() {
        #expect(failure("1 == ", .govaluate)?.message == "unexpected end of expression at offset 5")
        let eq = failure("a = b", .govaluate)
        #expect(eq?.fix == "use '==' to compare")
        #expect(eq?.offset == 2)
        #expect(failure("f(1)", .govaluate)?.offset == 0)
        #expect(failure("(a == b", .govaluate)?.message == "expected ')' but found end of expression at offset 7")
        #expect(failure("a > 1", .govaluate)?.message.contains("cannot compare") == true)
        #expect(failure("1 / 0", .govaluate)?.message == "division by zero")
        #expect(failure("1.5 & a", .govaluate)?.message.contains("'&' needs whole numbers") == true)
        #expect(failure("true | false", .govaluate)?.fix == "for a logical or use '||'")
        // In expr the same operators do not exist (it has bitand, bitshl, ...).
        #expect(failure("12 & 10", .expr) != nil)
    }
}

@Suite struct DialectDifferenceTests {
    /// The same source under both dialects: bare words, tuples and regex operators differ.
    @Test(arguments: [
        ("a == a", "true", "unknown name 'a'"),
        ("x in (x, y)", "true", "expected ')' but found ',' at offset 7"),
        ("'ab' =~ 'a'", "true", "unexpected '=~' at offset 5"),
        ("5 == 5.0", "true", "true"),
        ("7 / 2", "3.5", "3.5"),
    ])
    func sameSourceBothDialects(source: String, govaluate: String, expr: String) {
        func outcome(_ d: ExpressionDialect) -> String {
            do { return try evaluate(source, d).text } catch { return error.message }
        }
        #expect(outcome(.govaluate) == govaluate)
        #expect(outcome(.expr) == expr)
    }
}

@Suite struct RegexTests {
    @Test(arguments: [
        ("'abc-123' matches '^[a-z]+-\\\\d+$'", true),
        ("'ABC' matches '(?i)^abc$'", true),
        ("'a.b' matches 'a\\\\.b'", true),
        ("'axb' matches 'a\\\\.b'", false),
        ("'héllo' matches '^h.llo$'", true),
        ("'x' matches 'a|x'", true),
        ("'' matches '^$'", true),
    ])
    func exprMatches(source: String, expected: Bool) throws {
        #expect(try evaluate(source) == .bool(expected))
    }

    @Test func govaluateRegexAndComparisonMessages() {
        #expect((try? evaluate("release-1.2 =~ '^release-[0-9.]+$'", .govaluate)) == .bool(true))
        #expect(failure("abc > 5", .govaluate)?.message == "cannot compare string and int with '>'")
        #expect(failure("x =~ '('", .govaluate)?.message == "invalid regular expression '('")
    }
}
