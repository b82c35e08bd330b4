import Testing
import WorkflowExpressions

/// Sprig's regex and hash functions, with values as Go's sprig gives them.
@Suite struct SprigRegexTests {
    func eval(_ source: String) throws -> ExprValue {
        try Expression.parse(source, dialect: .expr).evaluate(in: ExprEnvironment(flat: [:]))
    }

    @Test(arguments: [
        ("sprig.regexMatch('^[a-z]+-[0-9]+$', 'abc-123')", ExprValue.bool(true)),
        ("sprig.regexMatch('^[0-9]+$', 'abc')", .bool(false)),
        ("sprig.mustRegexMatch('b+', 'abbbc')", .bool(true)),
        ("sprig.regexFind('[0-9]+', 'abc123def456')", .string("123")),
        ("sprig.regexFind('x', 'abc')", .string("")),
        ("sprig.regexFindAll('[2,4,6,8]', '123456789', -1)", .list([.string("2"), .string("4"), .string("6"), .string("8")])),
        ("sprig.regexFindAll('[2,4,6,8]', '123456789', 3)", .list([.string("2"), .string("4"), .string("6")])),
        ("sprig.regexReplaceAll('a(x*)b', '-ab-axxb-', '${1}W')", .string("-W-xxW-")),
        ("sprig.regexReplaceAll('(?P<word>[a-z]+)', 'go fast', '<$word>')", .string("<go> <fast>")),
        ("sprig.regexReplaceAllLiteral('a(x*)b', '-ab-axxb-', '${1}')", .string("-${1}-${1}-")),
        ("sprig.regexSplit('z+', 'pizza', -1)", .list([.string("pi"), .string("a")])),
        ("sprig.regexSplit('z+', 'pizza', 1)", .list([.string("pizza")])),
        ("sprig.regexQuoteMeta('1.2.3')", .string("1\\.2\\.3")),
        ("sprig.sha1sum('Hello world!')", .string("d3486ae9136e7856bc42212385ea797094475802")),
        ("sprig.sha256sum('Hello world!')", .string("c0535e4be2b79ffd93291305436bf889314e4a3faec05ecffcbb7df31ad9e51a")),
        ("sprig.adler32sum('Hello world!')", .string("487130206")),
    ])
    func givesSprigsValue(_ source: String, _ expected: ExprValue) throws {
        #expect(try eval(source) == expected, "\(source)")
    }

    @Test func aBadPatternIsNamed() {
        #expect(throws: ExpressionError.self) { try eval("sprig.regexMatch('(', 'x')") }
        do {
            _ = try eval("sprig.regexFind('[', 'x')")
        } catch {
            #expect("\(error)".contains("invalid regular expression '['"), "\(error)")
        }
    }
}
