import Testing
@testable import WorkflowExpressions

@Suite struct ExprOperatorTests {
    @Test(arguments: [
        // literals
        ("42", ExprValue.int(42)),
        ("1_000", .int(1000)),
        ("0x1F", .int(31)),
        ("2.5", .double(2.5)),
        ("1e3", .double(1000)),
        ("'it\\'s'", .string("it's")),
        ("\"tab\\there\"", .string("tab\there")),
        ("'\\u00e9'", .string("é")),
        ("`raw\\n`", .string("raw\\n")),
        ("true", .bool(true)),
        ("nil", .null),
        ("[1, 'a', [true]]", .list([.int(1), .string("a"), .list([.bool(true)])])),
        ("{a: 1, \"b-c\": 2}", .map(["a": .int(1), "b-c": .int(2)])),
        ("{}", .map([:])),
        ("[]", .list([])),
        // arithmetic
        ("1 + 2", .int(3)),
        ("1 + 2.5", .double(3.5)),
        ("7 - 10", .int(-3)),
        ("3 * 4", .int(12)),
        ("7 / 2", .double(3.5)),
        ("6 / 3", .double(2)),
        ("7 % 3", .int(1)),
        ("-7 % 3", .int(-1)),
        ("2 ** 10", .double(1024)),
        ("2 ** 3 ** 2", .double(512)),
        ("-2 ** 2", .double(-4)),
        ("1 + 2 * 3", .int(7)),
        ("(1 + 2) * 3", .int(9)),
        ("-(3)", .int(-3)),
        ("'a' + 'b'", .string("ab")),
        ("[1] + [2]", .list([.int(1), .int(2)])),
        ("1..3", .list([.int(1), .int(2), .int(3)])),
        // comparisons
        ("1 == 1.0", .bool(true)),
        ("1 != 2", .bool(true)),
        ("'a' == 'a'", .bool(true)),
        ("'1' == 1", .bool(false)),
        ("nil == nil", .bool(true)),
        ("[1, 2] == [1, 2]", .bool(true)),
        ("2 < 2.5", .bool(true)),
        ("3 <= 3", .bool(true)),
        ("4 > 5", .bool(false)),
        ("5 >= 5.0", .bool(true)),
        ("'abc' < 'abd'", .bool(true)),
        ("'B' < 'a'", .bool(true)),
        // logic
        ("true && false", .bool(false)),
        ("true || false", .bool(true)),
        ("!true", .bool(false)),
        ("not false", .bool(true)),
        ("true and not false", .bool(true)),
        ("false or true", .bool(true)),
        ("false && nope", .bool(false)),
        ("true || nope", .bool(true)),
        ("!(1 > 2) && 2 > 1", .bool(true)),
        ("true || false && false", .bool(true)),
        // membership and string operators
        ("2 in [1, 2, 3]", .bool(true)),
        ("2.0 in [1, 2, 3]", .bool(true)),
        ("'x' in {x: 1}", .bool(true)),
        ("'y' not in {x: 1}", .bool(true)),
        ("4 not in nums", .bool(true)),
        ("'hello' contains 'ell'", .bool(true)),
        ("'hello' not contains 'z'", .bool(true)),
        ("'hello' startsWith 'he'", .bool(true)),
        ("'hello' endsWith 'lo'", .bool(true)),
        ("'hello' matches '^h.*o$'", .bool(true)),
        ("'hello' matches 'l{2}'", .bool(true)),
        ("'hello' matches '^x'", .bool(false)),
        ("'hello' not matches '^x'", .bool(true)),
        // ternary and coalescing
        ("1 < 2 ? 'yes' : 'no'", .string("yes")),
        ("false ? 1 : true ? 2 : 3", .int(2)),
        ("nil ?? 5", .int(5)),
        ("3 ?? 5", .int(3)),
        ("missing.name ?? 'none'", .string("none")),
        ("'' ?: 'fallback'", .string("fallback")),
        // members, indexes and slices
        ("nums[-1]", .int(3)),
        ("nums[1:]", .list([.int(2), .int(3)])),
        ("nums[:2]", .list([.int(1), .int(2)])),
        ("nums[-2:]", .list([.int(2), .int(3)])),
        ("'hello'[1:3]", .string("el")),
        ("'hello'[0]", .string("h")),
        ("people[1].name", .string("bob")),
        ("{a: {b: 1}}.a.b", .int(1)),
        ("{a: 1}['a']", .int(1)),
        ("{a: 1}.b", .null),
        ("nil?.x", .null),
        ("nums?.[5]", .null),
    ])
    func evaluates(source: String, expected: ExprValue) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test func integerOverflowIsAnError() {
        #expect(failure("9223372036854775807 + 1")?.message.contains("overflow") == true)
        #expect(failure("9223372036854775807 * 2")?.message.contains("overflow") == true)
        #expect(failure("-9223372036854775807 - 2")?.message.contains("overflow") == true)
    }

    @Test(arguments: ["1 / 0", "1 % 0", "1.5 / 0", "asInt('4') / 0"])
    func divisionByZero(source: String) {
        #expect(failure(source)?.message == "division by zero")
    }

    @Test func typeErrors() {
        let e = failure("'5' > 3")
        #expect(e?.message == "cannot compare string and int; use asInt(...)")
        #expect(e?.offset == 4)
        #expect(failure("'a' + 1")?.message == "cannot apply '+' to string and int")
        #expect(failure("1.5 % 2")?.message.contains("int operands") == true)
        #expect(failure("1 && true")?.message.contains("bool") == true)
        #expect(failure("1 ? 2 : 3")?.message.contains("bool") == true)
        #expect(failure("'a' in 'abc'")?.fix == "use 'contains' for substrings")
        #expect(failure("nums[3]")?.message == "index 3 out of range (length 3)")
        #expect(failure("'a' matches '('")?.message.contains("invalid regular expression") == true)
        #expect(failure("1 ?? nope")  == nil)
        #expect(failure("(1 / 0) ?? 2")?.message == "division by zero")
    }
}
