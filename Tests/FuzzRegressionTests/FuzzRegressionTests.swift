import Foundation
import FuzzTargets
import SkeinTestSupport
import Testing

/// Every input that once crashed or hung a parser (kept under `Tests/FuzzRegressions/TARGET/`
/// by scripts/fuzz.sh, or written by hand from a bug report) goes through its target again:
/// the test passes when each returns.
@Suite struct FuzzRegressionTests {
    static let root = Binaries.packageRoot + "/Tests/FuzzRegressions"

    static var cases: [String] {
        let fm = FileManager.default
        return FuzzTargets.names.flatMap { target in
            ((try? fm.contentsOfDirectory(atPath: root + "/" + target)) ?? []).sorted().map { "\(target)/\($0)" }
        }
    }

    @Test func everyTargetHasRegressionInputs() {
        for target in FuzzTargets.names {
            #expect(Self.cases.contains { $0.hasPrefix(target + "/") }, "no regression inputs for \(target)")
        }
    }

    @Test(arguments: cases)
    func replay(_ path: String) throws {
        let target = try #require(FuzzTargets.all[String(path.prefix { $0 != "/" })])
        let data = try #require(FileManager.default.contents(atPath: Self.root + "/" + path))
        target([UInt8](data))
    }
}
