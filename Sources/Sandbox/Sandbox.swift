import CSandbox
import Foundation
import Synchronization

/// A directory or file of the host made visible at `target` inside the sandbox.
public struct BindMount: Sendable, Hashable {
    public var source: String
    public var target: String
    public var readOnly: Bool

    public init(source: String, target: String, readOnly: Bool) {
        self.source = source
        self.target = target
        self.readOnly = readOnly
    }
}

/// Where a sandboxed process's stdout or stderr goes.
public enum OutputTarget: Sendable, Hashable {
    case inherit, discard, file(String), pipe
}

public struct SandboxSpec: Sendable {
    public var executable: String
    public var arguments: [String]
    public var environment: [String: String]
    public var workingDirectory: String?
    /// Host directory that becomes the process's `/tmp` (isolated runs only).
    public var privateTmp: String?
    public var binds: [BindMount]
    public var stdout: OutputTarget
    public var stderr: OutputTarget
    /// Run in a private mount namespace; when false, `privateTmp` and `binds` are not applied.
    public var isolate: Bool
    /// A file to read standard input from; nil inherits this process's.
    public var stdin: String?

    public init(executable: String, arguments: [String], environment: [String: String], workingDirectory: String?,
                privateTmp: String?, binds: [BindMount], stdout: OutputTarget, stderr: OutputTarget, isolate: Bool,
                stdin: String? = nil) {
        self.stdin = stdin
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.privateTmp = privateTmp
        self.binds = binds
        self.stdout = stdout
        self.stderr = stderr
        self.isolate = isolate
    }
}

public enum ProcessExit: Sendable, Hashable {
    case exited(Int32)
    case signaled(Int32)
}

public struct SandboxError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A running (or finished) sandboxed process.
public final class SandboxProcess: Sendable {
    public let pid: Int32
    public let isolated: Bool
    private let state = Mutex<State>(State())
    private let out: AsyncStream<String>
    private let err: AsyncStream<String>

    struct State {
        var exit: ProcessExit?
        var waiters: [CheckedContinuation<ProcessExit, Never>] = []
    }

    init(pid: Int32, isolated: Bool, out: AsyncStream<String>, err: AsyncStream<String>) {
        self.pid = pid
        self.isolated = isolated
        self.out = out
        self.err = err
        SandboxProcess.running.withLock { _ = $0.insert(pid) }
        let thread = Thread { [self] in reap() }
        thread.name = "skein-wait-\(pid)"
        thread.start()
    }

    private func reap() {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR {
                status = 127 << 8
                break
            }
        }
        let sig = status & 0x7f
        let exit: ProcessExit = sig == 0 ? .exited((status >> 8) & 0xff) : .signaled(sig)
        let waiters = state.withLock { s in
            s.exit = exit
            defer { s.waiters = [] }
            return s.waiters
        }
        SandboxProcess.running.withLock { _ = $0.remove(pid) }
        for w in waiters { w.resume(returning: exit) }
    }

    /// Every process started here and not yet reaped (each leads its own process group).
    private static let running = Mutex<Set<Int32>>([])

    /// SIGKILL to the process group of every process still running: for a command that must
    /// end at once (a second Ctrl-C) without leaving its steps behind. Safe from any thread.
    public static func killAllRunning() {
        for pid in running.withLock({ $0 }) { _ = kill(-pid, SIGKILL) }
    }

    /// Waits for the process to end; may be called any number of times.
    public func wait() async -> ProcessExit {
        await withCheckedContinuation { c in
            let done: ProcessExit? = state.withLock { s in
                if let e = s.exit { return e }
                s.waiters.append(c)
                return nil
            }
            if let done { c.resume(returning: done) }
        }
    }

    public var exitStatus: ProcessExit? { state.withLock { $0.exit } }

    /// Sends a signal to the process. SIGTERM, SIGINT and SIGKILL go to its whole process
    /// group, so what a step's shell started in the background stops with it.
    public func signal(_ sig: Int32) {
        state.withLock { s in
            guard s.exit == nil else { return }
            _ = kill([SIGTERM, SIGINT, SIGKILL].contains(sig) ? -pid : pid, sig)
        }
    }

    /// Lines the process writes to stdout (only for `.pipe`); read once.
    public func stdoutLines() -> AsyncStream<String> { out }
    public func stderrLines() -> AsyncStream<String> { err }
}

public enum Sandbox {
    /// Whether this process may create private mount namespaces (root, or a user namespace).
    public static let namespacesAvailable: Bool = csandbox_namespaces_available() == 1

