import SkeinJSON
import Testing
import WorkflowExpressions

/// JSON text matches Go's encoding/json, which is what Argo prints for `toJson` and outputs.
@Suite struct JSONTextTests {
    @Test(arguments: [
        ("plain", #""plain""#), ("quote \" and \\", #""quote \" and \\""#), ("a\nb\tc", #""a\nb\tc""#),
        ("<a&b>", #""\u003ca\u0026b\u003e""#), ("\u{01}\u{1F}", #""\u0001\u001f""#), ("é ✓", "\"é ✓\""),
        ("line\u{2028}sep", #""line\u2028sep""#),
    ])
    func quotesLikeGo(_ text: String, _ json: String) throws {
        var out = ""
        JSONText.quote(text, into: &out)
        #expect(out == json)
        let viaExpression = try Expression.parse("toJson(s)", dialect: .expr).evaluate(in: ExprEnvironment(flat: ["s": .string(text)]))
        #expect(viaExpression == .string(json))
    }
}
