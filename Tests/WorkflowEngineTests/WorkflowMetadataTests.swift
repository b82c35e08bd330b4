import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

/// `spec.workflowMetadata` (labels, annotations, labelsFrom) and the template label: what the
/// started workflow carries and what `workflow.labels.*` / `workflow.annotations.*` see.
@Suite struct WorkflowMetadataTests {
    static func wf(_ metadata: String, ref: String? = nil) -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          name: wf
          labels: {own: mine}
        spec:
          entrypoint: main
          arguments: {parameters: [{name: foo, value: bar}]}
          workflowMetadata:
        \(metadata.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
          templates:
          - name: main
            container: {image: alpine, command: [echo, "{{workflow.labels.foo}} {{workflow.labels.own}} {{workflow.annotations.note}} {{workflow.labels.json}}"]}
        """
    }

    @Test func labelsAnnotationsAndLabelsFromReachTheVariables() throws {
        let h = try EngineHarness(yaml: Self.wf("""
        labels: {team: data}
        annotations: {note: hello}
        labelsFrom:
          foo: {expression: "workflow.parameters.foo + '-' + upper(workflow.parameters.foo)"}
        """))
        #expect(h.run() == .succeeded, "\(h)")
        #expect(h.execution.workflowLabels == ["own": "mine", "team": "data", "foo": "bar-BAR"])
        #expect(h.execution.workflowAnnotations == ["note": "hello"])
        #expect(h.launches.first?.launch.template.container?["command"]?[1]?.stringValue
                == #"bar-BAR mine hello {"foo":"bar-BAR","own":"mine","team":"data"}"#)
    }

    @Test func aLabelsFromExpressionThatGivesNoStringEndsTheWorkflowInError() throws {
        let h = try EngineHarness(yaml: Self.wf("labelsFrom:\n  n: {expression: \"1 + 1\"}"))
        #expect(h.run() == .error)
        #expect(h.launches.isEmpty)
        #expect(h.message?.hasPrefix("spec.workflowMetadata.labelsFrom.n: gave '2', not a string") == true, "\(h.message ?? "")")
        let broken = try EngineHarness(yaml: Self.wf("labelsFrom:\n  n: {expression: \"nothing.here\"}"))
        #expect(broken.run() == .error)
        #expect(broken.message?.contains("unknown name 'nothing.here'") == true, "\(broken.message ?? "")")
    }

    @Test func aWorkflowRunningATemplateIsLabelledWithIt() throws {
        let yaml = """
        apiVersion: argoproj.io/v1alpha1
        kind: WorkflowTemplate
        metadata: {name: base}
        spec:
          entrypoint: main
          workflowMetadata: {labels: {from-template: "yes"}}
          templates:
          - name: main
            container: {image: alpine, command: [echo, "{{workflow.labels.workflows.argoproj.io/workflow-template}}"]}
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: wf}
        spec:
          workflowTemplateRef: {name: base}
        """
        let h = try EngineHarness(yaml: yaml)
        #expect(h.run() == .succeeded, "\(h)")
        #expect(h.execution.workflowLabels == ["from-template": "yes", "workflows.argoproj.io/workflow-template": "base",
                                               "workflows.skein.dev/workflow-template": "base"])
        #expect(h.launches.first?.launch.template.container?["command"]?[1]?.stringValue == "base")
    }

    @Test(arguments: [("Running", "false"), ("Succeeded", "true"), ("Failed", "true"), ("Error", "true"), ("Pending", "false")])
    func phaseLabels(_ phase: String, _ completed: String) {
        #expect(WorkflowExecution.phaseLabels(phase, groups: ["argoproj.io"])
                == ["workflows.argoproj.io/phase": phase, "workflows.argoproj.io/completed": completed])
    }
}
