import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import SkeinTestSupport
import Testing

/// `spec.shutdown`, `spec.suspend`, `podGC` and `ttlStrategy` on a running controller.
@Suite(.serialized) struct ControllerLifecycleTests {
    static func longStepWithExitHandler(_ extra: String = "") -> String {
        """
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {generateName: life-}
        spec:
          entrypoint: main
          onExit: cleanup
          \(extra)
          templates:
            - name: main
              container: {image: alpine, command: [sleep, "60"]}
            - name: cleanup
              container: {image: alpine, command: [echo, cleaned up]}
        """
    }

    func nodes(_ wf: JSONValue) -> [JSONValue] { wf["status"]?["nodes"]?.objectValue.map { Array($0.values) } ?? [] }

    func patchSpec(_ h: ControllerHarness, _ name: String, _ spec: JSONValue) async throws {
        _ = try await h.client.patch(h.settings.workflows, name, namespace: "default", type: .merge, ["spec": spec])
    }

    func waitRunning(_ h: ControllerHarness, _ name: String) async throws -> Bool {
        try await h.waitFor(name) { wf in
            (wf["status"]?["nodes"]?.objectValue?.values.contains { $0["type"] == "Pod" && $0["phase"] == "Running" }) ?? false
        }
    }

    @Test func shutdownStopStopsTheStepsAndRunsTheExitHandler() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: Self.longStepWithExitHandler())
        #expect(try await waitRunning(h, name))
        try await patchSpec(h, name, ["shutdown": "Stop"])
        let wf = try await h.waitForCompletion(name, timeout: 30)
        #expect(phase(wf) == "Failed")
        #expect(wf["status"]?["message"] == "Stopped with strategy 'Stop'")
        let exit = nodes(wf).first { $0["displayName"]?.stringValue == "\(name).onExit" }
        #expect(exit?["phase"] == "Succeeded", "the exit handler runs after a Stop")
        let main = nodes(wf).first { $0["displayName"]?.stringValue == name }
        #expect(main?["phase"] == "Failed")
    }

    @Test func shutdownTerminateStopsEverythingWithoutTheExitHandler() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: Self.longStepWithExitHandler())
        #expect(try await waitRunning(h, name))
        try await patchSpec(h, name, ["shutdown": "Terminate"])
        let wf = try await h.waitForCompletion(name, timeout: 30)
        #expect(phase(wf) == "Failed")
        #expect(wf["status"]?["message"] == "Stopped with strategy 'Terminate'")
        #expect(!nodes(wf).contains { $0["displayName"]?.stringValue == "\(name).onExit" })
        // Its pod is deleted.
        #expect(try await h.eventually { try await h.pods(of: name).isEmpty })
    }

    @Test func aSuspendedWorkflowStartsNothingUntilResumed() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: held-}
            spec:
              entrypoint: main
              suspend: true
              templates:
                - name: main
                  container: {image: alpine, command: [echo, hi]}
            """)
        try await Task.sleep(for: .seconds(1))
        #expect(try await h.pods(of: name).isEmpty)
        #expect(phase(try await h.workflow(name)) == nil)
        try await patchSpec(h, name, ["suspend": false])
        #expect(phase(try await h.waitForCompletion(name)) == "Succeeded")
    }

    @Test func podGCOnPodSuccessDeletesSucceededPodsAndKeepsFailedOnes() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: gc-}
            spec:
              entrypoint: main
              podGC: {strategy: OnPodSuccess}
              templates:
                - name: main
                  steps:
                    - - {name: ok, template: ok}
                      - {name: bad, template: bad, continueOn: {failed: true}}
                - name: ok
                  container: {image: alpine, command: ["true"]}
                - name: bad
                  container: {image: alpine, command: ["false"]}
            """)
        #expect(phase(try await h.waitForCompletion(name)) == "Succeeded")
        #expect(try await h.eventually { try await h.pods(of: name).count == 1 })
        let remaining = try await h.pods(of: name)
        #expect(remaining.count == 1)
        #expect(remaining.first?["metadata"]?["annotations"]?["workflows.skein.dev/node-name"]?.stringValue?.hasSuffix(".bad") == true)
    }

    @Test func ttlStrategyDeletesTheFinishedWorkflow() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: ttl-}
            spec:
              entrypoint: main
              ttlStrategy: {secondsAfterCompletion: 3}
              templates:
                - name: main
                  container: {image: alpine, command: ["true"]}
            """)
        // 3 s, not 1: finishedAt has whole seconds, so the deletion can come up to a second
        // early, and with 1 s the Succeeded workflow was sometimes gone before a poll saw it.
        #expect(try await h.waitFor(name) { phase($0) == "Succeeded" })
        #expect(try await h.eventually { try await h.isGone(h.settings.workflows, name) })
    }

    /// Events about a workflow: with `all`, its start, each step and the end; with the
    /// default `failures`, only the failures (type Warning). `kubectl describe wf` shows them.
    @Test func eventsRecordWhatHappened() async throws {
        for policy in [EventPolicy.all, .failures] {
            let h = try await ControllerHarness.start { $0.events = policy }
            defer { Task { await h.stop() } }
            let name = try await h.submit(yaml: """
                apiVersion: skein.dev/v1alpha1
                kind: Workflow
                metadata: {generateName: events-}
                spec:
                  entrypoint: main
                  templates:
                    - name: main
                      steps:
                        - - {name: fine, template: ok}
                        - - {name: broken, template: fail}
                    - name: ok
                      container: {image: alpine, command: ["true"]}
                    - name: fail
                      container: {image: alpine, command: [sh, -c, "exit 3"]}
                """)
            #expect(phase(try await h.waitForCompletion(name)) == "Failed")
            func events() async throws -> [JSONValue] {
                try await h.client.list(.events, namespace: "default", options: ListOptions(fieldSelector: "involvedObject.name=\(name)")).items
            }
            #expect(try await h.eventually { try await events().contains { $0["reason"] == "WorkflowFailed" } })
            let all = try await events()
            let reasons = Set(all.compactMap { $0["reason"]?.stringValue })
            let failed = try #require(all.first { $0["reason"] == "WorkflowNodeFailed" && ($0["message"]?.stringValue ?? "").contains(".broken") })
            #expect(failed["type"] == "Warning")
            #expect(failed["message"]?.stringValue == "Failed node \(name)[1].broken: Error (exit code 3)", "\(failed)")
            #expect(failed["involvedObject"]?["uid"] != nil && failed["involvedObject"]?["kind"] == "Workflow")
            #expect(failed["metadata"]?["annotations"]?["workflows.skein.dev/node-type"] == "Pod")
            if policy == .all {
                #expect(reasons.isSuperset(of: ["WorkflowRunning", "WorkflowNodeRunning", "WorkflowNodeSucceeded", "WorkflowNodeFailed", "WorkflowFailed"]),
                        "\(reasons)")
                #expect(all.contains { $0["reason"] == "WorkflowNodeSucceeded" && $0["message"] == .string("Succeeded node \(name)[0].fine") })
            } else {
                #expect(all.allSatisfy { $0["type"] == "Warning" }, "\(reasons)")
                #expect(!reasons.contains("WorkflowRunning"))
                if SimCluster.kubectlPath != nil {
                    let described = try await h.cluster.kubectl(["describe", "wf", name])
                    #expect(described.stdout.contains("WorkflowNodeFailed"), "\(described.stdout)\n\(described.stderr)")
                }
            }
            await h.stop()
        }
    }

    /// `--parallelism 1`: a second workflow waits, Pending with a message, until the first ends.
    @Test func theControllerRunsAtMostParallelismWorkflowsAtOnce() async throws {
        let h = try await ControllerHarness.start { $0.parallelism = 1 }
        defer { Task { await h.stop() } }
        let slow = """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: slot-}
            spec:
              entrypoint: main
              templates: [{name: main, container: {image: alpine, command: [sleep, "1"]}}]
            """
        let first = try await h.submit(yaml: slow)
        #expect(try await waitRunning(h, first))
        let second = try await h.submit(yaml: slow)
        #expect(try await h.waitFor(second) { phase($0) == "Pending" })
        let waiting = try await h.workflow(second)
        #expect(waiting["status"]?["message"]?.stringValue?.contains("the most the controller runs at once (parallelism)") == true)
        let a = try await h.waitForCompletion(first)
        let b = try await h.waitForCompletion(second)
        #expect(phase(a) == "Succeeded" && phase(b) == "Succeeded")
        #expect(b["status"]?["message"] == nil)
        let firstEnd = try #require(a["status"]?["finishedAt"]?.stringValue)
        let secondStart = try #require(b["status"]?["startedAt"]?.stringValue)
        #expect(secondStart >= firstEnd)
    }
    /// `namespaceParallelism 1`: a second workflow of the same namespace waits; one of another
    /// namespace does not. A restarted controller keeps what already runs running.
    @Test func namespaceParallelismLimitsEachNamespaceAndARestartKeepsRunningOnesRunning() async throws {
        let h = try await ControllerHarness.start { $0.namespaceParallelism = 1 }
        defer { Task { await h.stop() } }
        _ = try await h.client.create(.namespaces, ["metadata": ["name": "other"]])
        func slow(_ ns: String) async throws -> String {
            let object: JSONValue = [
                "apiVersion": "skein.dev/v1alpha1", "kind": "Workflow", "metadata": ["generateName": "ns-slot-"],
                "spec": ["entrypoint": "main", "templates": [["name": "main", "container": ["image": "alpine", "command": ["sleep", "2"]]]]],
            ]
            return try await h.client.create(h.settings.workflows, object, namespace: ns).name ?? ""
        }
        let first = try await slow("default")
        #expect(try await waitRunning(h, first))
        let second = try await slow("default")
        let elsewhere = try await slow("other")
        #expect(try await h.waitFor(second) { phase($0) == "Pending" })
        let waiting = try await h.workflow(second)
        #expect(waiting["status"]?["message"]?.stringValue?.contains("running in namespace default") == true, "\(waiting["status"] ?? .null)")
        #expect(try await h.eventually {
            try await h.client.get(h.settings.workflows, elsewhere, namespace: "other")["status"]?["phase"] == "Running"
        }, "another namespace has a slot of its own")
        // A new controller meets `first` Running: it goes on, it is not sent back to Pending.
        await h.stopController()
        h.startController()
        let a = try await h.waitForCompletion(first)
        #expect(phase(a) == "Succeeded", "\(a["status"] ?? .null)")
        #expect(phase(try await h.waitForCompletion(second)) == "Succeeded")
    }
}
