import Foundation
import Testing
import SkeinTestSupport

/// On a terminal `skein run` redraws a live tree; `script` gives it a pseudo-terminal.
@Suite struct TerminalTests {
    static let hasScript = FileManager.default.isExecutableFile(atPath: "/usr/bin/script")

    @Test(.enabled(if: hasScript, "needs util-linux's script(1) for a pseudo-terminal"))
    func aTerminalGetsTheLiveTreeAndTheStepLogs() throws {
        let cli = try SkeinCLI()
        let log = cli.workDirectory + "/tty.out"
        let command = "\(cli.binary) run \(Binaries.packageRoot)/examples/dag-diamond.yaml"
        let r = try Command.run("/usr/bin/script", ["-q", "-e", "-c", command, log], environment: cli.environment,
                                currentDirectory: cli.workDirectory)
        #expect(r.status == 0)
        let out = try String(contentsOfFile: log, encoding: .utf8)
        #expect(out.contains("STEP"))
        #expect(out.contains("TEMPLATE"))
        #expect(out.contains("\u{1B}[J"), "the tree is redrawn in place")
        let plain = out.replacingOccurrences(of: "\u{1B}\\[[0-9;]*[A-Za-z]", with: "", options: .regularExpression)
        #expect(plain.contains("D: 12"), "step logs are printed above the tree")
        #expect(out.contains("Workflow dag-diamond-") && out.contains("Succeeded"))
    }
}
