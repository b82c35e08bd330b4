import Foundation
import SkeinTestSupport
import Testing

/// Input that once crashed or hung `skein lint` and `skein run` (issue 18): each now gives a
/// located error, promptly. The limits: 512 levels of nesting, aliases standing for at most
/// 1,000,000 nodes, durations of at most 2562047h.
@Suite struct BadInputTests {
    static func deeplyNested(_ levels: Int) -> String {
        workflowYAML("- name: main\n  container: {image: alpine, command: [echo]}")
            + "\n  podMetadata: {annotations: {deep: \"x\"}}\n"
            + "  arguments:\n    parameters:\n    - name: deep\n      value: " + String(repeating: "[", count: levels) + String(repeating: "]", count: levels) + "\n"
    }

    @Test func nestingOf100000LevelsIsALocatedError() throws {
        let cli = try SkeinCLI()
        let f = try cli.write("deep.yaml", Self.deeplyNested(100_000))
        let lint = try cli.run(["lint", f], timeout: 60)
        #expect(lint.status == 1, "\(lint.stderr)")
        #expect((lint.stdout + lint.stderr).contains("deep.yaml:15:"), "\(lint.stdout)\(lint.stderr)")
        #expect((lint.stdout + lint.stderr).contains("nested more than 512 levels"))
        let run = try cli.run(["run", f], timeout: 60)
        #expect(run.status == 2)
        #expect(run.stderr.contains("nested more than 512 levels"), "\(run.stderr)")
        // Just under the limit is fine.
        let ok = try cli.write("ok.yaml", Self.deeplyNested(400))
        #expect(try cli.run(["lint", ok], timeout: 60).status == 0)
    }

    /// "Billion laughs": nine levels of ten aliases each, a few hundred bytes standing for 10^9 nodes.
    @Test func anAliasBombIsALocatedError() throws {
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 { bomb += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let text = workflowYAML("- name: main\n  container: {image: alpine, command: [echo]}")
            + "\n  arguments:\n    parameters:\n    - name: bomb\n      value:\n"
            + bomb.split(separator: "\n").map { "        " + $0 }.joined(separator: "\n") + "\n"
        let cli = try SkeinCLI()
        let f = try cli.write("bomb.yaml", text)
        let started = Date()
        let lint = try cli.run(["lint", f], timeout: 60)
        #expect(lint.status == 1)
        #expect((lint.stdout + lint.stderr).contains("stand for more than 1000000 nodes"), "\(lint.stdout)\(lint.stderr)")
        #expect((lint.stdout + lint.stderr).contains("bomb.yaml:"))
        let run = try cli.run(["run", f], timeout: 60)
        #expect(run.status == 2)
        #expect(Date().timeIntervalSince(started) < 60)
    }

    @Test func aDurationOf1e300IsALocatedErrorOrAnErroredStep() throws {
        let cli = try SkeinCLI()
        let literal = try cli.write("huge.yaml", workflowYAML("""
        - name: main
          retryStrategy: {limit: 2, backoff: {duration: "1e300", factor: 2}}
          container: {image: alpine, command: ["false"]}
        """))
        let lint = try cli.run(["lint", literal])
        #expect(lint.status == 1)
        #expect((lint.stdout + lint.stderr).contains("huge.yaml:10:"), "\(lint.stdout)\(lint.stderr)")
        #expect((lint.stdout + lint.stderr).contains("backoff.duration '1e300' is out of range"))
        #expect(try cli.run(["run", literal]).status == 2)
        // Known only at run time: the step errors with the message, and the run ends.
        let param = try cli.write("param.yaml", workflowYAML("""
        - name: main
          retryStrategy: {limit: 2, backoff: {duration: "{{workflow.parameters.d}}"}}
          container: {image: alpine, command: ["false"]}
        """, spec: "  arguments: {parameters: [{name: d, value: 1s}]}"))
        let r = try cli.run(["run", param, "-p", "d=1e300"], timeout: 60)
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect((r.stdout + r.stderr).contains("'1e300' is out of range"), "\(r.stdout)\(r.stderr)")
    }

    @Test func bytesThatAreNotUTF8AreNamedByOffsetLineAndColumn() throws {
        let cli = try SkeinCLI()
        let path = cli.workDirectory + "/latin1.yaml"
        var bytes = Array(workflowYAML("- name: main\n  container: {image: alpine, command: [echo, \"caf_\"]}").utf8)
        let at = try #require(bytes.firstIndex(of: UInt8(ascii: "_")))
        bytes[at] = 0xE9   // é in Latin-1
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let line = bytes[..<at].filter { $0 == 10 }.count + 1
        let column = at - (bytes[..<at].lastIndex(of: 10) ?? -1)
        for command in ["lint", "run"] {
            let r = try cli.run([command, path])
            #expect(r.status == (command == "lint" ? 1 : 2))
            let out = r.stdout + r.stderr
            #expect(out.contains("latin1.yaml:\(line):\(column):"), "\(command): \(out)")
            #expect(out.contains("byte \(at) (0xE9) is not UTF-8"), "\(command): \(out)")
        }
    }

    /// A step that ignores SIGTERM: the run still ends promptly (its steps get SIGKILL), and
    /// a second SIGTERM ends it at once.
    @Test func sigtermEndsARunPromptlyAndASecondOneAtOnce() throws {
        let cli = try SkeinCLI()
        let marker = cli.workDirectory + "/started"
        let f = try cli.write("stubborn.yaml", workflowYAML("""
        - name: main
          container: {image: alpine, command: [sh, -c, "trap '' TERM; touch \(marker); sleep 60"]}
        """))
        var started = Date()
        let r = try cli.run(["run", f], timeout: 40) { p in
            waitForFile(marker)
            started = Date()
            kill(p.processIdentifier, SIGTERM)
        }
        #expect(r.status == 1)
        #expect(Date().timeIntervalSince(started) < 15, "the run took \(Date().timeIntervalSince(started)) s to stop")
        try? FileManager.default.removeItem(atPath: marker)
        var second = Date()
        let r2 = try cli.run(["run", f], timeout: 40) { p in
            waitForFile(marker)
            kill(p.processIdentifier, SIGTERM)
            usleep(200_000)
            second = Date()
            kill(p.processIdentifier, SIGTERM)
        }
        #expect(r2.status == 128 + SIGTERM)
        #expect(Date().timeIntervalSince(second) < 3)
    }
}
