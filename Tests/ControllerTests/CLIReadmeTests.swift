import Controller
import Foundation
import SkeinTestSupport
import Testing

/// README.md's CLI walkthrough, run line by line as a user would type it (through sh, from
/// the package root, with `skein` on PATH) against KubeSim with the controller running.
extension CLITests {
@Suite struct CLIReadmeTests {
    static func walkthrough() throws -> [String] {
        let readme = try String(contentsOfFile: Binaries.packageRoot + "/README.md", encoding: .utf8)
        guard let marker = readme.range(of: "<!-- cli-walkthrough"),
              let open = readme.range(of: "```sh\n", range: marker.upperBound..<readme.endIndex),
              let close = readme.range(of: "```", range: open.upperBound..<readme.endIndex) else { return [] }
        return readme[open.upperBound..<close.lowerBound].split(separator: "\n").map(String.init)
    }

    @Test func everyLineOfTheWalkthroughRunsWithTheExitCodeItStates() async throws {
        let lines = try Self.walkthrough().filter { $0.hasPrefix("skein ") }
        #expect(lines.count >= 20, "the README's walkthrough is missing")
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        var env = cli.environment
        env["PATH"] = (try Binaries.path("skein") as NSString).deletingLastPathComponent + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        let environment = env
        var outputs: [String: String] = [:]
        for line in lines {
            let expected: Int32 = line.contains("exits 1") ? 1 : 0
            let r = try await SimCluster.offPool {
                try Command.run("/bin/sh", ["-c", line], environment: environment, currentDirectory: Binaries.packageRoot, timeout: 90)
            }
            #expect(r.status == expected, "\(line)\n\(r.stdout)\(r.stderr)")
            outputs[line] = r.stdout
        }
        // What the comments promise.
        let hello = try #require(outputs.first { $0.key.hasPrefix("skein logs hello") }?.value)
        #expect(hello == "hello: hello, world\n")
        let dag = try #require(outputs.first { $0.key.hasPrefix("skein submit examples/dag-diamond.yaml") }?.value)
        #expect(dag.split(separator: "\n").last?.hasSuffix(" Succeeded") == true, "\(dag)")
        let list = try #require(outputs.first { $0.key.hasPrefix("skein list  ") || $0.key == "skein list" || $0.key.hasPrefix("skein list   ") }?.value)
        #expect(columns(list).first == ["NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE"], "\(list)")
        #expect(outputs.first { $0.key.hasPrefix("skein submit --from") }?.value.contains(" Succeeded") == true)
    }
}
}
