import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

/// `continueOn.error`, a DAG task's `hooks` and `onExit`, and workflow-level expression hooks.
@Suite struct ContinueAndHookTests {
    @Test(arguments: [(true, WorkflowPhase.succeeded), (false, .error)])
    func continueOnErrorGoesOnAfterAStepThatErrored(_ continueOn: Bool, _ expected: WorkflowPhase) throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: broken, template: echo\(continueOn ? ", continueOn: {error: true}" : "")}
          - - {name: after, template: echo}
        \(echo)
        """))
        let phase = h.run { l in l.displayName == "broken" ? StepOutcome(phase: .error, message: "pod deleted") : .success }
        #expect(phase == expected)
        #expect(h.phase(of: "broken") == .error)
        #expect(h.started.contains("after") == continueOn)
    }

    @Test func aDAGTasksHooksAndOnExitRun() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          dag:
            tasks:
            - name: work
              template: echo
              arguments: {parameters: [{name: msg, value: work}]}
              onExit: bye
              hooks:
                done:
                  expression: tasks.work.status == "Succeeded"
                  template: echo
                  arguments: {parameters: [{name: msg, value: "hook saw {{tasks.work.status}}"}]}
                never:
                  expression: tasks.work.status == "Failed"
                  template: echo
        - name: bye
          container: {image: alpine, command: [echo, bye]}
        \(echo)
        """))
        #expect(h.run() == .succeeded, "\(h)")
        let said = h.launches.compactMap(command)
        #expect(said.first == "work")
        #expect(Set(said.dropFirst()) == ["hook saw Succeeded", "bye"], "\(said)")
        let hooked = h.execution.status.nodes?.values.filter { $0.nodeFlag?.hooked == true }.map(\.displayName).sorted()
        #expect(hooked?.count == 2, "\(hooked ?? [])")
    }

    /// `spec.hooks.<name>` with an expression over `workflow.status`: runs once, when it holds.
    @Test func aWorkflowExpressionHookRunsWhenItsExpressionHolds() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: work, template: echo}
        - name: running
          container: {image: alpine, command: [echo, "workflow running"]}
        - name: failed
          container: {image: alpine, command: [echo, "workflow failed"]}
        \(echo)
        """, spec: """
        hooks:
          started: {expression: workflow.status == "Running", template: running}
          failing: {expression: workflow.status == "Failed", template: failed}
        """))
        #expect(h.run() == .succeeded, "\(h)")
        let said = h.launches.compactMap(command)
        #expect(said.filter { $0 == "workflow running" }.count == 1, "\(said)")
        #expect(!said.contains("workflow failed"))
    }
}

/// Argo 4.1's template `pendingTimeout`: a step whose pod stays Pending that long fails; one
/// that started running in time is not affected.
@Suite struct PendingTimeoutTests {
    static let yaml = workflow("""
    - name: main
      pendingTimeout: 30s
      container: {image: alpine, command: [echo, hi]}
    """)

    @Test func aStepPendingTooLongFails() throws {
        let h = try EngineHarness(yaml: Self.yaml)
        _ = h.run(maxRounds: 1) { _ in .hang }
        let node = try #require(h.execution.node(named: "wf"))
        let start = try #require(node.startedAt)
        // The runtime says the pod is Pending (unschedulable, say), and nothing changes for 31 s.
        let waiting = h.execution.reconcile(observations: [.step(node.id, phase: .pending, message: "Unschedulable")], now: start.adding(1))
        // The engine asks to look again when the timeout is due.
        #expect(waiting.contains { if case .requeue(let after) = $0 { return after == 29 } else { return false } }, "\(waiting)")
        let actions = h.execution.reconcile(observations: [], now: start.adding(31))
        #expect(h.execution.node(named: "wf")?.phase == .failed)
        #expect(h.execution.node(named: "wf")?.message == "Pod was pending for longer than its pendingTimeout (30s)")
        #expect(actions.contains { if case .stopStep(let id, _) = $0 { return id == node.id } else { return false } })
    }

    /// A pod that is never scheduled may never be observed again: the engine asks to be woken
    /// when the timeout is due from the moment it creates the step.
    @Test func aStepNeverObservedStillTimesOut() throws {
        let h = try EngineHarness(yaml: Self.yaml)
        let start = Timestamp(seconds: 1_000)
        let first = h.execution.reconcile(observations: [], now: start)
        #expect(first.contains { if case .requeue(let after) = $0 { return after == 30 } else { return false } }, "\(first)")
        _ = h.execution.reconcile(observations: [], now: start.adding(30))
        #expect(h.execution.node(named: "wf")?.message == "Pod was pending for longer than its pendingTimeout (30s)")
    }

    @Test func aStepRunningInTimeIsNotAffected() throws {
        let h = try EngineHarness(yaml: Self.yaml)
        #expect(h.run { _ in .succeed(after: 120) } == .succeeded)
    }
}
