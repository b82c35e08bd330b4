extension JSONValue {
    /// Parse JSON text (request bodies, `withParam` lists, loop results): the byte-level
    /// parser, so integers keep all 64 bits (Foundation's `JSONSerialization` turned
    /// 9223372036854775807 into a floating-point number) and nesting is bounded.
    public static func parseJSON(_ text: String) throws -> JSONValue {
        try parseJSON(utf8: Array(text.utf8))
    }
}
