import KubeAPI
import SkeinJSON
import Testing

/// The byte-level JSON parser against Foundation's on the same texts.
@Suite struct UTF8JSONTests {
    @Test(arguments: [
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"},"f":-2.5,"g":1e3,"h":""}"#,
        #"  [ 1 , 2 ,[ ], { } ]  "#,
        #""esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00 end""#,
        #"{"metadata":{"name":"x","labels":{"a.b/c":"d"},"resourceVersion":"12"},"n":9007199254740993}"#,
        #"0"#, #"-0.0"#, #"123456789012"#, #""plain ünïcödé ✓""#,
    ])
    func sameValueAsFoundation(_ text: String) throws {
        let fast = try JSONValue.parseJSON(utf8: Array(text.utf8))
        let slow = try JSONValue.parseJSON(text)
        #expect(fast == slow || text.contains("9007199254740993") || text == "-0.0")
        // What the writer prints reads back as the same text.
        #expect(try JSONValue.parseJSON(utf8: Array(fast.compactJSON.utf8)).compactJSON == fast.compactJSON)
    }

    @Test func largeIntegersStayExact() throws {
        #expect(try JSONValue.parseJSON(utf8: Array("9007199254740993".utf8)) == .int(9007199254740993))
        #expect(try JSONValue.parseJSON(utf8: Array("1.5".utf8)) == .double(1.5))
        #expect(try JSONValue.parseJSON(utf8: Array("1e3".utf8)) == .double(1000))
    }

    @Test(arguments: [#"{"a":}"#, #"[1,]"#, #"{"a" 1}"#, #""open"#, #"tru"#, #"{} x"#, "\"tab\there\"", #""\x""#, ""])
    func rejectsBrokenText(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parseJSON(utf8: Array(text.utf8)) }
    }

    @Test func watchLinesDecode() throws {
        let e = try WatchEvent(line: Array(#"{"type":"ADDED","object":{"metadata":{"name":"a"}}}"#.utf8))
        #expect(e.type == .added && e.object.name == "a")
        #expect(throws: KubeError.self) { try WatchEvent(line: Array("{not json".utf8)) }
    }
}
