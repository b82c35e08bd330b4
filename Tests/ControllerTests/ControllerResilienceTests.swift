import Controller
import Foundation
import KubeAPI
import KubeClient
import KubeSim
import Logging
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

    /// Submits the diamond (0.6 s steps) and returns once b and c run, with d still to come:
    /// the shared directory and the workflow's name.
    static func diamondMidway(_ h: ControllerHarness) async throws -> (String, String) {
        let shared = h.cluster.directory + "/shared"
        let name = try await h.submit(yaml: Self.diamond(shared, seconds: 0.6))
        let midway = try await h.waitFor(name) { wf in
            let nodes = wf["status"]?["nodes"]?.objectValue?.values.map { $0 } ?? []
            return nodes.contains { $0["displayName"] == "b" && $0["phase"] == "Running" }
        }
        #expect(midway)
        return (shared, name)
    }

    @Test func aControllerRestartInTheMiddleOfADAGRunsNoStepTwice() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let (shared, name) = try await Self.diamondMidway(h)
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

    /// The API server restarts (store kept) while a DAG runs: its connections close, its
    /// watches end and their resourceVersions expire for 2 s, while steps finish and report
    /// into it. The controller, untouched, relists and ends the workflow right, each step once.
    @Test func anAPIServerRestartInTheMiddleOfADAGLosesNothing() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let (shared, name) = try await Self.diamondMidway(h)
        h.cluster.sim.restart(downFor: 2)
        try await Task.sleep(for: .seconds(2.2))
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded")
        #expect(Self.logLines(shared) == ["a", "b", "c", "d"])
        #expect(try await h.pods(of: name).count == 4)
    }

    /// Pods that cannot be created for a while (the API server fails every create), and a
    /// controller restarted meanwhile: no stored node is left without its pod (which a
    /// restarted controller would take for a deleted pod, an Error); once creates work
    /// again, every step runs, once.
    @Test func aRestartWhilePodsCannotBeCreatedLosesNothing() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let faults = h.cluster.sim.faults
        let shared = h.cluster.directory + "/shared"
        let name = try await h.submit(yaml: Self.diamond(shared, seconds: 0.2))
        #expect(try await h.waitFor(name) { nodeSummary($0).contains { $0.hasPrefix("a Pod") } })
        faults.failNext(100_000, RequestMatch(verb: "create", resource: "pods"), code: 500)
        #expect(await SimCluster.eventually(timeout: 20) { Self.logLines(shared) == ["a"] })
        try await Task.sleep(for: .seconds(1.5))   // a has ended; b's and c's pods fail to be created
        let stored = try await h.workflow(name)
        let podsNow = Set(try await h.pods(of: name).compactMap { $0.annotations[h.settings.nodeIDAnnotation] })
        for (id, node) in stored["status"]?["nodes"]?.objectValue ?? [:] where node["type"] == "Pod" {
            #expect(podsNow.contains(id), "node \(node["displayName"] ?? .null) is stored without its pod")
        }
        await h.stopController()
        h.startController()
        try await Task.sleep(for: .seconds(1))
        faults.clear()
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded", "\(wf["status"]?["message"] ?? .null)")
        #expect(Self.logLines(shared) == ["a", "b", "c", "d"])
        #expect(try await h.pods(of: name).count == 4)
    }

    /// Workflows of every namespace that exist before the controller starts are run (the
    /// informer once listed only the default namespace).
    @Test func aControllerStartedLaterRunsWorkflowsOfEveryNamespace() async throws {
        let h = try await ControllerHarness.start(startController: false)
        defer { Task { await h.stop() } }
        var names: [(String, String)] = []
        for ns in ["default", "team-a"] {
            if ns != "default" {
                _ = try await h.client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])
            }
            names.append((ns, try await h.submit(yaml: """
                apiVersion: skein.dev/v1alpha1
                kind: Workflow
                metadata: {generateName: early-}
                spec:
                  entrypoint: main
                  templates: [{name: main, container: {image: alpine, command: ["true"]}}]
                """, namespace: ns)))
        }
        h.startController()
        for (ns, name) in names {
            #expect(phase(try await h.waitForCompletion(name, namespace: ns, timeout: 30)) == "Succeeded", "\(ns)")
        }
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

    /// A step over its memory limit is OOMKilled: Failed with that message, so `OnError`
    /// does not retry it and `OnFailure` does.
    @Test func anOOMKilledStepFailsAndOnlyOnFailureRetriesIt() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        func workflow(_ policy: String) -> String {
            """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: oom-}
            spec:
              entrypoint: main
              templates:
                - name: main
                  retryStrategy: {limit: 1, retryPolicy: \(policy)}
                  container:
                    image: python:3.12
                    command: [python3, -c, "import time\\nx = b'x' * (300 << 20)\\ntime.sleep(30)"]
                    resources: {limits: {memory: 64Mi}}
            """
        }
        for (policy, tries) in [("OnError", 1), ("OnFailure", 2)] {
            let wf = try await h.waitForCompletion(try await h.submit(yaml: workflow(policy)), timeout: 60)
            #expect(phase(wf) == "Failed", "\(policy)")
            let attempts = (wf["status"]?["nodes"]?.objectValue?.values.map { $0 } ?? []).filter { $0["type"] == "Pod" }
            #expect(attempts.count == tries, "\(policy)")
            #expect(attempts.allSatisfy { $0["phase"] == "Failed" && $0["message"] == "OOMKilled (exit code 137)" }, "\(attempts)")
        }
    }
}

