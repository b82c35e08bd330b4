import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

/// A DAG's phase from its targets' branches, as Argo's `assessDAGPhase`: a Skipped target has
/// completed (its branch is not a failure), an Omitted one inherits the failure above it.
@Suite struct DAGPhaseTests {
    @Test(arguments: [
        // c's condition, c's phase, the DAG's phase
        ("when: \"'{{tasks.a.status}}' == 'Succeeded'\"", NodePhase.skipped, WorkflowPhase.succeeded),
        ("depends: a.Succeeded", NodePhase.omitted, WorkflowPhase.failed),
    ])
    func aTargetAfterAFailureThatContinues(_ condition: String, _ cPhase: NodePhase, _ expected: WorkflowPhase) throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          dag:
            tasks:
            - {name: a, template: echo, continueOn: {failed: true}}
            - {name: c, template: echo, \(condition.hasPrefix("when") ? "depends: a, " : "")\(condition)}
        \(echo)
        """))
        let phase = h.run { l in l.displayName == "a" ? .fail() : .success }
        #expect(h.phase(of: "c") == cPhase, "\(h)")
        #expect(phase == expected, "\(h)")
    }
}
