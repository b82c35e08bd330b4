import Foundation
import Testing
import SkeinTestSupport

@Suite final class EmissaryTests {
    let emissary: String
    let dir: String

    init() throws {
        emissary = try Binaries.path("skein-emissary")
        dir = try TemporaryDirectory.make(prefix: "emissary")
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    @Test func recordsExitCodeStdoutAndLog() throws {
        let r = try Command.run(emissary, ["--control", "\(dir)/c", "--", "sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(r.status == 3)
        #expect(r.stdout == "out\n")
        #expect(r.stderr == "err\n")
        #expect(read("\(dir)/c/exitcode") == "3\n")
        #expect(read("\(dir)/c/stdout") == "out\n")
        #expect(read("\(dir)/c/log")?.contains("err") == true)
    }

    @Test func copiesDeclaredOutputsFilesAndDirectories() throws {
        let script = "echo -n v > \(dir)/p.txt; mkdir -p \(dir)/d/sub; echo x > \(dir)/d/sub/f; ln -s f \(dir)/d/sub/link"
        let r = try Command.run(emissary, ["--control", "\(dir)/c", "--output", "\(dir)/p.txt", "--output", "\(dir)/missing",
                                           "--output", "\(dir)/d", "--", "sh", "-c", script])
        #expect(r.status == 0)
        #expect(read("\(dir)/c/outputs/0") == "v")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/c/outputs/1"))
        #expect(read("\(dir)/c/outputs/2/sub/f") == "x\n")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(dir)/c/outputs/2/sub/link")) == "f")
    }

    @Test func missingAndNonExecutableCommands() throws {
        let r = try Command.run(emissary, ["--control", "\(dir)/c", "--", "no-such-command-xyz"])
        #expect(r.status == 127)
        #expect(r.stderr.contains("no-such-command-xyz: command not found"))
        #expect(read("\(dir)/c/exitcode") == "127\n")
        #expect(read("\(dir)/c/message") == #"exec: "no-such-command-xyz": executable file not found in $PATH"#)
        try "echo hi".write(toFile: "\(dir)/noexec", atomically: true, encoding: .utf8)
        let r2 = try Command.run(emissary, ["--control", "\(dir)/c2", "--", "\(dir)/noexec"])
        #expect(r2.status == 126)
        #expect(read("\(dir)/c2/message") == #"exec: "\#(dir)/noexec": permission denied"#)
    }

    @Test func badArgumentsAreExplained() throws {
        let r = try Command.run(emissary, ["--control", "\(dir)/c"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("no command given"))
        let r2 = try Command.run(emissary, ["--bogus"])
        #expect(r2.stderr.contains("unknown argument '--bogus'"))
    }

    @Test func forwardsSignalsToTheCommand() throws {
        let p = try ChildProcess(emissary, ["--control", "\(dir)/c", "--", "sh", "-c",
                                            "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done"])
        var waited = 0
        while read("\(dir)/c/stdout")?.contains("ready") != true && waited < 200 {
            usleep(20_000)
            waited += 1
        }
        kill(p.processIdentifier, SIGTERM)  // to the emissary alone: it must pass it on
        var rounds = 0
        while p.isRunning && rounds < 500 {
            usleep(20_000)
            rounds += 1
        }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        #expect(p.terminationStatus == 7)
        #expect(read("\(dir)/c/stdout")?.contains("got-term") == true)
        #expect(read("\(dir)/c/exitcode") == "7\n")
    }

    @Test func aCommandKilledBySignalExitsWith128PlusN() throws {
        let r = try Command.run(emissary, ["--control", "\(dir)/c", "--", "sh", "-c", "kill -KILL $$"])
        #expect(r.status == 137)
        #expect(read("\(dir)/c/exitcode") == "137\n")
    }

    @Test func isStaticAndFreeOfFoundation() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: emissary))
        // A dynamically linked ELF has a PT_INTERP program header naming its loader.
        let bytes = [UInt8](data)
        func u(_ off: Int, _ n: Int) -> Int { (0..<n).reduce(0) { $0 | Int(bytes[off + $1]) << (8 * $1) } }
        try #require(bytes.count > 64 && bytes[0...3] == [0x7f, 0x45, 0x4c, 0x46] && bytes[4] == 2)
        let phoff = u(0x20, 8), phentsize = u(0x36, 2), phnum = u(0x38, 2)
        let types = (0..<phnum).map { u(phoff + $0 * phentsize, 4) }
        #expect(!types.isEmpty)
        #expect(!types.contains(3), "skein-emissary must be statically linked")
        #expect(data.range(of: Data("FoundationEssentials".utf8)) == nil)
    }
}