/// Workflows a user can write that no timer can hold (issue 18: one of them crash-looped the
/// controller, so no workflow anywhere made progress). Each ends on its own; the others run.
@Suite(.serialized) struct ControllerHugeDurationTests {
    static func workflow(_ name: String, _ template: String, spec: String = "") -> String {
        """
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {generateName: \(name)-}
        spec:
          entrypoint: main
          arguments: {parameters: [{name: d, value: 99999999999999h}]}
        \(spec)
          templates:
            - name: main
        \(template.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
        """
    }

    @Test func hugeDurationsEndTheirWorkflowAndTheControllerKeepsServing() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let bad: [(String, String, String, String)] = [
            ("timeout", "timeout: 99999999999999h\ncontainer: {image: alpine, command: [\"true\"]}", "", "Error"),
            ("suspend", "suspend: {duration: 99999999999999h}", "", "Error"),
            ("backoff", "retryStrategy: {limit: 3, backoff: {duration: 1s, maxDuration: \"1e300\"}}\ncontainer: {image: alpine, command: [\"false\"]}",
             "", "Error"),
            ("param-timeout", "timeout: \"{{workflow.parameters.d}}\"\ncontainer: {image: alpine, command: [\"true\"]}", "", "Error"),
            ("param-suspend", "suspend: {duration: \"{{workflow.parameters.d}}\"}", "", "Error"),
            // Valid, but compounding past any timer: capped, and the workflow's deadline ends it.
            ("compounding", "retryStrategy: {limit: 5, backoff: {duration: 2562047h, factor: 1000}}\ncontainer: {image: alpine, command: [\"false\"]}",
             "  activeDeadlineSeconds: 3", "Failed"),
            ("longest-deadline", "activeDeadlineSeconds: 9223372036854775807\ncontainer: {image: alpine, command: [\"true\"]}",
             "  activeDeadlineSeconds: 9223372036854775807", "Succeeded"),
        ]
        let good = Self.workflow("good", "container: {image: alpine, command: [echo, ok]}")
        var names: [(String, String, String)] = []
        for (what, template, spec, expected) in bad {
            names.append((what, try await h.submit(yaml: Self.workflow(what, template, spec: spec)), expected))
        }
        let before = try await h.submit(yaml: good)
        for (what, name, expected) in names {
            let wf = try await h.waitForCompletion(name, timeout: 60)
            #expect(phase(wf) == expected, "\(what): \(wf["status"]?["message"] ?? .null)")
            if expected == "Error" {
                let messages = [wf["status"]?["message"]?.stringValue ?? ""]
                    + (wf["status"]?["nodes"]?.objectValue?.values.compactMap { $0["message"]?.stringValue } ?? [])
                #expect(messages.contains { $0.contains("is out of range") }, "\(what): \(messages)")
            }
        }
        #expect(phase(try await h.waitForCompletion(before)) == "Succeeded")
        // A controller started again meets them all, and still serves the next workflow.
        await h.stopController()
        h.startController()
        let after = try await h.submit(yaml: good)
        #expect(phase(try await h.waitForCompletion(after)) == "Succeeded")
        for (what, name, expected) in names {
            #expect(phase(try await h.workflow(name)) == expected, "\(what) after the restart")
        }
    }
}

