/// Unanchored regular-expression search (Go's `MatchString` semantics), using the standard library's Regex.
enum RegexMatch {
    static func matches(_ s: String, pattern: String, fail: Operators.Failure) throws(ExpressionError) -> Bool {
        let regex: Regex<AnyRegexOutput>
        do {
            regex = try Regex(pattern)
        } catch {
            throw fail("invalid regular expression '\(pattern)'", nil)
        }
        // Match per Unicode scalar, like Go's regexp matches runes.
        return (try? regex.matchingSemantics(.unicodeScalar).firstMatch(in: s)) != nil
    }
}
