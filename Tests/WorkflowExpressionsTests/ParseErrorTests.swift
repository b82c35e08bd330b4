import Testing
@testable import WorkflowExpressions

@Suite struct ParseErrorTests {
    @Test(arguments: [
        ("(1 + 2))", 7, "unexpected ')' at offset 7"),
        ("1 +", 3, "unexpected end of expression at offset 3"),
        ("a = 1", 2, "unexpected '=' at offset 2"),
        ("'abc", 0, "unterminated string at offset 0"),
        ("1 + @", 4, "unexpected character '@' at offset 4"),
        ("foo(1, 2", 8, "expected ')' but found end of expression at offset 8"),
        ("[1, 2", 5, "expected ',' or ']' but found end of expression at offset 5"),
        ("1 ? 2", 5, "expected ':' but found end of expression at offset 5"),
        ("a.", 2, "expected a name after '.' at offset 2"),
        ("", 0, "empty expression at offset 0"),
        ("1 2", 2, "unexpected '2' at offset 2"),
        ("'\\q'", 1, "invalid escape '\\q' in string at offset 1"),
        ("99999999999999999999", 0, "integer literal '99999999999999999999' is too large at offset 0"),
        ("a & b", 2, "unexpected '&' at offset 2"),
        ("x ~ y", 2, "unexpected character '~' at offset 2"),
        ("'a' 'b'", 4, "unexpected 'b' at offset 4"),
        ("[1 2]", 3, "expected ',' or ']' but found '2' at offset 3"),
        ("a.b(1", 5, "expected ')' but found end of expression at offset 5"),
    ])
    func parseErrors(source: String, offset: Int, message: String) {
        var caught: ExpressionError?
        do { _ = try Expression.parse(source, dialect: .expr) } catch { caught = error }
        #expect(caught?.offset == offset)
        #expect(caught?.message == message)
        #expect(caught?.source == source)
    }

    @Test func fixes() {
        var caught: ExpressionError?
        do { _ = try Expression.parse("x = 1", dialect: .expr) } catch { caught = error }
        #expect(caught?.fix == "use '==' to compare")
        #expect(caught?.description == caught?.message)
        do { _ = try Expression.parse("(1", dialect: .expr) } catch { caught = error }
        #expect(caught?.fix == "add a matching ')'")
    }

    @Test func parsedExpressionsAreReusable() throws {
        let e = try Expression.parse("asInt(inputs.parameters.x) * 2", dialect: .expr)
        #expect(e.source == "asInt(inputs.parameters.x) * 2")
        #expect(try e.evaluate(in: sampleEnv) == .int(10))
        #expect(try e.evaluate(in: ExprEnvironment(flat: ["inputs.parameters.x": .string("21")])) == .int(42))
    }

    @Test func deepNestingDoesNotCrash() {
        let deep = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        var caught: ExpressionError?
        do { _ = try Expression.parse(deep, dialect: .expr) } catch { caught = error }
        #expect(caught?.message.contains("nested too deeply") == true)
        let longChain = Array(repeating: "1", count: 20_000).joined(separator: " + ")
        caught = nil
        do { _ = try Expression.parse(longChain, dialect: .expr) } catch { caught = error }
        #expect(caught?.message.contains("nested too deeply") == true)
    }

    @Test func moderateChainsEvaluate() throws {
        let chain = Array(repeating: "1", count: 150).joined(separator: " + ")
        #expect(try evaluate(chain) == .int(150))
        let deep = String(repeating: "(", count: 60) + "2" + String(repeating: ")", count: 60)
        #expect(try evaluate(deep) == .int(2))
    }
}
