import Controller
import Foundation
import KubeAPI
import KubeClient
import KubeSim
import Logging
import SkeinJSON
import SkeinTestSupport
import Synchronization
import Testing

/// Every log line, at every level, kept for a test to read.
struct CapturingLogHandler: LogHandler {
    let lines: Lines
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.append("\(event.level) \(event.message) \(all.map { "\($0)=\($1)" }.sorted().joined(separator: " "))")
    }
}

final class Lines: Sendable {
    private let stored = Mutex<[String]>([])
    func append(_ s: String) { stored.withLock { $0.append(s) } }
    var all: [String] { stored.withLock { $0 } }
}

/// Credentials never reach logs, events or status messages (issue 18): a run at trace level
/// with API faults (so that errors are logged), a workflow reading a Secret, and one that
/// fails; then every log line, event and status is searched for the token, the client key
/// and the Secret's value.
@Suite(.serialized) struct SecretHygieneTests {
    @Test func noTokenKeyOrSecretValueInLogsEventsOrStatus() async throws {
        let h = try await ControllerHarness.start(startController: false) { $0.events = .all }
        defer { Task { await h.stop() } }
        let secretValue = "s3cr3t-" + UUID().uuidString
        _ = try await h.client.create(.secrets, ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "creds"],
                                                 "stringData": ["password": .string(secretValue)]])
        let lines = Lines()
        var logger = Logger(label: "skein.controller.test") { _ in CapturingLogHandler(lines: lines) }
        logger.logLevel = .trace
        let client = try KubeClient(kubeconfig: h.cluster.kubeconfig, logger: logger)
        let controller = WorkflowController(client: client, settings: h.settings, logger: logger)
        let run = Task { await controller.run() }
        defer { run.cancel() }
        let faults = h.cluster.sim.faults
        faults.failNext(3, RequestMatch(verb: "patch", resource: "workflows/status"), code: 500)
        faults.failNext(2, RequestMatch(verb: "create", resource: "pods"), code: 500)
        faults.failNext(1, RequestMatch(verb: "list", resource: "workflows"), code: 401)
        var names: [String] = []
        for command in ["test \"$PASSWORD\" != x", "exit 3"] {
            names.append(try await h.submit(yaml: """
                apiVersion: skein.dev/v1alpha1
                kind: Workflow
                metadata: {generateName: secretive-}
                spec:
                  entrypoint: main
                  templates:
                    - name: main
                      container:
                        image: alpine
                        command: [sh, -c, '\(command)']
                        env: [{name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}]
                      outputs: {parameters: [{name: p, valueFrom: {path: /dev/null, default: x}}]}
                """))
        }
        var statuses: [String] = []
        for name in names {
            let wf = try await h.waitForCompletion(name)
            #expect(["Succeeded", "Failed"].contains(phase(wf) ?? ""))
            statuses.append(wf.compactJSON)
        }
        let events = try await h.client.list(.events, namespace: "default").items.map(\.compactJSON)
        #expect(!events.isEmpty, "the run should have left events to search")
        #expect(lines.all.contains { $0.contains("fails with 500") }, "the faults should have been logged: \(lines.all)")
        let token = h.cluster.sim.token
        let key = h.cluster.sim.clientKeyPEM.split(separator: "\n").dropFirst().first.map(String.init) ?? "no key"
        for (what, texts) in [("log", lines.all), ("event", events), ("status", statuses)] {
            for text in texts {
                #expect(!text.contains(token), "the bearer token in a \(what): \(text.prefix(300))")
                #expect(!text.contains(key), "the client key in a \(what)")
                #expect(!text.contains(secretValue), "the Secret's value in a \(what): \(text.prefix(300))")
            }
        }
    }
}
