import Controller
import Foundation
import KubeAPI
import KubeClient
import KubeSim
import SkeinJSON
import SkeinTestSupport
import Testing

/// What must not break a workflow: a controller restart, API errors, lost watches, a
/// deleted pod. Each step writes its name into a shared file, so a step run twice shows.
@Suite(.serialized) struct ControllerResilienceTests {
    /// A diamond DAG whose steps log to `shared/log` and take `seconds` each.
    static func diamond(_ shared: String, seconds: Double = 0.4) -> String {
        """
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {generateName: diamond-}
        spec:
          entrypoint: main
          volumes: [{name: shared, hostPath: {path: \(shared), type: DirectoryOrCreate}}]
          templates:
            - name: main
              dag:
                tasks:
                  - {name: a, template: step, arguments: {parameters: [{name: who, value: a}]}}
                  - {name: b, template: step, depends: a, arguments: {parameters: [{name: who, value: b}]}}
                  - {name: c, template: step, depends: a, arguments: {parameters: [{name: who, value: c}]}}
                  - {name: d, template: step, depends: b && c, arguments: {parameters: [{name: who, value: d}]}}
            - name: step
              inputs: {parameters: [{name: who}]}
              container:
                image: alpine
                command: [sh, -c, "echo {{inputs.parameters.who}} >> /shared/log; sleep \(seconds)"]
                volumeMounts: [{name: shared, mountPath: /shared}]
        """
    }

    static func logLines(_ shared: String) -> [String] {
        ((try? String(contentsOfFile: shared + "/log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init).sorted()
    }

    @Test func aControllerRestartInTheMiddleOfADAGRunsNoStepTwice() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let shared = h.cluster.directory + "/shared"
        let name = try await h.submit(yaml: Self.diamond(shared, seconds: 0.6))
        // Stop once b and c are running, with d still to come.
        let midway = try await h.waitFor(name) { wf in
            let nodes = wf["status"]?["nodes"]?.objectValue?.values.map { $0 } ?? []
            return nodes.contains { $0["displayName"] == "b" && $0["phase"] == "Running" }
        }
        #expect(midway)
        await h.stopController()
        try await Task.sleep(for: .milliseconds(300))
        h.startController()
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded")
        #expect(Self.logLines(shared) == ["a", "b", "c", "d"])
        #expect(try await h.pods(of: name).count == 4)
    }

    @Test func injectedAPIErrorsAndLostWatchesDelayButNeverBreakOrDuplicate() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let faults = h.cluster.sim.faults
        faults.failNext(3, RequestMatch(verb: "patch", resource: "workflows/status"), code: 409)
        faults.failNext(2, RequestMatch(verb: "create", resource: "pods"), code: 500)
        faults.failNext(2, RequestMatch(verb: "patch", resource: "workflows/status"), code: 500)
        let shared = h.cluster.directory + "/shared"
        let name = try await h.submit(yaml: Self.diamond(shared, seconds: 0.3))
        for _ in 0..<3 {
            try await Task.sleep(for: .milliseconds(250))
            h.cluster.sim.dropWatches()
        }
        h.cluster.sim.expireResourceVersions()
        h.cluster.sim.dropWatches()
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded")
        #expect(Self.logLines(shared) == ["a", "b", "c", "d"])
        #expect(try await h.pods(of: name).count == 4)
    }

    @Test func aDeletedPodIsAnErrorThatRetryStrategyRetries() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let shared = h.cluster.directory + "/shared"
        let name = try await h.submit(yaml: """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: deleted-}
            spec:
              entrypoint: main
              volumes: [{name: shared, hostPath: {path: \(shared), type: DirectoryOrCreate}}]
              templates:
                - name: main
                  retryStrategy: {limit: 2, retryPolicy: OnError}
                  container:
                    image: alpine
                    command: [sh, -c, "if [ -f /shared/once ]; then echo again; exit 0; fi; touch /shared/once; sleep 60"]
                    volumeMounts: [{name: shared, mountPath: /shared}]
            """)
        #expect(await SimCluster.eventually(timeout: 20) { FileManager.default.fileExists(atPath: shared + "/once") })
        let first = try #require(try await h.pods(of: name).first)
        _ = try await h.client.delete(.pods, first.name ?? "", namespace: "default")
        let wf = try await h.waitForCompletion(name, timeout: 60)
        #expect(phase(wf) == "Succeeded")
        let attempts = (wf["status"]?["nodes"]?.objectValue?.values.map { $0 } ?? []).filter { $0["type"] == "Pod" }
        #expect(attempts.count == 2)
        let failed = attempts.first { $0["phase"] == "Error" }
        #expect(failed?["message"]?.stringValue == "pod deleted")
        #expect(attempts.contains { $0["phase"] == "Succeeded" })
    }
}
