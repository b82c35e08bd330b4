import Foundation
import Glibc
import Sandbox

/// A real S3-compatible server for tests: moto's (`pip install 'moto[server]'`, which
/// `.ci/run` installs) on a free port of 127.0.0.1, started and stopped by the test. Without
/// moto the test fails with that fix, rather than passing untested.
public final class S3TestServer: Sendable {
    public let process: ChildProcess
    public let port: Int
    public var endpoint: String { "http://127.0.0.1:\(port)" }
    /// moto accepts any key pair unless IAM checks are on.
    public static let accessKey = "skein-test-access", secretKey = "skein-test-secret"

    static let script = """
    import signal, sys, threading
    # The test process blocks most signals and children inherit that mask: let SIGTERM through again.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as e:
        print("missing: " + str(e), flush=True)
        sys.exit(3)
    s = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    s.start()
    print(s.get_host_and_port()[1], flush=True)
    threading.Event().wait()
    """

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    public init() throws {
        guard let python = findExecutable("python3") else { throw Unavailable(description: "python3 is not installed: moto needs it") }
        let portFile = NSTemporaryDirectory() + "skein-moto-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).port"
        defer { unlink(portFile) }
        process = try ChildProcess(python, ["-c", Self.script], stdout: .file(portFile))
        var text = ""
        for _ in 0..<3000 where !text.contains("\n") && process.isRunning {
            usleep(10_000)
            text = (try? String(contentsOfFile: portFile, encoding: .utf8)) ?? ""
        }
        guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if text.hasPrefix("missing") {
                throw Unavailable(description: "moto is not installed (\(text.trimmingCharacters(in: .whitespacesAndNewlines))): pip install 'moto[server]' (.ci/run installs it)")
            }
            throw Unavailable(description: "the moto S3 server did not start: \(text)")
        }
        self.port = port
    }

    public func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// Path of an executable found on PATH, or nil.
public func findExecutable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

