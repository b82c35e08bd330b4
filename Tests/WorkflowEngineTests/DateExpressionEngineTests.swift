import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

/// `now()` in a workflow is the engine's clock when the expression is evaluated, so dates move
/// on as the workflow runs (the harness starts at 2027-01-15T08:00:00Z).
@Suite struct DateExpressionEngineTests {
    @Test func nowIsTheClockWhenTheStepIsDecided() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: today, template: echo, arguments: {parameters: [{name: msg, value: "{{=now().Format('2006-01-02 15:04')}}"}]}}
          - - {name: long, template: echo}
          - - name: late
              template: echo
              when: "{{= now() - date(workflow.creationTimestamp) > duration('1h') }}"
              arguments: {parameters: [{name: msg, value: "{{=sprig.date('15:04', now())}}"}]}
            - name: early
              template: echo
              when: "{{= (now() - date(workflow.creationTimestamp)).Minutes() < 60 }}"
        \(echo)
        """))
        let phase = h.run { l in l.displayName == "long" ? .succeed(after: 3600) : .success }
        #expect(phase == .succeeded)
        let messages = h.launches.compactMap(command)
        #expect(messages.first == "2027-01-15 08:00")
        #expect(h.phase(of: "late") == .succeeded)
        #expect(messages.last?.hasPrefix("09:0") == true, "\(messages)")
        #expect(h.phase(of: "early") == .skipped)
    }

    @Test func aBadDateIsTheStepsError() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: a, template: echo, arguments: {parameters: [{name: msg, value: "{{=date('soon').Year()}}"}]}}
        \(echo)
        """))
        #expect(h.run() == .error)
        #expect(h.node("a")?.message?.contains("cannot parse 'soon' as a date") == true, "\(String(describing: h.node("a")?.message))")
    }
}
