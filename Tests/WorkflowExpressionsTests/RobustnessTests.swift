import Testing
@testable import WorkflowExpressions

/// A tiny deterministic generator so the fuzz cases are reproducible.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct RobustnessTests {
    static let fragments = [
        "1", "0", "-", "+", "*", "/", "%", "**", "(", ")", "[", "]", "{", "}", ",", ":", "?", "??", "?.", ".",
        "'s'", "\"", "'", "==", "!=", "<", ">=", "&&", "||", "!", "not", "in", "matches", "contains", "#",
        "nums", "item", "x", "inputs.parameters.x", "filter(", "map(", "len(", "asInt(", "sprig.add(", "9223372036854775807",
        "2.5", "nil", "true", " ", "=~", "1..3", "jsonpath(", "'$.a'", "`", "\\", "é", "=",
    ]

    @Test(arguments: [ExpressionDialect.expr, .govaluate])
    func randomInputsNeverCrash(dialect: ExpressionDialect) {
        var rng = SplitMix(state: dialect == .expr ? 1 : 2)
        var parsed = 0
        var failedWithOffset = 0
        for _ in 0..<4000 {
            let count = Int.random(in: 1...9, using: &rng)
            let source = (0..<count).map { _ in Self.fragments.randomElement(using: &rng) ?? "" }.joined()
            do {
                let e = try Expression.parse(source, dialect: dialect)
                parsed += 1
                _ = try? e.evaluate(in: sampleEnv)
            } catch {
                // Every parse error points inside (or just past) the source.
                if let o = error.offset, o >= 0, o <= source.count { failedWithOffset += 1 }
                #expect(error.source == source)
            }
        }
        #expect(parsed > 100)
        #expect(failedWithOffset == 4000 - parsed)
    }

    @Test func randomDependsNeverCrash() {
        var rng = SplitMix(state: 3)
        let pieces = ["a", "b-1", ".Succeeded", ".Failed", ".Nope", "&&", "||", "!", "(", ")", " ", ".", "&", "|"]
        var parsed = 0
        for _ in 0..<3000 {
            let source = (0..<Int.random(in: 1...8, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            if let e = try? DependsExpression.parse(source) {
                parsed += 1
                _ = e.evaluate { _ in TaskOutcome(phase: .failed, daemoned: false, childPhases: []) }
                #expect(e.taskNames.allSatisfy { !$0.isEmpty })
            }
        }
        #expect(parsed > 50)
    }
}