    public static func spawn(_ spec: SandboxSpec) throws(SandboxError) -> SandboxProcess {
        var toClose: [Int32] = []
        defer { for fd in toClose { close(fd) } }
        func target(_ t: OutputTarget, _ fdNumber: Int32) throws(SandboxError) -> (child: Int32, parent: Int32?) {
            switch t {
            case .inherit:
                return (fdNumber, nil)
            case .discard:
                let fd = open("/dev/null", O_WRONLY | O_CLOEXEC)
                guard fd >= 0 else { throw SandboxError("cannot open /dev/null: \(String(cString: strerror(errno)))") }
                toClose.append(fd)
                return (fd, nil)
            case .file(let path):
                let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw SandboxError("cannot write \(path): \(String(cString: strerror(errno)))") }
                toClose.append(fd)
                return (fd, nil)
            case .pipe:
                var p: [Int32] = [0, 0]
                guard csandbox_pipe_cloexec(&p) == 0 else { throw SandboxError("pipe: \(String(cString: strerror(errno)))") }
                toClose.append(p[1])
                return (p[1], p[0])
            }
        }
        let o = try target(spec.stdout, 1)
        let e: (child: Int32, parent: Int32?)
        do {
            e = try target(spec.stderr, 2)
        } catch {
            if let r = o.parent { close(r) }
            throw error
        }

        var inputFD: Int32 = -1
        if let path = spec.stdin {
            inputFD = open(path, O_RDONLY | O_CLOEXEC)
            guard inputFD >= 0 else {
                if let r = o.parent { close(r) }
                if let r = e.parent { close(r) }
                throw SandboxError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            toClose.append(inputFD)
        }
        let argv = CStringArray([spec.executable] + spec.arguments)
        let envp = CStringArray(spec.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        let binds = spec.isolate ? spec.binds : []
        let sources = CStringArray(binds.map(\.source))
        let targets = CStringArray(binds.map(\.target))
        var errNo: Int32 = 0
        var stage = [CChar](repeating: 0, count: 300)
        let stageCount = stage.count
        let pid: pid_t = spec.executable.withCString { path in
            withOptionalCString(spec.workingDirectory) { cwd in
                withOptionalCString(spec.isolate ? spec.privateTmp : nil) { tmp in
                    var cBinds: [csandbox_bind] = (0..<binds.count).map { i in
                        csandbox_bind(source: sources.pointers[i], target: targets.pointers[i],
                                      read_only: binds[i].readOnly ? 1 : 0)
                    }
                    return cBinds.withUnsafeMutableBufferPointer { bp in
                        var cspec = csandbox_spec(path: path, argv: argv.pointers, envp: envp.pointers, cwd: cwd,
                                                  stdin_fd: inputFD, stdout_fd: o.child, stderr_fd: e.child,
                                                  isolate: spec.isolate ? 1 : 0, private_tmp: tmp,
                                                  binds: bp.baseAddress.map { UnsafePointer($0) }, bind_count: Int32(bp.count))
                        return csandbox_spawn(&cspec, &errNo, &stage, stageCount)
                    }
                }
            }
        }
        guard pid > 0 else {
            if let r = o.parent { close(r) }
            if let r = e.parent { close(r) }
            let what = String(decoding: stage.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var message = "cannot start \(spec.executable): \(what): \(String(cString: strerror(errNo)))"
            if errNo == ENOENT && what.hasPrefix("exec") { message += " (check the path and that it is installed)" }
            throw SandboxError(message)
        }
        return SandboxProcess(pid: pid, isolated: spec.isolate, out: LineReader.stream(o.parent), err: LineReader.stream(e.parent))
    }
}

private func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}

/// NULL-terminated C string arrays that live as long as this value.
private final class CStringArray {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointers = .allocate(capacity: strings.count + 1)
        for (i, s) in strings.enumerated() { pointers[i] = strdup(s) }
        pointers[strings.count] = nil
    }

    deinit {
        for i in 0..<count { free(pointers[i]) }
        pointers.deallocate()
    }
}

/// Splits a pipe's bytes into lines on a dedicated thread.
enum LineReader {
    static func stream(_ fd: Int32?) -> AsyncStream<String> {
        guard let fd else { return AsyncStream { $0.finish() } }
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
        let thread = Thread {
            var pending: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                var start = 0
                for i in 0..<n where buf[i] == 10 {
                    pending.append(contentsOf: buf[start..<i])
                    continuation.yield(String(decoding: pending, as: UTF8.self))
                    pending.removeAll(keepingCapacity: true)
                    start = i + 1
                }
                pending.append(contentsOf: buf[start..<n])
            }
            if !pending.isEmpty { continuation.yield(String(decoding: pending, as: UTF8.self)) }
            close(fd)
            continuation.finish()
        }
        thread.name = "skein-read-\(fd)"
        thread.start()
        return stream
    }
}
