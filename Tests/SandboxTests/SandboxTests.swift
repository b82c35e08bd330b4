import Foundation
import Testing
import Sandbox

func collect(_ s: AsyncStream<String>) async -> [String] {
    var out: [String] = []
    for await l in s { out.append(l) }
    return out
}

func tempDir() throws -> String {
    let p = FileManager.default.temporaryDirectory.path + "/sandbox-test-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
    return p
}

func spec(_ script: String, isolate: Bool = false, tmp: String? = nil, binds: [BindMount] = [],
          env: [String: String] = ["PATH": "/usr/bin:/bin"], cwd: String? = nil) -> SandboxSpec {
    SandboxSpec(executable: "/bin/sh", arguments: ["-c", script], environment: env, workingDirectory: cwd,
                privateTmp: tmp, binds: binds, stdout: .pipe, stderr: .pipe, isolate: isolate)
}

@Suite struct SandboxTests {
    @Test func runsAProcessAndSplitsItsOutputIntoLines() async throws {
        let p = try Sandbox.spawn(spec("echo one; printf 'two\\nthree'; echo err >&2; exit 4"))
        async let out = collect(p.stdoutLines())
        async let err = collect(p.stderrLines())
        #expect(await p.wait() == .exited(4))
        #expect(await out == ["one", "two", "three"])
        #expect(await err == ["err"])
        #expect(p.exitStatus == .exited(4))
    }

    @Test func environmentAndWorkingDirectoryAreApplied() async throws {
        let dir = try tempDir()
        let p = try Sandbox.spawn(spec("echo $GREETING; pwd", env: ["GREETING": "hi there", "PATH": "/bin"], cwd: dir))
        let out = await collect(p.stdoutLines())
        _ = await p.wait()
        #expect(out == ["hi there", dir])
    }

    // The signal goes out as soon as `spawn` returns (the shell has been exec'd by then),
    // never after a sleep: in full runs of the suite, CPU-bound tests can hold both
    // cooperative threads for 20-30 s, and a signal sent after `Task.sleep` then arrived
    // only once `sleep` had ended on its own.
    @Test func signalsReachTheProcess() async throws {
        let p = try Sandbox.spawn(spec("exec sleep 120"))
        p.signal(SIGTERM)
        #expect(await p.wait() == .signaled(SIGTERM))
    }

    @Test func stoppingAProcessStopsWhatItStartedToo() async throws {
        let p = try Sandbox.spawn(spec("sleep 30 & echo $!; wait"))
        var lines = p.stdoutLines().makeAsyncIterator()
        let background = try #require(await lines.next().flatMap { Int32($0) })
        p.signal(SIGTERM)
        _ = await p.wait()
        var gone = false
        for _ in 0..<200 {
            // The background sleep was in the step's process group: it gets SIGTERM as well.
            let state = (try? String(contentsOfFile: "/proc/\(background)/stat", encoding: .utf8))?
                .split(separator: ")").last?.split(separator: " ").first
            if kill(background, 0) != 0 || state == "Z" { gone = true; break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(gone, "pid \(background) should have been stopped with its parent")
    }

    @Test func ignoredSignalsOfTheParentDoNotLeakIntoTheChild() async throws {
        let old = signal(SIGUSR2, SIG_IGN)
        let p = try Sandbox.spawn(spec("exec sleep 120"))
        signal(SIGUSR2, old)
        p.signal(SIGUSR2)
        #expect(await p.wait() == .signaled(SIGUSR2))
    }

    @Test func aMissingExecutableIsAClearError() {
        var s = spec("true")
        s.executable = "/nonexistent/tool"
        #expect {
            _ = try Sandbox.spawn(s)
        } throws: { e in
            "\(e)".contains("/nonexistent/tool") && "\(e)".contains("No such file")
        }
    }

    @Test func outputToFilesAndDiscard() async throws {
        let dir = try tempDir()
        var s = spec("echo to-file; echo gone >&2")
        s.stdout = .file("\(dir)/out.txt")
        s.stderr = .discard
        let p = try Sandbox.spawn(s)
        #expect(await p.wait() == .exited(0))
        #expect(try String(contentsOfFile: "\(dir)/out.txt", encoding: .utf8) == "to-file\n")
    }

    @Test(.enabled(if: Sandbox.namespacesAvailable, "needs mount namespaces (root or user namespaces)"))
    func isolatedRunsGetAPrivateTmpAndBindMounts() async throws {
        let dir = try tempDir()
        let tmp = "\(dir)/tmp"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        try "input data\n".write(toFile: "\(dir)/input.txt", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: "\(dir)/ro", withIntermediateDirectories: true)
        let marker = "skein-sandbox-\(UUID().uuidString.prefix(6))"
        let binds = [BindMount(source: "\(dir)/input.txt", target: "/tmp/inputs/in.txt", readOnly: false),
                     BindMount(source: "\(dir)/ro", target: "/tmp/readonly", readOnly: true)]
        let p = try Sandbox.spawn(spec("""
            echo private > /tmp/\(marker)
            cat /tmp/inputs/in.txt
            touch /tmp/readonly/x 2>/dev/null && echo writable || echo read-only
            """, isolate: true, tmp: tmp, binds: binds))
        let out = await collect(p.stdoutLines())
        #expect(await p.wait() == .exited(0))
        #expect(p.isolated)
        #expect(out == ["input data", "read-only"])
        // The write landed in the private tmp, not in the host's /tmp.
        #expect(FileManager.default.fileExists(atPath: "\(tmp)/\(marker)"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/\(marker)"))
    }
}
