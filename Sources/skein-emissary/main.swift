// skein-emissary: wraps one step's command, in a pod and in `skein run` alike.
//
//   skein-emissary --control DIR [--output PATH]... -- COMMAND [ARGS...]
//
// Runs COMMAND (found on PATH), forwards signals to it, copies its stdout to our stdout and
// to DIR/stdout, both streams to DIR/log, then copies each --output PATH (file or directory)
// to DIR/outputs/<n> and writes DIR/exitcode last, atomically. Exits with the command's code
// (127 not found, 126 not executable, 128+N when killed by signal N).
//
// Glibc only, no Foundation: this binary is linked statically and copied into every pod.
import Glibc

func fail(_ message: String, code: Int32 = 125) -> Never {
    writeAll(2, Array("skein-emissary: \(message)\n".utf8))
    exit(code)
}

func errnoText() -> String { String(cString: strerror(errno)) }

@discardableResult
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { writeAll(fd, $0) }
}

@discardableResult
func writeAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer) -> Bool {
    var off = 0
    while off < buf.count {
        let n = write(fd, buf.baseAddress! + off, buf.count - off)
        if n < 0 {
            if errno == EINTR { continue }
            return false
        }
        off += n
    }
    return true
}

// MARK: arguments

struct Options {
    var control = ""
    var outputs: [String] = []
    var command: [String] = []
}

func parseArguments(_ args: [String]) -> Options {
    var o = Options()
    var i = 1
    while i < args.count {
        let a = args[i]
        switch a {
        case "--control":
            guard i + 1 < args.count else { fail("--control needs a directory") }
            o.control = args[i + 1]
            i += 2
        case "--output":
            guard i + 1 < args.count else { fail("--output needs a path") }
            o.outputs.append(args[i + 1])
            i += 2
        case "--":
            o.command = Array(args[(i + 1)...])
            i = args.count
        case "-h", "--help":
            print("usage: skein-emissary --control DIR [--output PATH]... -- COMMAND [ARGS...]")
            exit(0)
        default:
            fail("unknown argument '\(a)'; usage: skein-emissary --control DIR [--output PATH]... -- COMMAND [ARGS...]")
        }
    }
    if o.control.isEmpty { fail("--control DIR is required") }
    if o.command.isEmpty { fail("no command given after '--'") }
    return o
}

// MARK: files

func makeDirectories(_ path: String) -> Bool {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
        current += "/" + part
        if mkdir(current, 0o755) != 0 && errno != EEXIST { return false }
    }
    return true
}

func openForWrite(_ path: String) -> Int32 {
    open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
}

/// Copies a file, directory tree or symlink; returns an error text or nil.
func copyTree(_ src: String, _ dst: String) -> String? {
    var st = stat()
    guard lstat(src, &st) == 0 else { return "\(src): \(errnoText())" }
    switch st.st_mode & S_IFMT {
    case S_IFDIR:
        if mkdir(dst, st.st_mode & 0o7777) != 0 && errno != EEXIST { return "\(dst): \(errnoText())" }
        guard let d = opendir(src) else { return "\(src): \(errnoText())" }
        defer { closedir(d) }
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            if let err = copyTree(src + "/" + name, dst + "/" + name) { return err }
        }
        return nil
    case S_IFLNK:
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(src, &buf, buf.count - 1)
        guard n >= 0 else { return "\(src): \(errnoText())" }
        let target = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        unlink(dst)
        return symlink(target, dst) == 0 ? nil : "\(dst): \(errnoText())"
    default:
        let input = open(src, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { return "\(src): \(errnoText())" }
        defer { close(input) }
        let output = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 0o7777)
        guard output >= 0 else { return "\(dst): \(errnoText())" }
        defer { close(output) }
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buf.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n == 0 { return nil }
            if n < 0 {
                if errno == EINTR { continue }
                return "\(src): \(errnoText())"
            }
            let ok = buf.withUnsafeBytes { writeAll(output, UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            if !ok { return "\(dst): \(errnoText())" }
        }
    }
}

// MARK: signals

nonisolated(unsafe) var childPID: pid_t = 0

let forwarded: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]

func installForwarding() {
    // A parent may have started us with signals blocked; forwarding needs them delivered.
    var none = sigset_t()
    sigemptyset(&none)
    sigprocmask(SIG_SETMASK, &none, nil)
    for sig in forwarded {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { s in
            if childPID > 0 { kill(childPID, s) }
        }
        action.sa_flags = SA_RESTART
        sigemptyset(&action.sa_mask)
        sigaction(sig, &action, nil)
    }
}

// MARK: run

func spawnChild(_ command: [String], stdoutFD: Int32, stderrFD: Int32, closing: [Int32]) -> (pid_t, Int32) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, stdoutFD, 1)
    posix_spawn_file_actions_adddup2(&actions, stderrFD, 2)
    for fd in closing { posix_spawn_file_actions_addclose(&actions, fd) }

    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for s in forwarded + [SIGPIPE] { sigaddset(&defaults, s) }
    posix_spawnattr_setsigdefault(&attr, &defaults)
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    posix_spawnattr_setsigmask(&attr, &unblocked)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

    var argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) }
    argv.append(nil)
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, command[0], &actions, &attr, argv, environ)
    return (pid, rc)
}

