import Controller
import Foundation
import KubeAPI
import KubeClient
import KubeSim
import SkeinJSON
import SkeinTestSupport
import WorkflowModel
import Testing

/// A status write that lands late must not undo newer state, and a status someone else
/// wrote is taken as the truth (issue 18: a dead controller's held patch left a Succeeded
/// workflow Running, with its step Pending, until the controller was restarted again).
@Suite(.serialized) struct StatusFencingTests {
    static let twoSteps = """
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {generateName: fenced-}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
                - - {name: a, template: sleep}
                - - {name: b, template: sleep}
            - name: sleep
              container: {image: alpine, command: [sh, -c, "sleep 0.5"]}
        """

    /// The first controller's first status write is held by the API server; it is killed;
    /// a second controller runs the workflow to the end; then the held write lands. It must
    /// be refused, and the workflow stay Succeeded with no restart.
    @Test func aHeldWriteFromADeadControllerDoesNotUndoTheEnd() async throws {
        let h = try await ControllerHarness.start(startController: false)
        defer { Task { await h.stop() } }
        let held = h.cluster.sim.faults.holdNext(RequestMatch(verb: "patch", resource: "workflows/status"))
        let name = try await h.submit(yaml: Self.twoSteps)
        h.startController()
        #expect(try await h.eventually { held.arrived })
        await h.stopController()
        h.startController()
        let done = try await h.waitForCompletion(name)
        #expect(phase(done) == "Succeeded")
        held.release()
        #expect(try await h.eventually { held.answered != nil })
        #expect(held.answered == 409, "the held write should fail its precondition, not land")
        // Give a live controller time to notice anything (it must find nothing to repair).
        try await Task.sleep(for: .seconds(1))
        let after = try await h.workflow(name)
        #expect(phase(after) == "Succeeded")
        #expect(after["status"]?["nodes"] == done["status"]?["nodes"])
    }

    /// A status written behind the running controller's back (by a writer that does not
    /// fence, say a user's `kubectl patch`): the controller takes what it sees, rebuilds from
    /// it, and the workflow ends right without a restart.
    @Test func aRegressedStatusIsNoticedAndRepairedWithoutARestart() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: Self.twoSteps)
        // The status while step a runs, as a stale writer would have it.
        #expect(try await h.waitFor(name) { wf in
            wf["status"]?["nodes"]?.objectValue?.values.contains { $0["displayName"] == "a" && $0["phase"] == "Running" } == true
        })
        let stale = try #require(try await h.workflow(name)["status"])
        let done = try await h.waitForCompletion(name)
        #expect(phase(done) == "Succeeded")
        let patch: JSONValue = [["op": "replace", "path": "/status", "value": stale]]
        _ = try await h.client.send(.patch(h.settings.workflows, namespace: "default", name: name, type: .json,
                                           body: Array(patch.compactJSON.utf8), subresource: "status"))
        #expect(phase(try await h.workflow(name)) == "Running")
        let repaired = try await h.waitForCompletion(name, timeout: 30)
        #expect(phase(repaired) == "Succeeded", "the controller should rebuild from what it sees")
        let steps = (repaired["status"]?["nodes"]?.objectValue?.values.map { $0 } ?? []).filter { $0["type"] == "Pod" }
        #expect(Set(steps.compactMap { $0["displayName"]?.stringValue }) == ["a", "b"])
        #expect(steps.allSatisfy { $0["phase"] == "Succeeded" })
        #expect(try await h.pods(of: name).count == 2, "no step ran twice")
    }
}

/// The same fence for CronWorkflows' status: a held write of a dead scheduler fails.
@Suite(.serialized) struct CronStatusFencingTests {
    @Test func aHeldCronStatusWriteDoesNotUndoNewerCounts() async throws {
        let h = try await ControllerHarness.start(startController: false)
        defer { Task { await h.stop() } }
        let held = h.cluster.sim.faults.holdNext(RequestMatch(verb: "patch", resource: "cronworkflows/status"))
        let doc = try #require(try DocumentLoader.load(text: CronWorkflowTests.cron("fenced", "schedule: \"@every 1s\""),
                                                       file: "cron.yaml").first)
        _ = try await h.client.create(h.settings.cronWorkflows, doc.raw, namespace: "default")
        h.startController()
        #expect(try await h.eventually(timeout: 30) { held.arrived })
        await h.stopController()
        h.startController()
        #expect(try await h.eventually(timeout: 30) {
            CronWorkflowTests.count(try await h.client.get(h.settings.cronWorkflows, "fenced", namespace: "default"), "succeeded") >= 2
        })
        let before = try await h.client.get(h.settings.cronWorkflows, "fenced", namespace: "default")
        held.release()
        #expect(try await h.eventually { held.answered != nil })
        #expect(held.answered == 409, "the held cron status write should fail its precondition")
        let after = try await h.client.get(h.settings.cronWorkflows, "fenced", namespace: "default")
        #expect(CronWorkflowTests.count(after, "succeeded") >= CronWorkflowTests.count(before, "succeeded"))
    }
}
