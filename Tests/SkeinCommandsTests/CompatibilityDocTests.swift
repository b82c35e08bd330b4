import Foundation
import Testing
import SkeinTestSupport

/// docs/argo-compatibility.md names a test for every "works": each one it names must exist,
/// so the table cannot point at a test that was renamed or removed.
@Suite struct CompatibilityDocTests {
    static let root = Binaries.packageRoot

    /// Every Swift source under Tests/, concatenated.
    static func testSources() throws -> String {
        let fm = FileManager.default
        var text = ""
        let base = root + "/Tests"
        for path in (fm.enumerator(atPath: base)?.allObjects as? [String] ?? []) where path.hasSuffix(".swift") {
            text += try String(contentsOfFile: "\(base)/\(path)", encoding: .utf8) + "\n"
        }
        return text
    }

    @Test func everyTestTheTableNamesExists() throws {
        let doc = try String(contentsOfFile: Self.root + "/docs/argo-compatibility.md", encoding: .utf8)
        let sources = try Self.testSources()
        let pattern = try Regex(#"`([A-Z][A-Za-z0-9]*Tests)(?:\.([a-z][A-Za-z0-9]*))?`"#)
        var checked = 0
        for match in doc.matches(of: pattern) {
            guard let suite = match.output[1].substring.map(String.init) else { continue }
            #expect(sources.contains("struct \(suite)"), "docs/argo-compatibility.md names \(suite), which no test defines")
            if let test = match.output[2].substring.map(String.init) {
                #expect(sources.contains("func \(test)("), "docs/argo-compatibility.md names \(suite).\(test), which does not exist")
            }
            checked += 1
        }
        #expect(checked > 100, "the table should name its tests (\(checked) found)")
    }

    @Test func everyExampleFileTheTableNamesExists() throws {
        let doc = try String(contentsOfFile: Self.root + "/docs/argo-compatibility.md", encoding: .utf8)
        let examples = Set((try FileManager.default.contentsOfDirectory(atPath: Self.root + "/examples")))
        let argo = ArgoExamples.available ? Set(ArgoExamples.files) : nil
        for match in doc.matches(of: try Regex(#"`([a-z0-9-]+(?:/[a-z0-9-]+)?\.yaml)`"#)) {
            guard let name = match.output[1].substring.map(String.init) else { continue }
            let known = examples.contains(name) || (argo?.contains(name) ?? true)
            #expect(known, "docs/argo-compatibility.md names \(name), which is neither in examples/ nor among Argo's examples")
        }
    }
}
