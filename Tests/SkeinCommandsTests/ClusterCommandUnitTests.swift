import Foundation
@testable import SkeinCommands
import SkeinJSON
import Testing
import WorkflowModel

/// The pure parts of the cluster commands: which nodes a retry runs again, names close to
/// a mistyped one, the table layout.
@Suite struct ClusterCommandUnitTests {
    static func node(_ id: String, _ type: NodeType, _ phase: NodePhase, children: [String] = [], name: String? = nil) -> NodeStatus {
        var n = NodeStatus(id: id, name: name ?? id, displayName: name ?? id, type: type, phase: phase)
        n.children = children.isEmpty ? nil : children
        n.finishedAt = phase.isFulfilled ? Timestamp(seconds: 10) : nil
        n.message = phase.isFailure ? "boom" : nil
        return n
    }

    /// wf(DAG) → A ✔ → {B ✖, C ✔}; B → D (Omitted); exit handler ✔.
    static func failedDAG() -> WorkflowStatus {
        var s = WorkflowStatus()
        s.phase = .failed
        s.message = "child failed"
        s.finishedAt = Timestamp(seconds: 10)
        let nodes = [
            node("wf", .dag, .failed, children: ["A"]),
            node("A", .pod, .succeeded, children: ["B", "C"]),
            node("B", .pod, .failed, children: ["D"]),
            node("C", .pod, .succeeded),
            node("D", .pod, .omitted),
            node("exit", .pod, .succeeded, name: "wf.onExit"),
        ]
        s.nodes = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0) })
        return s
    }

    @Test func retryRemovesFailedStepsAndWhatDidNotRunAndReopensTheirParents() throws {
        let plan = RetryPlan.plan(Self.failedDAG(), workflow: "wf", restartSuccessful: false, selector: nil)
        #expect(plan.removed == ["B", "D", "exit"])
        let nodes = try #require(plan.status.nodes)
        #expect(Set(nodes.keys) == ["wf", "A", "C"])
        #expect(nodes["wf"]?.phase == .running && nodes["wf"]?.finishedAt == nil && nodes["wf"]?.message == nil)
        #expect(nodes["A"]?.phase == .succeeded && nodes["A"]?.children == ["C"], "kept, its removed child unlisted")
        #expect(nodes["C"]?.phase == .succeeded)
        #expect(plan.status.phase == .running && plan.status.finishedAt == nil && plan.status.message == nil)
    }

    @Test func restartSuccessfulRunsTheSelectedStepsAndWhatIsUnderThem() throws {
        let selector = try NodeFieldSelector("displayName=A")
        let plan = RetryPlan.plan(Self.failedDAG(), workflow: "wf", restartSuccessful: true, selector: selector)
        #expect(plan.removed == ["A", "B", "C", "D", "exit"])
        #expect(plan.status.nodes?.keys.sorted() == ["wf"])
        // Without --restart-successful the selector changes nothing.
        let plain = RetryPlan.plan(Self.failedDAG(), workflow: "wf", restartSuccessful: false, selector: selector)
        #expect(plain.removed == ["B", "D", "exit"])
    }

    @Test func retryReopensAFailedRetryNodeAndDropsItsFailedAttempts() throws {
        var s = WorkflowStatus()
        s.phase = .failed
        let nodes = [
            Self.node("wf", .steps, .failed, children: ["g"]),
            Self.node("g", .stepGroup, .failed, children: ["r"]),
            Self.node("r", .retry, .failed, children: ["r0", "r1"]),
            Self.node("r0", .pod, .failed),
            Self.node("r1", .pod, .error),
        ]
        s.nodes = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0) })
        let plan = RetryPlan.plan(s, workflow: "wf", restartSuccessful: false, selector: nil)
        #expect(plan.removed == ["r0", "r1"])
        #expect(plan.status.nodes?["r"]?.phase == .running && plan.status.nodes?["r"]?.children == [])
        #expect(plan.status.nodes?["g"]?.phase == .running && plan.status.nodes?["wf"]?.phase == .running)
    }

    @Test func closestNamesPreferSmallEditsAndPrefixes() {
        let names = ["nightly-report", "nightly-backup", "hello", "hello-world", "unrelated-thing"]
        #expect(ClosestNames.find("nightly-reprt", among: names) == ["nightly-report"])
        #expect(ClosestNames.find("helo", among: names) == ["hello"])
        #expect(ClosestNames.find("hello-wor", among: names).first == "hello-world")
        #expect(ClosestNames.find("zzz", among: names).isEmpty)
        #expect(ClosestNames.distance("kitten", "sitting") == 3)
    }

    @Test func tablesAlignColumnsAndAgesReadLikeKubectls() {
        #expect(WorkflowRows.table([["NAME", "STATUS"], ["a-long-name", "Running"], ["b", ""]]) ==
                "NAME          STATUS\na-long-name   Running\nb\n")
        #expect(WorkflowRows.age(45) == "45s")
        #expect(WorkflowRows.age(600) == "10m")
        #expect(WorkflowRows.age(3 * 3600) == "3h")
        #expect(WorkflowRows.age(5 * 86400) == "5d")
        let running: JSONValue = ["status": ["phase": "Running"], "spec": ["suspend": true]]
        #expect(WorkflowRows.status(running) == "Running (Suspended)")
        #expect(WorkflowRows.status(["status": ["phase": "Running"], "spec": ["shutdown": "Stop"]]) == "Running (Stopping)")
        #expect(WorkflowRows.status(["status": ["phase": "Failed"], "spec": ["suspend": true]]) == "Failed")
        #expect(WorkflowRows.status([:]) == "Pending")
    }
}
