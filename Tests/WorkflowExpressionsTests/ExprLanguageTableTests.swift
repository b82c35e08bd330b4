import Testing
@testable import WorkflowExpressions

/// expr-lang's language definition, example by example: each documented `a == b` must hold,
/// and each documented expression must give the value the page states.
@Suite struct ExprLanguageTableTests {
    static let env = ExprEnvironment(nested: [
        "user": .map(["Name": .string("John Smith"), "Age": .int(30)]),
        "array": .list([.int(1), .int(2), .int(3), .int(4), .int(5)]),
        "author": .map(["User": .null]),
        "tweets": .list([
            .map(["Content": .string(String(repeating: "x", count: 300)), "Size": .int(300)]),
            .map(["Content": .string("short"), "Size": .int(5)]),
        ]),
        "users": .list([
            .map(["Name": .string("Jim"), "Age": .int(40)]),
            .map(["Name": .string("Ann"), "Age": .int(25)]),
            .map(["Name": .string("Joe"), "Age": .int(40)]),
        ]),
        "participants": .list([.map(["Winner": .bool(false)]), .map(["Winner": .bool(true)])]),
        "var with spaces": .int(7),
    ])

    static func value(_ source: String) throws(ExpressionError) -> ExprValue {
        try Expression.parse(source, dialect: .expr).evaluate(in: env)
    }

    /// Documented equalities: every one evaluates to `true`.
    @Test(arguments: [
        // Literals and comments.
        "0x2A == 42", "0o52 == 42", "0b101010 == 42", ".5 == 0.5", "1_000 == 1000",
        "/* a comment */ 1 + 1 == 2", "1 + 1 == 2 // a trailing comment",
        "`Hello\nWorld` == \"Hello\\nWorld\"",
        // Membership, optional chaining, nil coalescing.
        "user.Name == user[\"Name\"]", "array[0] == 1", "array[-1] == 5",
        "\"John\" in [\"John\", \"Jane\"]", "\"name\" in {\"name\": \"John\", \"age\": 30}",
        "author.User?.Name == nil", "(author.User?.Name ?? \"Anonymous\") == \"Anonymous\"",
        // Slices and ranges.
        "array[1:4] == [2, 3, 4]", "array[1:-1] == [2, 3, 4]", "array[:3] == [1, 2, 3]", "array[3:] == [4, 5]",
        "array[:] == array", "1..3 == [1, 2, 3]",
        // Pipes and let.
        "(user.Name | lower() | split(\" \")) == split(lower(user.Name), \" \")",
        "(let x = 42; x * 2) == 84", "(let x = 42;\nlet y = 2;\nx * y) == 84",
        "(let name = user.Name | lower() | split(\" \");\n\"Hello, \" + name[0] + \"!\") == \"Hello, john!\"",
        // $env.
        "user.Name == $env[\"user\"].Name", "$env[\"var with spaces\"] == 7", "'user' in $env", "!('nobody' in $env)",
        // Predicates, with and without braces and `#`.
        "filter(0..9, {# % 2 == 0}) == [0, 2, 4, 6, 8]", "len(filter(tweets, {len(.Content) > 240})) == 1",
        "len(filter(tweets, len(.Content) > 240)) == 1",
        // String functions.
        "trim(\"  Hello  \") == \"Hello\"", "trim(\"__Hello__\", \"_\") == \"Hello\"",
        "trimPrefix(\"HelloWorld\", \"Hello\") == \"World\"", "trimSuffix(\"HelloWorld\", \"World\") == \"Hello\"",
        "upper(\"hello\") == \"HELLO\"", "lower(\"HELLO\") == \"hello\"",
        "split(\"apple,orange,grape\", \",\") == [\"apple\", \"orange\", \"grape\"]",
        "split(\"apple,orange,grape\", \",\", 2) == [\"apple\", \"orange,grape\"]",
        "splitAfter(\"apple,orange,grape\", \",\") == [\"apple,\", \"orange,\", \"grape\"]",
        "splitAfter(\"apple,orange,grape\", \",\", 2) == [\"apple,\", \"orange,grape\"]",
        "replace(\"Hello World\", \"World\", \"Universe\") == \"Hello Universe\"", "repeat(\"Hi\", 3) == \"HiHiHi\"",
        "indexOf(\"apple pie\", \"pie\") == 6", "lastIndexOf(\"apple pie apple\", \"apple\") == 10",
        "hasPrefix(\"HelloWorld\", \"Hello\") == true", "hasSuffix(\"HelloWorld\", \"World\") == true",
        // Number functions.
        "max(5, 7) == 7", "min(5, 7) == 5", "abs(-5) == 5", "ceil(1.5) == 2.0", "floor(1.5) == 1.0", "round(1.5) == 2.0",
        "round(-1.5) == -2.0",
        // Array functions.
        "all(tweets, {.Size < 280}) == false", "any(tweets, {.Size > 280})", "one(participants, {.Winner})",
        "none(tweets, {.Size > 1000})", "map(tweets, {.Size}) == [300, 5]",
        "map(filter(users, .Name startsWith \"J\"), .Name) == [\"Jim\", \"Joe\"]",
        "find([1, 2, 3, 4], # > 2) == 3", "findIndex([1, 2, 3, 4], # > 2) == 2", "findLast([1, 2, 3, 4], # > 2) == 4",
        "findLastIndex([1, 2, 3, 4], # > 2) == 3", "len(groupBy(users, .Age)[\"40\"]) == 2",
        "count(users, .Age > 30) == len(filter(users, .Age > 30))",
        "join([\"apple\", \"orange\", \"grape\"], \",\") == \"apple,orange,grape\"",
        "join([\"apple\", \"orange\", \"grape\"]) == \"appleorangegrape\"",
        "reduce(1..9, #acc + #) == 45", "reduce(1..9, #acc + #, 0) == 45", "reduce([5, 6], #acc + #index, 100) == 101",
        "map([7, 8], #index) == [0, 1]",
        "flatten([1, 2, [3, 4]]) == [1, 2, 3, 4]", "flatten([[1, [2]], [], 3]) == [1, 2, 3]",
        "uniq([1, 2, 3, 2, 1]) == [1, 2, 3]", "uniq([]) == []",
                "sum([1, 2, 3]) == 6", "mean([1, 2, 3]) == 2.0", "median([1, 2, 3]) == 2.0", "median([1, 2, 3, 4]) == 2.5",
        "first([1, 2, 3]) == 1", "last([1, 2, 3]) == 3", "first([]) == nil", "take([1, 2, 3, 4], 2) == [1, 2]",
        "sort([3, 1, 4]) == [1, 3, 4]", "sort([3, 1, 4], \"desc\") == [4, 3, 1]",
        "map(sortBy(users, \"Age\"), .Name) == [\"Ann\", \"Jim\", \"Joe\"]",
        "map(sortBy(users, \"Age\", \"desc\"), .Name) == [\"Jim\", \"Joe\", \"Ann\"]",
        "map(sortBy(users, .Age), .Name) == [\"Ann\", \"Jim\", \"Joe\"]",
        // Map functions (keys in sorted order: Go's map order is unspecified).
        "sort(keys({\"name\": \"John\", \"age\": 30})) == [\"age\", \"name\"]",
        "len(values({\"name\": \"John\", \"age\": 30})) == 2",
        // Type conversion.
        "type(42) == \"int\"", "type(\"hello\") == \"string\"", "int(\"123\") == 123", "float(\"123.45\") == 123.45",
        "string(123) == \"123\"", "toJSON({\"name\": \"John\", \"age\": 30}) == '{\"age\":30,\"name\":\"John\"}'",
        "fromJSON('{\"name\": \"John\", \"age\": 30}').age == 30",
        "toBase64(\"Hello World\") == \"SGVsbG8gV29ybGQ=\"", "fromBase64(\"SGVsbG8gV29ybGQ=\") == \"Hello World\"",
        "toPairs({\"name\": \"John\", \"age\": 30}) == [[\"age\", 30], [\"name\", \"John\"]]",
        "fromPairs([[\"name\", \"John\"], [\"age\", 30]]) == {\"name\": \"John\", \"age\": 30}",
        // Miscellaneous.
        "len([1, 2, 3]) == 3", "len({\"name\": \"John\", \"age\": 30}) == 2", "len(\"Hello\") == 5",
        "get([1, 2, 3], 1) == 2", "get({\"name\": \"John\", \"age\": 30}, \"name\") == \"John\"",
        "get([1, 2, 3], 9) == nil", "get({}, \"x\") == nil",
        // Bitwise.
        "bitand(0b1010, 0b1100) == 0b1000", "bitor(0b1010, 0b1100) == 0b1110", "bitxor(0b1010, 0b1100) == 0b110",
        "bitnand(0b1010, 0b1100) == 0b10", "bitnot(0b1010) == -0b1011", "bitshl(0b101101, 2) == 0b10110100",
        "bitshr(0b101101, 2) == 0b1011", "bitushr(-0b101, 2) == 4611686018427387902",
        // Pipes into predicates and sprig.
        "([1, 2, 3, 4] | filter(# > 2) | map(# * 10)) == [30, 40]", "('a-b' | sprig.upper()) == 'A-B'",
    ])
    func documentedEqualityHolds(_ source: String) throws {
        #expect(try Self.value(source) == .bool(true), "\(source)")
    }