@Suite(.serialized) struct ControllerLeaderElectionTests {
    static func podsCreated(_ c: WorkflowController) -> Int {
        let text = String(decoding: c.metricsText(), as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix("skein_pods_created_total ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// Two controllers with leader election: only the lease holder works; when it stops
    /// (releasing the lease), the standby takes over.
    @Test func onlyTheLeaderWorksAndTheStandbyTakesOver() async throws {
        let h = try await ControllerHarness.start(startController: false)
        defer { Task { await h.stop() } }
        // A renew deadline a loaded test machine keeps: with 1.5 s, a full run once let the
        // leader's renewals slip past it and the standby take over mid-test. The takeover
        // below does not wait for it (a stopped leader releases the lease).
        func election(_ id: String) -> LeaderElector.Configuration {
            .init(leaseName: "skein-controller", namespace: "default", identity: id, leaseDuration: .seconds(8),
                  renewDeadline: .seconds(6), retryPeriod: .milliseconds(200))
        }
        var logger = Logger(label: "skein.controller.test")
        logger.logLevel = .error
        let client = try KubeClient(kubeconfig: h.cluster.kubeconfig, logger: logger)
        let a = WorkflowController(client: client, settings: h.settings, logger: logger)
        let b = WorkflowController(client: client, settings: h.settings, logger: logger)
        let runA = Task { await a.run(leaderElection: election("a")) }
        // b starts once a holds the lease (on a loaded machine a's first try can take longer
        // than any fixed wait, and then b may take it first).
        #expect(try await h.eventually {
            let lease = try? await h.client.get(.leases, "skein-controller", namespace: "default")
            return lease?["spec"]?["holderIdentity"] == "a"
        })
        let runB = Task { await b.run(leaderElection: election("b")) }
        let hello = """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: led-}
            spec:
              entrypoint: main
              templates: [{name: main, container: {image: alpine, command: ["true"]}}]
            """
        let first = try await h.submit(yaml: hello)
        #expect(phase(try await h.waitForCompletion(first)) == "Succeeded")
        #expect(Self.podsCreated(a) == 1)
        #expect(Self.podsCreated(b) == 0)
        let lease = try await h.client.get(.leases, "skein-controller", namespace: "default")
        #expect(lease["spec"]?["holderIdentity"] == "a")

        runA.cancel()
        #expect(await runA.value == .stopped)
        let second = try await h.submit(yaml: hello)
        #expect(phase(try await h.waitForCompletion(second, timeout: 30)) == "Succeeded")
        #expect(Self.podsCreated(b) == 1)
        runB.cancel()
        _ = await runB.value
    }
}

/// Outputs survive errors while they are reported (issue 18: with 500s on task-result creates,
/// 17 of 40 workflows ended in Error with steps missing).
@Suite(.serialized) struct TaskResultResilienceTests {
    static func producerConsumer(_ i: Int) -> String {
        """
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {generateName: outputs-}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
                - - {name: make, template: make}
                - - {name: use, template: use, arguments: {parameters: [{name: v, value: "{{steps.make.outputs.parameters.v}}"}]}}
            - name: make
              container: {image: alpine, command: [sh, -c, "echo value-\(i) > /tmp/v"]}
              outputs: {parameters: [{name: v, valueFrom: {path: /tmp/v}}]}
            - name: use
              inputs: {parameters: [{name: v}]}
              container: {image: alpine, command: [echo, "{{inputs.parameters.v}}"]}
              outputs: {parameters: [{name: echoed, valueFrom: {path: /dev/null, default: "{{inputs.parameters.v}}"}}]}
        """
    }

    @Test func serverErrorsOnTaskResultsForAWhileLoseNoOutput() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        h.cluster.sim.faults.failNext(25, RequestMatch(verb: "create", resource: "workflowtaskresults"), code: 500)
        var names: [(Int, String)] = []
        for i in 0..<8 { names.append((i, try await h.submit(yaml: Self.producerConsumer(i)))) }
        for (i, name) in names {
            let wf = try await h.waitForCompletion(name, timeout: 90)
            #expect(phase(wf) == "Succeeded", "\(name): \(wf["status"]?["message"] ?? .null)")
            let use = wf["status"]?["nodes"]?.objectValue?.values.first { $0["displayName"] == "use" }
            #expect(use?["inputs"]?["parameters"]?[0]?["value"]?.stringValue == "value-\(i)", "\(name)")
        }
    }

    @Test func aTaskResultThatCanNeverBeWrittenEndsTheStepInErrorSayingSo() async throws {
        let h = try await ControllerHarness.start { s in
            s.reportTimeout = 2
            s.resultGrace = 1
        }
        defer { Task { await h.stop() } }
        h.cluster.sim.faults.failNext(1_000_000, RequestMatch(verb: "create", resource: "workflowtaskresults"), code: 503)
        let name = try await h.submit(yaml: Self.producerConsumer(0))
        let wf = try await h.waitForCompletion(name, timeout: 60)
        #expect(phase(wf) == "Error")
        let make = wf["status"]?["nodes"]?.objectValue?.values.first { $0["displayName"] == "make" }
        let message = make?["message"]?.stringValue ?? ""
        #expect(make?["phase"] == "Error")
        #expect(message.contains("the step's outputs are lost"), "\(message)")
        #expect(message.contains("could not report the step's outputs (parameters: v)"), "\(message)")
        #expect(message.contains("503"), "\(message)")
    }
}
