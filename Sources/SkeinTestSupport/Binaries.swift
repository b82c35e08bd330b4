import Foundation
import Sandbox

/// The package's built executables, next to the test bundle in the build directory.
public enum Binaries {
    public static var directory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent
    }

    public static func path(_ name: String) throws -> String {
        let p = "\(directory)/\(name)"
        guard FileManager.default.isExecutableFile(atPath: p) else {
            throw HarnessError("\(p) is not built; run the tests with `swift build && swift test`")
        }
        return p
    }

    /// The package root (where Package.swift is), found from this source file.
    public static var packageRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }
}

/// The result of running a command to completion.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public enum Command {
    /// Runs `executable` with `arguments`, capturing both streams (through files, so a large
    /// output cannot block the child).
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           currentDirectory: String? = nil, stdin: String? = nil, timeout: Double = 120,
                           whileRunning: ((ChildProcess) -> Void)? = nil) throws -> CommandResult {
        let fm = FileManager.default
        let dir = try TemporaryDirectory.make(prefix: "cmd")
        defer { try? fm.removeItem(atPath: dir) }
        let outPath = "\(dir)/out", errPath = "\(dir)/err"
        var input = "/dev/null"
        if let stdin {
            input = "\(dir)/in"
            try stdin.write(toFile: input, atomically: true, encoding: .utf8)
        }
        let p = try ChildProcess(executable, arguments, environment: environment, currentDirectory: currentDirectory,
                                 stdin: input, stdout: .file(outPath), stderr: .file(errPath))
        whileRunning?(p)
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(5_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            throw HarnessError("\(executable) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout))s")
        }
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return CommandResult(status: p.terminationStatus, stdout: out, stderr: err)
    }
}

/// Runs `skein` like a user would: from a scratch directory, with the shims first on PATH.
public final class SkeinCLI {
    public let binary: String
    public let workDirectory: String
    public let shims: String

    public init() throws {
        binary = try Binaries.path("skein")
        workDirectory = try TemporaryDirectory.make(prefix: "skein-cli")
        shims = try Shims.directory()
    }

    deinit {
        try? FileManager.default.removeItem(atPath: workDirectory)
        try? FileManager.default.removeItem(atPath: shims)
    }

    public var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = shims + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        env["SKEIN_EMISSARY"] = nil
        return env
    }

    public func run(_ arguments: [String], timeout: Double = 120, whileRunning: ((ChildProcess) -> Void)? = nil) throws -> CommandResult {
        try Command.run(binary, arguments, environment: environment, currentDirectory: workDirectory, timeout: timeout,
                        whileRunning: whileRunning)
    }

    /// Writes a file into the work directory and returns its path.
    public func write(_ name: String, _ text: String) throws -> String {
        let p = "\(workDirectory)/\(name)"
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }
}

/// The final Workflow object printed by `skein run -o json`, as JSON.
public func finalWorkflow(_ stdout: String) -> [String: Any]? {
    guard let start = stdout.firstIndex(of: "{"),
          let data = String(stdout[start...]).data(using: .utf8) else { return nil }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
}

public func phase(_ workflow: [String: Any]?) -> String? {
    (workflow?["status"] as? [String: Any])?["phase"] as? String
}

public enum TemporaryDirectory {
    public static func make(prefix: String = "skein-test") throws -> String {
        let base = FileManager.default.temporaryDirectory.path
        let path = "\(base)/\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Small stand-ins for commands example images run (`argosay`, `cowsay`), so tests need
/// nothing downloaded. They implement what the examples use.
public enum Shims {
    public static let argosay = #"""
    #!/bin/sh
    # Test stand-in for argoproj/argosay:v2.
    cmd="${1:-echo}"
    [ $# -gt 0 ] && shift
    case "$cmd" in
      echo)
        if [ $# -eq 0 ]; then echo "hello argo"
        elif [ $# -eq 1 ]; then printf '%s\n' "$1"
        else mkdir -p "$(dirname "$2")"; printf '%s' "$1" > "$2"; fi ;;
      cat) cat "$@" ;;
      sleep) d="${1:-0}"; sleep "${d%s}" ;;
      exit) exit "${1:-0}" ;;
      assert_contains) grep -q -- "$2" "$1" || { echo "$1 does not contain $2" >&2; exit 1; } ;;
      assert_equals) [ "$1" = "$2" ] || { echo "$1 != $2" >&2; exit 1; } ;;
      *) echo "argosay: unknown command $cmd" >&2; exit 2 ;;
    esac
    """#

    public static let cowsay = #"""
    #!/bin/sh
    # Test stand-in for cowsay: prints its arguments in a bubble.
    text="$*"
    [ -z "$text" ] && text="$(cat)"
    echo " _$(printf '%s' "$text" | sed 's/./_/g')_"
    echo "< $text >"
    echo "        \\   ^__^"
    """#

    /// A directory holding the shims, to put first on PATH.
    public static func directory() throws -> String {
        let dir = try TemporaryDirectory.make(prefix: "shims")
        for (name, text) in [("argosay", argosay), ("cowsay", cowsay)] {
            let p = "\(dir)/\(name)"
            try text.write(toFile: p, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: p)
        }
        return dir
    }
}