    @Test func letBindingsShadowVariablesAndStayLocal() throws {
        #expect(try Self.value("let user = 1; user + 1") == .int(2))
        #expect(try Self.value("(let a = 2; a * a) + len(user.Name)") == .int(14))
        #expect(try Self.value("let xs = [1, 2]; let ys = map(xs, # + len(xs)); ys") == .list([.int(3), .int(4)]))
    }

    @Test(arguments: [
        ("let x = 1 x", "';'"),
        ("let x = ; 1", "unexpected ';'"),
        ("let x = 1;", "expected an expression after 'let x = ...;'"),
        ("x = 1", "use '==' to compare"),
        ("[1] | 2", "expected a function call after '|'"),
        ("[1] | len", "expected '(' after 'len'"),
        ("#acc + 1", "'#acc' is only valid inside"),
        ("reduce([], #acc + #)", "reduce of an empty array needs an initial value"),
        ("sort([1], 'up')", "the order must be \"asc\" or \"desc\""),
        ("/* open", "unterminated comment"),
    ])
    func mistakesAreNamed(_ source: String, _ expected: String) {
        let message: String
        do {
            _ = try Self.value(source)
            message = "no error"
        } catch {
            message = error.description + " " + (error.fix ?? "")
        }
        #expect(message.contains(expected), "\(source): \(message)")
    }

    @Test func govaluateStillRejectsExprOnlySyntax() {
        for source in ["a | b", "1; 2"] {
            #expect(throws: ExpressionError.self, "\(source)") {
                _ = try Expression.parse(source, dialect: .govaluate).evaluate(in: Self.env)
            }
        }
    }
}
