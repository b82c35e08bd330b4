import Foundation
public import Sandbox

/// A child process for tests, started through the Sandbox's own fork/exec rather than
/// Foundation's `Process`: `Process.run()` on Linux (Swift 6.3.1) now and then crashes
/// reading `/proc/self/fd` (a 256-byte over-read of a dirent, swift-corelibs-foundation
/// PR 5472), and the test suite starts thousands of processes. Signals the test process
/// ignores or blocks are reset in the child.
public final class ChildProcess: Sendable {
    public let process: SandboxProcess

    /// Starts `executable` (absolute, or looked up on PATH) with `arguments`; standard input
    /// from the file `stdin` (default /dev/null), output to `stdout` and `stderr`.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                currentDirectory: String? = nil, stdin: String? = "/dev/null",
                stdout: OutputTarget = .discard, stderr: OutputTarget = .discard) throws {
        let spec = SandboxSpec(executable: executable, arguments: arguments,
                               environment: environment ?? ProcessInfo.processInfo.environment,
                               workingDirectory: currentDirectory, privateTmp: nil, binds: [], stdout: stdout, stderr: stderr,
                               isolate: false, stdin: stdin)
        process = try Sandbox.spawn(spec)
    }

    public var processIdentifier: Int32 { process.pid }
    public var isRunning: Bool { process.exitStatus == nil }

    /// The exit code, or the signal that ended it (as `Process` reports them); -1 while running.
    public var terminationStatus: Int32 {
        switch process.exitStatus {
        case .exited(let code): return code
        case .signaled(let sig): return sig
        case nil: return -1
        }
    }

    /// SIGTERM (to its process group).
    public func terminate() { process.signal(SIGTERM) }
    public func interrupt() { process.signal(SIGINT) }

    /// Blocks until it has ended (off the cooperative pool, or briefly).
    public func waitUntilExit() {
        while isRunning { usleep(2_000) }
    }
}
