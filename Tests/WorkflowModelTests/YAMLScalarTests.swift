import Testing
@testable import WorkflowModel

@Suite struct YAMLScalarTests {
    /// The loader reads plain scalars from libyaml's bytes with shortcuts for words and
    /// decimal integers; every answer must be the one `resolvePlain` gives for the text.
    @Test func shortcutsOnBytesAgreeWithTheTextRules() {
        let alphabet = Array("019-+._eExobanftyYNO~Iin :".utf8)
        var texts: [[UInt8]] = [[]]
        var frontier: [[UInt8]] = [[]]
        for _ in 0..<3 {
            frontier = frontier.flatMap { t in alphabet.map { t + [$0] } }
            texts += frontier
        }
        var rng = SplitMix(seed: 11)
        for _ in 0..<20_000 {
            let n = Int(rng.next() % 12) + 4
            texts.append((0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        }
        for word in ["123456789012345678", "1234567890123456789", "-123456789012345678", "99999999999999999999", "0x1F", "0o17",
                     "0b101", "1_000", "+.inf", "-.Inf", ".NaN", "100m", "64Mi", "-c", "--5", "-+5", "+", "-", "é", "1é", "-é",
                     "0\u{301}", "-\u{301}5", "２", "true", "Off", "nULL", "2024-01-01", "1e3", "1E+3", "3.20", "1.2.3"] {
            texts.append(Array(word.utf8))
        }
        for t in texts {
            let fromBytes = t.withUnsafeBufferPointer { YAMLScalar.resolvePlain($0) }
            let text = String(decoding: t, as: UTF8.self)
            let fromText = YAMLScalar.resolvePlain(text)
            // .nan is never equal to itself; compare kinds and text for it.
            let same = fromBytes == fromText || (fromBytes.kindName == "number" && fromText.kindName == "number"
                && fromBytes.scalarText == fromText.scalarText)
            #expect(same, "'\(text)': from bytes \(fromBytes), from text \(fromText)")
        }
    }
}
