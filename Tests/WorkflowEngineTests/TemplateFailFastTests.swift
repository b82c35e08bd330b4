import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

/// A template's `failFast: true` over a loop: after a failed child no new child starts, and the
/// template fails with Argo's message once the running ones are done.
@Suite struct TemplateFailFastTests {
    static func yaml(failFast: Bool, parallelism: Int) -> String {
        workflow("""
        - name: main
          failFast: \(failFast)
          parallelism: \(parallelism)
          steps:
          - - {name: each, template: run, arguments: {parameters: [{name: n, value: "{{item}}"}]}, withItems: [1, 2, 3, 4]}
        - name: run
          inputs: {parameters: [{name: n}]}
          container: {image: alpine, command: [sh, -c, "exit 0"]}
        """)
    }

    @Test func noNewChildStartsAfterAFailure() throws {
        let h = try EngineHarness(yaml: Self.yaml(failFast: true, parallelism: 1))
        #expect(h.run { l in l.displayName.hasPrefix("each(1:") ? .fail(exitCode: 1) : .success } == .failed)
        #expect(h.started == ["each(0:1)", "each(1:2)"], "\(h.started)")
        #expect(h.node("wf")?.message == "template has failed or errored children and failFast enabled")
        #expect(h.message == "template has failed or errored children and failFast enabled")
    }

    @Test func runningChildrenFinishFirst() throws {
        let h = try EngineHarness(yaml: Self.yaml(failFast: true, parallelism: 2))
        // each(0) fails at once while each(1) runs for 5 s: each(1) ends, nothing more starts.
        let phase = h.run { l in
            if l.displayName.hasPrefix("each(0:") { return .fail(exitCode: 1) }
            return .succeed(after: 5)
        }
        #expect(phase == .failed)
        #expect(h.started == ["each(0:1)", "each(1:2)"], "\(h.started)")
        #expect(h.phase(of: "each(1:2)") == .succeeded)
        #expect(h.finished("wf") ?? 0 >= 5)
    }

    @Test func withoutFailFastEveryChildRuns() throws {
        let h = try EngineHarness(yaml: Self.yaml(failFast: false, parallelism: 1))
        #expect(h.run { l in l.displayName.hasPrefix("each(1:") ? .fail(exitCode: 1) : .success } == .failed)
        #expect(h.started.count == 4)
        #expect(h.node("wf")?.message?.hasPrefix("child '") == true)
    }
}
