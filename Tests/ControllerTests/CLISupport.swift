import Controller
import Foundation
import Sandbox
import KubeAPI
import KubeClient
import SkeinJSON
import SkeinTestSupport
import Testing

/// The CLI's end-to-end suites, one test at a time: each starts a cluster, a controller and
/// many `skein` processes, and on two cores they would starve the rest of the suite.
@Suite(.serialized) enum CLITests {}

/// The `skein` CLI run as a process against a harness's cluster (KUBECONFIG set, as a
/// user would have it), with a scratch directory for the files it is given.
struct CLI: Sendable {
    let h: ControllerHarness
    let directory: String

    init(_ h: ControllerHarness) throws {
        self.h = h
        directory = h.cluster.directory + "/cli"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["KUBECONFIG"] = h.cluster.kubeconfig
        env["NO_COLOR"] = nil
        return env
    }

    /// Runs `skein ARGS` to completion.
    func run(_ arguments: [String], environment extra: [String: String] = [:], timeout: Double = 90) async throws -> CommandResult {
        let bin = try Binaries.path("skein")
        let env = environment.merging(extra) { $1 }
        return try await SimCluster.offPool { try Command.run(bin, arguments, environment: env, timeout: timeout) }
    }

    /// `run`, splitting a command line on spaces (no quoting needed in these tests).
    func run(_ line: String, timeout: Double = 90) async throws -> CommandResult {
        try await run(line.split(separator: " ").map(String.init), timeout: timeout)
    }

    /// Starts `skein ARGS` in the background; its stdout goes to `output`.
    func start(_ arguments: [String], output: String) throws -> ChildProcess {
        try ChildProcess(try Binaries.path("skein"), arguments, environment: environment, stdout: .file(output))
    }

    /// Writes a file into the scratch directory; returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Submits YAML text through the CLI and returns the new workflow's name.
    func submit(_ yaml: String, _ extra: [String] = []) async throws -> String {
        let file = try write("submit-\(UUID().uuidString.prefix(8)).yaml", yaml)
        let r = try await run(["submit", file, "-o", "name"] + extra)
        guard r.status == 0 else { throw HarnessError("skein submit failed (\(r.status)): \(r.stderr)") }
        // -o name prints the name first (--wait then adds how it ended).
        return String(r.stdout.split(separator: "\n").first ?? "")
    }
}

/// A workflow of one container step running `script` with sh.
func shellWorkflow(_ name: String, _ script: String, generate: Bool = false, extraSpec: String = "") -> String {
    """
    apiVersion: skein.dev/v1alpha1
    kind: Workflow
    metadata:
      \(generate ? "generateName" : "name"): \(name)
    spec:
      entrypoint: main
    \(extraSpec)
      templates:
        - name: main
          container:
            image: alpine:3.20
            command: [sh, -c]
            args: [\(JSONValue.string(script).compactJSON)]
    """
}

/// Lines of a table split into their columns.
func columns(_ text: String) -> [[String]] {
    text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
}
