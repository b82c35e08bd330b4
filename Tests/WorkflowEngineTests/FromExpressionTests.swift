import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

/// Artifacts chosen by an expression (`fromExpression`), and composite outputs whose child
/// did not run falling back to `valueFrom.default`.
@Suite struct FromExpressionTests {
    static func yaml(_ heads: Bool) -> String {
        workflow("""
        - name: main
          steps:
          - - {name: flip, template: flip}
          - - {name: heads, template: make, when: "{{steps.flip.outputs.result}} == heads"}
            - {name: tails, template: make, when: "{{steps.flip.outputs.result}} == tails"}
          - - name: use
              template: use
              arguments:
                artifacts:
                - {name: in, fromExpression: "steps.flip.outputs.result == 'heads' ? steps.heads.outputs.artifacts.out : steps.tails.outputs.artifacts.out"}
          outputs:
            parameters:
            - {name: from-heads, valueFrom: {parameter: "{{steps.heads.outputs.parameters.p}}", default: "heads did not run"}}
            artifacts:
            - {name: result, fromExpression: "steps.flip.outputs.result == 'heads' ? steps.heads.outputs.artifacts.out : steps.tails.outputs.artifacts.out"}
        - name: flip
          container: {image: alpine, command: [echo]}
        - name: make
          container: {image: alpine, command: [echo]}
          outputs:
            parameters: [{name: p, valueFrom: {path: /tmp/p}}]
            artifacts: [{name: out, path: /tmp/out}]
        - name: use
          inputs: {artifacts: [{name: in, path: /tmp/in}]}
          container: {image: alpine, command: [cat, /tmp/in]}
        """)
    }

    @Test(arguments: [true, false])
    func theArtifactOfTheBranchThatRanIsChosen(_ heads: Bool) throws {
        let h = try EngineHarness(yaml: Self.yaml(heads))
        let phase = h.run { l in
            if l.displayName == "flip" { return .succeed(result: heads ? "heads" : "tails") }
            return .succeed(parameters: ["p": "made"], artifacts: ["out": "key-of-\(l.displayName)"])
        }
        #expect(phase == .succeeded, "\(h)")
        let branch = heads ? "heads" : "tails"
        let use = try #require(h.launches.first { $0.launch.displayName == "use" })
        #expect(use.launch.inputArtifacts.first?.name == "in")
        #expect(use.launch.inputArtifacts.first?.source == .stored(key: "key-of-\(branch)"), "\(use.launch.inputArtifacts)")
        let outputs = h.execution.node(named: "wf")?.outputs
        #expect(outputs?.artifacts?.first?.name == "result" && outputs?.artifacts?.first?.key == "key-of-\(branch)")
        #expect(outputs?.parameters?.first?.value?.value == (heads ? "made" : "heads did not run"))
    }
}
