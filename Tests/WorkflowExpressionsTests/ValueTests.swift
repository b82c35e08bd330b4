import SkeinJSON
import Testing
@testable import WorkflowExpressions

@Suite struct ValueTests {
    @Test(arguments: [
        (ExprValue.string("abc"), "abc"),
        (.int(-42), "-42"),
        (.double(1.5), "1.5"),
        (.double(2.0), "2"),
        (.double(1e21), "1e+21"),
        (.double(1e20), "100000000000000000000"),
        (.double(0.000001), "0.000001"),
        (.double(1e-7), "1e-7"),
        (.double(-0.25), "-0.25"),
        (.double(123456789.125), "123456789.125"),
        (.bool(true), "true"),
        (.bool(false), "false"),
        (.null, "null"),
        (.list([.int(1), .string("a")]), #"[1,"a"]"#),
        (.map(["b": .int(1), "a": .null]), #"{"a":null,"b":1}"#),
    ])
    func text(value: ExprValue, expected: String) {
        #expect(value.text == expected)
    }

    @Test func truthiness() {
        #expect(ExprValue.bool(true).isTruthy)
        #expect(!ExprValue.bool(false).isTruthy)
        #expect(!ExprValue.string("true").isTruthy)
        #expect(!ExprValue.int(1).isTruthy)
        #expect(!ExprValue.null.isTruthy)
    }

    @Test func jsonEscapesStrings() {
        let v = ExprValue.string("a\"b\\c\nd\u{01}é")
        #expect(v.jsonText == #""a\"b\\c\nd\u0001é""#)
        #expect(ExprValue.fromJSONText(v.jsonText) == v)
    }

    @Test(arguments: [
        #"{"a":[1,2.5,"x",true,false,null],"b":{"c":-3}}"#,
        #"[]"#,
        #"{}"#,
        #""\u00e9\ud83d\ude00""#,
        #"[-0.5,9007199254740993,1.25e-9]"#,
    ])
    func jsonRoundTrip(text: String) throws {
        let v = try #require(ExprValue.fromJSONText(text))
        let again = try #require(ExprValue.fromJSONText(v.jsonText))
        #expect(again == v)
    }

    @Test func wholeDoublesBecomeIntsAfterRoundTrip() throws {
        // 1e3 is a double, but its JSON text is "1000", which reads back as an int of the same value.
        let v = try #require(ExprValue.fromJSONText("[1e3]"))
        #expect(v == .list([.double(1000)]))
        #expect(v.jsonText == "[1000]")
        let again = try #require(ExprValue.fromJSONText(v.jsonText))
        #expect(again.looselyEquals(v))
    }

    @Test func jsonNumberKinds() {
        #expect(ExprValue.fromJSONText("12") == .int(12))
        #expect(ExprValue.fromJSONText("12.0") == .double(12))
        #expect(ExprValue.fromJSONText("1e2") == .double(100))
        #expect(ExprValue.fromJSONText(" [ 1 , {\"k\" : \"v\"} ] ") == .list([.int(1), .map(["k": .string("v")])]))
        #expect(ExprValue.fromJSONText(#""\ud83d\ude00""#) == .string("😀"))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "\"abc", "[1] x", "{'a':1}", "-", "\"\\q\""])
    func invalidJSON(text: String) {
        #expect(ExprValue.fromJSONText(text) == nil)
    }
}
