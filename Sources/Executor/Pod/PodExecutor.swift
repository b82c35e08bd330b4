import Foundation
public import KubeClient
import KubeAPI
public import SkeinJSON
public import WorkflowEngine
public import WorkflowModel
import Artifacts

/// `skein executor init|wait`: the two Skein containers of a step's pod (see DESIGN.md,
/// "A step on Kubernetes"). `init` prepares the shared volume for the main container;
/// `wait` waits for the main container's command to end, collects its outputs and reports
/// them in a WorkflowTaskResult the controller reads.
public struct PodExecutor: Sendable {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(_ d: String) { description = d }
    }

    public let step: StepDocument
    /// The volume shared with the main container (`/var/run/skein`).
    public let varDirectory: String
    /// The artifact repository's volume, when the step has artifacts.
    public let artifactDirectory: String?
    /// The artifact repository in S3 (`SKEIN_ARTIFACT_S3`, keys from the `AWS_*` variables).
    let s3Store: S3Store?
    public let podName: String
    public let namespace: String
    /// API group of Skein's kinds.
    public let group: String
    /// How long the wait container keeps trying to write the task result through errors
    /// that may pass (5xx, 429, 409, no connection): `SKEIN_REPORT_TIMEOUT` seconds, 300 by default.
    public let reportTimeout: Duration

    /// Reads `SKEIN_STEP` and the other variables the controller sets.
    public init(environment env: [String: String], varDirectory: String = "/var/run/skein") throws(Failure) {
        guard let text = env["SKEIN_STEP"], !text.isEmpty else {
            throw Failure("SKEIN_STEP is not set: `skein executor` runs inside a step's pod, started by the controller")
        }
        do {
            step = try StepDocument(json: JSONValue.parseJSON(text))
        } catch {
            throw Failure("SKEIN_STEP is not a step document: \(error)")
        }
        self.varDirectory = varDirectory
        environment = env
        artifactDirectory = env["SKEIN_ARTIFACT_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
        do {
            s3Store = try ArtifactStores.s3Repository(environment: env)
        } catch {
            throw Failure(error.description)
        }
        podName = env["SKEIN_POD_NAME"] ?? ""
        namespace = env["SKEIN_NAMESPACE"] ?? "default"
        group = env["SKEIN_API_GROUP"].flatMap { $0.isEmpty ? nil : $0 } ?? "skein.dev"
        let seconds = env["SKEIN_REPORT_TIMEOUT"].flatMap(Double.init).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } ?? 300
        reportTimeout = Durations.delay(seconds)
    }

    var controlDirectory: String { varDirectory + "/control" }
    var store: (any ArtifactStore)? { s3Store ?? artifactDirectory.map { LocalDirectoryStore(root: $0) } }
    /// The environment, for the keys of artifacts with an S3 location of their own.
    let environment: [String: String]
    var stores: ArtifactStores { ArtifactStores(repository: store, environment: environment) }

    // MARK: init

    /// Copies the emissary into the shared volume, writes a script's source, and fetches
    /// the input artifacts to `inputs/NAME`, which the main container mounts at their paths.
    public func initialize(emissary: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: varDirectory + "/bin", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: controlDirectory, withIntermediateDirectories: true)
        // The main container may run as any user (the image's, or its securityContext's),
        // and its emissary writes the exit code and outputs here: writable by all, as /tmp is.
        try fm.setAttributes([.posixPermissions: 0o1777], ofItemAtPath: controlDirectory)
        let target = varDirectory + "/bin/skein-emissary"
        if fm.fileExists(atPath: target) { try fm.removeItem(atPath: target) }
        do {
            try fm.copyItem(atPath: emissary, toPath: target)
        } catch {
            throw Failure("cannot copy the emissary \(emissary) to \(target): \(error.localizedDescription)")
        }
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target)
        if let script = step.script {
            try Data(script.utf8).write(to: URL(fileURLWithPath: varDirectory + "/script"))
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: varDirectory + "/script")
        }
        guard !step.inputArtifacts.isEmpty else { return }
        let staging = varDirectory + "/.staging"
        let staged = try InputFetcher.fetch(step.inputArtifacts, stores: stores, stagingDirectory: staging)
        try fm.createDirectory(atPath: varDirectory + "/inputs", withIntermediateDirectories: true)
        for (input, s) in zip(step.inputArtifacts.filter { if case .none = $0.source { false } else { true } }, staged) {
            let dest = varDirectory + "/inputs/" + input.name
            if fm.fileExists(atPath: dest) { try fm.removeItem(atPath: dest) }
            try fm.moveItem(atPath: s.hostPath, toPath: dest)
        }
        try? fm.removeItem(atPath: staging)
    }

    // MARK: wait

    /// Waits for the emissary's exit code, collects outputs (parameters, `result`,
    /// artifacts into the repository) and creates the step's WorkflowTaskResult. When the
    /// main container ends without an exit code (it could not start), the pod's status
    /// says why and the task result carries that as an error.
    public func wait(client: KubeClient?, pollInterval: Duration = .milliseconds(50)) async throws {
        let exitFile = controlDirectory + "/exitcode"
        var lastPodCheck = ContinuousClock.now
        var mainEnded: String?
        var progress = ProgressReporter(path: controlDirectory + "/" + StepProgress.fileName)
        while !FileManager.default.fileExists(atPath: exitFile) {
            try await Task.sleep(for: pollInterval)
            if let client, !podName.isEmpty { await progress.report(to: client, pod: podName, namespace: namespace) }
            if let client, !podName.isEmpty, ContinuousClock.now - lastPodCheck > .seconds(2) {
                lastPodCheck = .now
                if let ended = await mainEndedWithoutExitCode(client) {
                    // Give the emissary's last write a moment, then report what the pod says.
                    try await Task.sleep(for: .milliseconds(200))
                    if !FileManager.default.fileExists(atPath: exitFile) { mainEnded = ended }
                    break
                }
            }
        }
        var message: String?
        var outputs = Outputs()
        if let mainEnded {
            message = mainEnded
        } else {
            let collected = OutputCollector.collect(launch: step.launch, controlDirectory: controlDirectory, stores: stores)
            outputs = collected.outputs
            message = collected.error
        }
        guard let client else { return }
        // The last N/M the step wrote, before the step's end is reported.
        if !podName.isEmpty { await progress.report(to: client, pod: podName, namespace: namespace, force: true) }
        try await report(outputs: outputs, error: message, client: client)
    }

    func mainEndedWithoutExitCode(_ client: KubeClient) async -> String? {
        guard let pod = try? await client.get(.pods, podName, namespace: namespace) else { return nil }
        for c in pod["status"]?["containerStatuses"]?.arrayValue ?? [] where c["name"]?.stringValue == "main" {
            guard let t = c["state"]?["terminated"] else { return nil }
            let reason = t["reason"]?.stringValue ?? "Error"
            let text = t["message"]?.stringValue ?? ""
            return "the main container ended without running its command (\(reason)\(text.isEmpty ? "" : ": " + text))"
        }
        return nil
    }

    /// The task result: named after the node, labelled with the workflow, owned by it.
    public func taskResult(outputs: Outputs, error: String?) throws -> JSONValue {
        var o: [String: JSONValue] = [
            "apiVersion": .string("\(group)/v1alpha1"),
            "kind": "WorkflowTaskResult",
            "metadata": [
                "name": .string(step.nodeID),
                "namespace": .string(namespace),
                "labels": [
                    "workflows.\(group)/workflow": .string(step.workflowName),
                ],
                "ownerReferences": [[
                    "apiVersion": .string("\(group)/v1alpha1"), "kind": "Workflow",
                    "name": .string(step.workflowName), "uid": .string(step.workflowUID),
                ]],
            ],
        ]
        if !outputs.isEmpty { o["outputs"] = try JSONValueEncoding.encode(outputs) }
        if let error {
            o["phase"] = "Error"
            o["message"] = .string(error)
        }
        return .object(o)
    }

    func report(outputs: Outputs, error: String?, client: KubeClient) async throws {
        let resource = ResourceType(group: group, version: "v1alpha1", resource: "workflowtaskresults",
                                    kind: "WorkflowTaskResult", namespaced: true)
        let object = try taskResult(outputs: outputs, error: error)
        // Errors that may pass are retried, with backoff, for `reportTimeout`: outputs are
        // never given up on a passing fault. The create is atomic, so a task result that
        // exists is whole.
        let deadline = ContinuousClock.now + reportTimeout
        var pause: Duration = .milliseconds(200)
        var attempts = 0
        while true {
            attempts += 1
            do {
                _ = try await client.create(resource, object, namespace: namespace)
                return
            } catch KubeError.alreadyExists {
                // Already reported (a wait container run twice, or an answer lost): keep the first report.
                return
            } catch let e as KubeError where PodExecutor.mayPass(e) && ContinuousClock.now + pause < deadline {
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(10))
            } catch {
                throw Failure("could not report the step's outputs (\(PodExecutor.describe(outputs))) in WorkflowTaskResult "
                              + "\(step.nodeID) after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(error)")
            }
        }
    }

    /// Errors worth another try: the server's (5xx), throttling, conflicts, no connection.
    static func mayPass(_ e: KubeError) -> Bool {
        if e.isRetryable { return true }
        if case .conflict = e { return true }
        return false
    }

    /// What a task result carries, for messages: `parameters: a, b; artifacts: c`.
    static func describe(_ outputs: Outputs) -> String {
        var parts: [String] = []
        let params = (outputs.parameters ?? []).map(\.name)
        if !params.isEmpty { parts.append("parameters: " + params.joined(separator: ", ")) }
        if outputs.result != nil { parts.append("result") }
        let artifacts = (outputs.artifacts ?? []).map(\.name)
        if !artifacts.isEmpty { parts.append("artifacts: " + artifacts.joined(separator: ", ")) }
        if outputs.exitCode != nil && parts.isEmpty { parts.append("exit code") }
        return parts.isEmpty ? "no outputs" : parts.joined(separator: "; ")
    }
}

/// Reads a running step's progress file and sets it as its pod's progress annotation when it
/// changes: at most once a second, and a failed patch is only tried again on the next change
/// (progress is a display; it never holds the step up).
public struct ProgressReporter {
    let path: String
    var reported: String?
    var lastRead = ContinuousClock.now - .seconds(10)

    init(path: String) { self.path = path }

    /// The valid `N/M` the step last wrote to its progress file, if any.
    public static func read(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap(StepProgress.parse)
    }

    mutating func report(to client: KubeClient, pod: String, namespace: String, force: Bool = false) async {
        guard force || ContinuousClock.now - lastRead >= .seconds(1) else { return }
        lastRead = .now
        guard let value = Self.read(path), value != reported else { return }
        reported = value
        let patch: JSONValue = ["metadata": ["annotations": .object([StepProgress.annotation: .string(value)])]]
        _ = try? await client.patch(.pods, pod, namespace: namespace, type: .merge, patch)
    }
}