func main() -> Never {
    let options = parseArguments(CommandLine.arguments)
    let control = options.control
    guard makeDirectories(control + "/outputs") else { fail("cannot create \(control)/outputs: \(errnoText())") }
    let stdoutFile = openForWrite(control + "/stdout")
    let logFile = openForWrite(control + "/log")
    guard stdoutFile >= 0, logFile >= 0 else { fail("cannot write in \(control): \(errnoText())") }
    signal(SIGPIPE, SIG_IGN)

    var outPipe: [Int32] = [0, 0]
    var errPipe: [Int32] = [0, 0]
    guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { fail("pipe: \(errnoText())") }
    for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

    installForwarding()
    let (pid, rc) = spawnChild(options.command, stdoutFD: outPipe[1], stderrFD: errPipe[1],
                               closing: [outPipe[0], errPipe[0]])
    close(outPipe[1])
    close(errPipe[1])

    var exitCode: Int32
    if rc != 0 {
        let name = options.command[0]
        let text: String
        if rc == ENOENT {
            exitCode = 127
            text = "\(name): command not found (is it installed and on PATH?)"
        } else if rc == EACCES {
            exitCode = 126
            text = "\(name): permission denied (is it executable?)"
        } else {
            exitCode = 126
            text = "\(name): cannot run: \(String(cString: strerror(rc)))"
        }
        let line = Array("skein-emissary: \(text)\n".utf8)
        writeAll(2, line)
        writeAll(logFile, line)
        // The node's message, in the words Kubernetes uses when a container's program cannot
        // start: in DIR/message for the collector, and as the container's termination message.
        let reason = rc == ENOENT ? "executable file not found in $PATH" : String(cString: strerror(rc)).lowercased()
        let message = Array("exec: \"\(name)\": \(reason)".utf8)
        // The termination log only where Kubernetes made one (never created on a host).
        for (path, flags) in [(control + "/message", O_CREAT), ("/dev/termination-log", 0)] {
            let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | flags, 0o644)
            if fd >= 0 {
                writeAll(fd, message)
                close(fd)
            }
        }
        close(outPipe[0])
        close(errPipe[0])
    } else {
        childPID = pid
        exitCode = pump(pid: pid, out: outPipe[0], err: errPipe[0], stdoutFile: stdoutFile, logFile: logFile)
    }
    close(stdoutFile)

    for (i, path) in options.outputs.enumerated() {
        var st = stat()
        guard lstat(path, &st) == 0 else { continue }  // missing outputs are judged by the caller
        if let err = copyTree(path, "\(control)/outputs/\(i)") {
            let line = Array("skein-emissary: copying output \(path): \(err)\n".utf8)
            writeAll(2, line)
            writeAll(logFile, line)
        }
    }
    close(logFile)

    // Written last and renamed into place, so a reader sees the whole code or none. No fsync:
    // readers are other processes on this machine, which see the page cache (it cost 2 ms).
    let tmp = control + "/exitcode.tmp"
    let fd = openForWrite(tmp)
    if fd >= 0 {
        writeAll(fd, Array("\(exitCode)\n".utf8))
        close(fd)
        rename(tmp, control + "/exitcode")
    }
    exit(exitCode)
}

/// Copies the child's output until both pipes close (or shortly after the child exits, if a
/// background process it left holds them open), then reaps it.
func pump(pid: pid_t, out: Int32, err: Int32, stdoutFile: Int32, logFile: Int32) -> Int32 {
    var fds = [pollfd(fd: out, events: Int16(POLLIN), revents: 0), pollfd(fd: err, events: Int16(POLLIN), revents: 0)]
    var open = 2
    var status: Int32 = 0
    var reaped = false
    var graceAfterExit = 5  // poll rounds of 100 ms once the child is gone
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    while open > 0 {
        let n = poll(&fds, 2, 100)
        if n < 0 {
            if errno == EINTR { continue }
            break
        }
        if n == 0 {
            if !reaped, waitpid(pid, &status, WNOHANG) == pid { reaped = true }
            if reaped {
                graceAfterExit -= 1
                if graceAfterExit <= 0 { break }
            }
            continue
        }
        for i in 0..<2 where fds[i].fd >= 0 && fds[i].revents != 0 {
            let count = buf.withUnsafeMutableBytes { read(fds[i].fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                close(fds[i].fd)
                fds[i].fd = -1
                open -= 1
                continue
            }
            buf.withUnsafeBytes { raw in
                let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                if i == 0 {
                    writeAll(1, chunk)
                    writeAll(stdoutFile, chunk)
                } else {
                    writeAll(2, chunk)
                }
                writeAll(logFile, chunk)
            }
        }
    }
    for f in fds where f.fd >= 0 { close(f.fd) }
    while !reaped {
        let r = waitpid(pid, &status, 0)
        if r == pid { reaped = true } else if r < 0 && errno != EINTR { return 127 }
    }
    let sig = status & 0x7f
    return sig == 0 ? (status >> 8) & 0xff : 128 + sig
}

main()
