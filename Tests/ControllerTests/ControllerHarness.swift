import Controller
import Foundation
import KubeAPI
import KubeClient
import KubeSim
import Logging
import SkeinJSON
import SkeinTestSupport
import Synchronization
import WorkflowModel

/// A simulated cluster with Skein's CRDs installed and the controller running in-process
/// (its informers, queue and workers are the real ones; only the process is shared).
final class ControllerHarness: Sendable {
    let cluster: SimCluster
    let client: KubeClient
    let settings: ControllerSettings
    private let controllerTask: Mutex<Task<Void, Never>?>

    /// Where the artifact repository lives (a hostPath the pods mount).
    var artifactDirectory: String { cluster.directory + "/artifacts" }

    static func start(instant: Bool = false, workers: Int = 4, startController: Bool = true,
                      configure: (inout ControllerSettings) -> Void = { _ in }) async throws -> ControllerHarness {
        let cluster = try await SimCluster.start(instant: instant)
        let client = try KubeClient(kubeconfig: cluster.kubeconfig)
        for crd in CustomResourceDefinitions.all() {
            _ = try await client.create(.customResourceDefinitions, crd)
        }
        var settings = ControllerSettings(workers: workers, executorImage: "skein:test",
                                          artifactVolume: ["hostPath": ["path": .string(cluster.directory + "/artifacts"),
                                                                        "type": "DirectoryOrCreate"]])
        configure(&settings)
        let h = ControllerHarness(cluster: cluster, client: client, settings: settings)
        if startController { h.startController() }
        return h
    }

    private init(cluster: SimCluster, client: KubeClient, settings: ControllerSettings) {
        self.cluster = cluster
        self.client = client
        self.settings = settings
        controllerTask = Mutex(nil)
    }

    /// Starts a controller (a new one, with empty informers and no memory of earlier ones).
    func startController() {
        var logger = Logger(label: "skein.controller.test")
        // SKEIN_TEST_LOG=debug shows what the controller does while a test runs.
        logger.logLevel = ProcessInfo.processInfo.environment["SKEIN_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .error
        let controller = WorkflowController(client: client, settings: settings, logger: logger)
        controllerTask.withLock { $0 = Task { await controller.run() } }
    }

    /// Stops the controller as a crash would, from the cluster's point of view: it just goes away.
    func stopController() async {
        let task = controllerTask.withLock { t in defer { t = nil }; return t }
        task?.cancel()
        await task?.value
    }

    func stop() async {
        await stopController()
        await cluster.stop()
    }

    /// Creates a workflow from YAML text (and the WorkflowTemplates beside it); returns its name.
    func submit(yaml text: String, file: String = "test.yaml", namespace: String = "default") async throws -> String {
        let docs = try DocumentLoader.load(text: text, file: file)
        for t in docs where t.kind == .workflowTemplate {
            var object = t.raw
            object.set(path: ["apiVersion"], to: "skein.dev/v1alpha1")
            do {
                _ = try await client.create(settings.workflowTemplates, object, namespace: namespace)
            } catch KubeError.alreadyExists {}
        }
        guard let doc = docs.first(where: { $0.kind == .workflow }) else { throw HarnessError("\(file) has no Workflow") }
        var object = doc.raw
        object.set(path: ["apiVersion"], to: "skein.dev/v1alpha1")
        let created = try await client.create(settings.workflows, object, namespace: namespace)
        return created.name ?? ""
    }

    func workflow(_ name: String, namespace: String = "default") async throws -> JSONValue {
        try await client.get(settings.workflows, name, namespace: namespace)
    }

    /// Waits until the workflow has finished (or `timeout` passes) and returns it.
    func waitForCompletion(_ name: String, namespace: String = "default", timeout: Double = 60) async throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let wf = try await workflow(name, namespace: namespace)
            if let phase = wf["status"]?["phase"]?.stringValue, ["Succeeded", "Failed", "Error"].contains(phase) { return wf }
            if Date() > deadline { return wf }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Waits until `condition` holds for the workflow.
    func waitFor(_ name: String, timeout: Double = 30, _ condition: (JSONValue) -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(try await workflow(name)) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        // Once more: on a busy machine the last sleep may have outlasted the deadline.
        return condition(try await workflow(name))
    }

    /// Waits until `condition` holds (or `timeout` passes); whether it held.
    func eventually(timeout: Double = 20, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    /// Whether the API server answers NotFound for the object.
    func isGone(_ resource: ResourceType, _ name: String) async throws -> Bool {
        do {
            _ = try await client.get(resource, name, namespace: "default")
            return false
        } catch KubeError.notFound {
            return true
        }
    }

    func pods(of workflow: String) async throws -> [JSONValue] {
        try await client.list(.pods, namespace: "default", options: ListOptions(labelSelector: "\(settings.workflowLabel)=\(workflow)")).items
    }
}

/// Phase of a workflow object.
func phase(_ wf: JSONValue) -> String? { wf["status"]?["phase"]?.stringValue }

/// The nodes of a workflow, by display name, as comparable text: phase, output parameters,
/// result. The workflow's own (generated) name reads `WF`.
func nodeSummary(_ wf: JSONValue) -> [String] {
    let name = wf.name ?? "?"
    var out: [String] = []
    for (_, n) in wf["status"]?["nodes"]?.objectValue ?? [:] {
        var s = "\(n["displayName"]?.stringValue ?? "?") \(n["type"]?.stringValue ?? "?") \(n["phase"]?.stringValue ?? "?")"
        for p in n["outputs"]?["parameters"]?.arrayValue ?? [] {
            s += " \(p["name"]?.stringValue ?? "")=\(p["value"]?.scalarText ?? "")"
        }
        if let r = n["outputs"]?["result"]?.stringValue { s += " result=\(r)" }
        out.append(s.replacingOccurrences(of: name, with: "WF"))
    }
    return out.sorted()
}

extension ControllerHarness {
    /// A Secret in `default` holding the S3 test server's keys under the names given.
    func createS3KeySecret(_ name: String, accessKey: String, secretKey: String) async throws {
        _ = try await client.create(.secrets, [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": .string(name)],
            "stringData": .object([accessKey: .string(S3TestServer.accessKey), secretKey: .string(S3TestServer.secretKey)]),
        ], namespace: "default")
    }
}
