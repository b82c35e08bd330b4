import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

@Suite struct ExitHookTemplateRefTests {
    /// A workflow-level `hooks.exit` given as a `templateRef` runs, with the workflow's status.
    @Test func anExitHookFromAWorkflowTemplateRuns() throws {
        let h = try EngineHarness(yaml: """
        apiVersion: argoproj.io/v1alpha1
        kind: WorkflowTemplate
        metadata: {name: lib}
        spec:
          templates:
          - name: report
            container: {image: alpine, command: [echo, "ended {{workflow.status}}"]}
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: wf}
        spec:
          entrypoint: main
          hooks:
            exit: {templateRef: {name: lib, template: report}}
          templates:
          - name: main
            container: {image: alpine, command: [echo, hi]}
        """)
        #expect(h.run() == .succeeded, "\(h)")
        #expect(h.started == ["wf", "wf.onExit"], "\(h.started)")
        #expect(h.launches.last?.launch.template.container?["command"]?[1]?.stringValue == "ended Succeeded")
    }
}

@Suite struct HookVariableTests {
    /// A task's exit hook and its named hooks see the task's own status, exit code and outputs.
    @Test func aTasksHooksSeeItsExitCodeAndOutputs() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          dag:
            tasks:
            - name: work
              template: work
              hooks:
                exit:
                  template: say
                  arguments: {parameters: [{name: t, value: "{{tasks.work.status}} {{tasks.work.exitCode}} {{tasks.work.outputs.result}} {{tasks.work.outputs.parameters.p}}"}]}
                failed:
                  expression: "tasks.work.exitCode == '4'"
                  template: say
                  arguments: {parameters: [{name: t, value: "exit code was four"}]}
        - name: work
          container: {image: alpine, command: [echo]}
          outputs: {parameters: [{name: p, valueFrom: {path: /tmp/p}}]}
        - name: say
          inputs: {parameters: [{name: t}]}
          container: {image: alpine, command: [echo, "{{inputs.parameters.t}}"]}
        """))
        _ = h.run { l in
            l.displayName == "work"
                ? StepOutcome(phase: .failed, exitCode: 4, result: "out", parameters: ["p": "v"], message: "Error (exit code 4)")
                : .success
        }
        let said = h.launches.filter { $0.launch.template.name == "say" }
            .compactMap { $0.launch.template.container?["command"]?[1]?.stringValue }.sorted()
        #expect(said == ["Failed 4 out v", "exit code was four"], "\(said)")
    }
}
