import Foundation
import KubeAPI
import SkeinJSON
import SkeinTestSupport
import Testing

/// What the engine decides about when steps run, and the times and hosts it records, on both
/// runtimes: workflow and template `parallelism`, `tasks.X.hostNodeName`, the workflow's
/// `startedAt`/`finishedAt`, and (controller only: a local step never waits in Pending)
/// template `pendingTimeout`.
@Suite(.serialized) struct SchedulingE2ETests {
    static func date(_ text: String) -> Date? { ISO8601DateFormatter().date(from: text) }

    /// The pods' [start, finish] intervals, in start order.
    static func intervals(_ wf: JSONValue) -> [(name: String, start: Date, finish: Date)] {
        (wf["status"]?["nodes"]?.objectValue?.values.map { $0 } ?? [])
            .filter { $0["type"]?.stringValue == "Pod" }
            .compactMap { n -> (String, Date, Date)? in
                guard let s = n["startedAt"]?.stringValue.flatMap(date),
                      let f = n["finishedAt"]?.stringValue.flatMap(date) else { return nil }
                return (n["displayName"]?.stringValue ?? "?", s, f)
            }
            .sorted { $0.1 < $1.1 }
    }

    /// Three one-second steps that could all run at once, limited to one at a time: by the
    /// workflow's `parallelism` (a steps group) and by a DAG template's own. Times are whole
    /// seconds, so each pod starts no earlier than the one before it finished; without the
    /// limit all three start in the same second and finish a second later.
    static let parallelYaml = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {generateName: parallelism-}
        spec:
          entrypoint: main
          parallelism: 1
          templates:
          - name: main
            steps:
            - - {name: s1, template: nap}
              - {name: s2, template: nap}
              - {name: s3, template: nap}
          - name: nap
            container: {image: alpine, command: [sleep, "1.2"]}
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {generateName: dag-parallelism-}
        spec:
          entrypoint: main
          templates:
          - name: main
            parallelism: 1
            dag:
              tasks:
              - {name: t1, template: nap}
              - {name: t2, template: nap}
              - {name: t3, template: nap}
          - name: nap
            container: {image: alpine, command: [sleep, "1.2"]}
        """

    @Test(arguments: [0, 1]) func parallelismRunsOneStepAtATime(_ which: Int) async throws {
        let yaml = Self.parallelYaml.components(separatedBy: "---\n")[which]
        let run = try await onBothRuntimes(yaml)
        for (runtime, wf) in [("controller", run.cluster), ("skein run", run.local)] {
            #expect(phase(wf) == "Succeeded", "\(runtime): \(nodeSummary(wf)) \(run.stderr)")
            let pods = Self.intervals(wf)
            #expect(pods.count == 3, "\(runtime): \(pods)")
            for (before, after) in zip(pods, pods.dropFirst()) {
                #expect(after.start >= before.finish, "\(runtime): \(after.name) started before \(before.name) finished: \(pods)")
            }
        }
    }

    /// `tasks.X.hostNodeName` is the node the step's pod ran on: KubeSim's node on the
    /// controller, this host locally; each the same as the node's own `hostNodeName`.
    @Test func hostNodeNameIsTheNodeTheStepRanOn() async throws {
        let run = try await onBothRuntimes("""
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata: {generateName: host-node-}
            spec:
              entrypoint: main
              templates:
              - name: main
                dag:
                  tasks:
                  - {name: a, template: echo}
                  - {name: b, template: echo, depends: a, arguments: {parameters: [{name: m, value: "{{tasks.a.hostNodeName}}"}]}}
              - name: echo
                inputs: {parameters: [{name: m, default: x}]}
                container: {image: alpine, command: [sh, -c, 'echo "$0" > /tmp/m', "{{inputs.parameters.m}}"]}
                outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
            """)
        for (runtime, wf) in [("controller", run.cluster), ("skein run", run.local)] {
            let nodes = wf["status"]?["nodes"]?.objectValue?.values.map { $0 } ?? []
            let a = try #require(nodes.first { $0["displayName"]?.stringValue == "a" }, "\(runtime)")
            let b = try #require(nodes.first { $0["displayName"]?.stringValue == "b" }, "\(runtime)")
            let host = try #require(a["hostNodeName"]?.stringValue, "\(runtime): a has no hostNodeName")
            #expect(!host.isEmpty)
            #expect(b["outputs"]?["parameters"]?[0]?["value"]?.stringValue == host, "\(runtime): \(nodeSummary(wf))")
        }
        #expect(run.cluster["status"]?["nodes"]?.objectValue?.values.contains { $0["hostNodeName"]?.stringValue == "skein-sim-node" } == true)
    }

    /// The workflow's `startedAt` and `finishedAt`: set, in order, around every node's times.
    @Test func theWorkflowRecordsWhenItStartedAndFinished() async throws {
        let run = try await onBothRuntimes("""
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata: {generateName: times-}
            spec:
              entrypoint: main
              templates:
              - name: main
                steps:
                - - {name: nap, template: nap}
              - name: nap
                container: {image: alpine, command: [sleep, "1.1"]}
            """)
        for (runtime, wf) in [("controller", run.cluster), ("skein run", run.local)] {
            let status = try #require(wf["status"])
            let started = try #require(status["startedAt"]?.stringValue.flatMap(Self.date), "\(runtime): \(status)")
            let finished = try #require(status["finishedAt"]?.stringValue.flatMap(Self.date), "\(runtime): \(status)")
            #expect(finished.timeIntervalSince(started) >= 1, "\(runtime): a 1.1 s step between \(started) and \(finished)")
            #expect(abs(started.timeIntervalSinceNow) < 120, "\(runtime): \(started) is not now")
            for pod in Self.intervals(wf) {
                #expect(pod.start >= started && pod.finish <= finished, "\(runtime): \(pod) outside the workflow's times")
            }
        }
    }

    /// A step whose pod is never scheduled (its `podSpecPatch` binds it to a node that does not
    /// exist, so KubeSim's kubelet leaves it Pending) fails once its `pendingTimeout` has
    /// passed, with Argo's message.
    @Test func aPodPendingLongerThanItsPendingTimeoutFails() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: """
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata: {generateName: pending-}
            spec:
              entrypoint: main
              templates:
              - name: main
                pendingTimeout: 2s
                podSpecPatch: '{"nodeName": "no-such-node"}'
                container: {image: alpine, command: [echo, hi]}
            """)
        let wf = try await h.waitForCompletion(name, timeout: 30)
        let pods = try await h.pods(of: name).map { $0["status"]?.compactJSON ?? "" }
        #expect(phase(wf) == "Failed", "\(nodeSummary(wf)) \(pods)")
        let node = wf["status"]?["nodes"]?[name]
        #expect(node?["message"]?.stringValue == "Pod was pending for longer than its pendingTimeout (2s)", "\(nodeSummary(wf))")
        #expect(try await h.eventually { try await h.pods(of: name).allSatisfy { $0["metadata"]?["deletionTimestamp"] != nil } }, "the pending pod is stopped")
    }
}
