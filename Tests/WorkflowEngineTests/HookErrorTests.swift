import Foundation
import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

/// Hooks whose `expression` cannot be decided end as Argo's do: the hook's node in Error with
/// the reason, and the step (or the workflow) in Error; an exit hook's `expression` decides
/// whether it runs.
@Suite struct HookErrorTests {
    func stepWithHook(_ hook: String) -> String {
        workflow("""
        - name: main
          steps:
          - - name: work
              template: work
              hooks:
                check: \(hook)
        - name: work
          container: {image: alpine, command: [echo, work]}
          outputs: {parameters: [{name: p, valueFrom: {path: /tmp/p}}]}
        \(echo)
        """)
    }

    @Test(arguments: [
        (#"{expression: "steps.work.outputs.parameters.missing.x == 1", template: echo}"#, "unable to evaluate expression 'steps.work.outputs.parameters.missing.x == 1' of hook wf[0].work.hooks.check: unknown name 'steps.work.outputs.parameters.missing.x'"),
        (#"{expression: "steps.work.status", template: echo}"#, "unable to cast expression result 'Succeeded' of hook wf[0].work.hooks.check to bool"),
        (#"{template: echo}"#, "Expression required for hook wf[0].work.hooks.check"),
    ])
    func aStepHookThatCannotBeDecidedIsAnError(_ hook: String, _ message: String) throws {
        let h = try EngineHarness(yaml: stepWithHook(hook))
        #expect(h.run() == .error, "\(h)")
        let hookNode = try #require(h.node("hooks.check"), "\(h)")
        #expect(hookNode.phase == .error)
        #expect(hookNode.nodeFlag?.hooked == true)
        #expect(hookNode.message?.hasPrefix(message) == true, "\(hookNode.message ?? "")")
        #expect(h.phase(of: "work") == .error)
        #expect(h.node("work")?.message == hookNode.message)
        #expect(h.started == ["work"], "the hook's template never runs: \(h.started)")
    }

    /// An expression over outputs that exist only once the step has finished is asked again
    /// then, and the hook runs.
    @Test func anExpressionOverOutputsIsDecidedOnceTheStepHasFinished() throws {
        let h = try EngineHarness(yaml: stepWithHook(#"{expression: "steps.work.outputs.parameters.p == 'v'", template: echo, arguments: {parameters: [{name: msg, value: hooked}]}}"#))
        let phase = h.run { l in l.displayName == "work" ? StepOutcome(phase: .succeeded, parameters: ["p": "v"]) : .success }
        #expect(phase == .succeeded, "\(h)")
        #expect(h.launches.compactMap(command) == ["work", "hooked"])
        #expect(h.phase(of: "hooks.check") == .succeeded)
    }

    @Test(arguments: [("steps.work.status == 'Failed'", false), ("steps.work.status == 'Succeeded'", true)])
    func anExitHooksExpressionDecidesWhetherItRuns(_ expression: String, _ runs: Bool) throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - name: work
              template: echo
              arguments: {parameters: [{name: msg, value: work}]}
              hooks:
                exit: {expression: "\(expression)", template: echo, arguments: {parameters: [{name: msg, value: bye}]}}
        \(echo)
        """))
        #expect(h.run() == .succeeded, "\(h)")
        #expect(h.launches.compactMap(command) == (runs ? ["work", "bye"] : ["work"]))
        #expect((h.node("work.onExit") != nil) == runs)
    }

    /// An exit hook whose expression cannot be evaluated, or whose argument cannot be resolved:
    /// its node and the step end in Error, and its template never runs.
    @Test(arguments: [
        (#"{expression: "steps.work.nope.x", template: echo}"#, "unable to evaluate expression 'steps.work.nope.x' of hook wf[0].work.onExit: "),
        (#"{template: echo, arguments: {parameters: [{name: m, value: "{{steps.work.outputs.parameters.nope}}"}]}}"#, "failed to resolve {{steps.work.outputs.parameters.nope}}"),
    ])
    func anExitHookThatCannotStartIsAnError(_ hook: String, _ message: String) throws {
        let h = try EngineHarness(yaml: stepWithHook(hook).replacingOccurrences(of: "check: ", with: "exit: "))
        #expect(h.run() == .error, "\(h)")
        let exitNode = try #require(h.node("work.onExit"), "\(h)")
        #expect(exitNode.phase == .error && exitNode.nodeFlag?.hooked == true)
        #expect(exitNode.message?.contains(message) == true, "\(exitNode.message ?? "")")
        #expect(h.phase(of: "work") == .error)
        #expect(h.started == ["work"], "\(h.started)")
    }

    @Test func aWorkflowHookThatCannotBeEvaluatedErrorsTheWorkflow() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: work, template: echo}
        \(echo)
        """, spec: """
        hooks:
          broken: {expression: "workflow.status.nope.x == 1", template: echo}
        """))
        #expect(h.run() == .error, "\(h)")
        let hookNode = try #require(h.node("wf.hooks.broken"), "\(h)")
        #expect(hookNode.phase == .error)
        #expect(hookNode.message?.hasPrefix("unable to evaluate expression 'workflow.status.nope.x == 1' of hook wf.hooks.broken: ") == true, "\(hookNode.message ?? "")")
        #expect(h.message == hookNode.message)
        #expect(h.started == ["work"])
    }

    @Test(arguments: [("workflow.status == 'Failed'", false), ("workflow.status == 'Succeeded'", true)])
    func aWorkflowExitHooksExpressionDecidesWhetherItRuns(_ expression: String, _ runs: Bool) throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: work, template: echo}
        - name: bye
          container: {image: alpine, command: [echo, bye]}
        \(echo)
        """, spec: """
        hooks:
          exit: {expression: "\(expression)", template: bye}
        """))
        #expect(h.run() == .succeeded, "\(h)")
        #expect(h.started == (runs ? ["work", "wf.onExit"] : ["work"]), "\(h.started)")
    }
}

/// An artifact argument whose `from` names an artifact the producer did not make: left out when
/// the argument is `optional` (the input's own `optional` then decides), an error naming the fix
/// otherwise, as in Argo.
@Suite struct OptionalArtifactArgumentTests {
    func yaml(argumentOptional: Bool) -> String {
        workflow("""
        - name: main
          steps:
          - - {name: make, template: make}
          - - name: use
              template: use
              arguments: {artifacts: [{name: a, from: "{{steps.make.outputs.artifacts.maybe}}"\(argumentOptional ? ", optional: true" : "")}]}
        - name: make
          container: {image: alpine, command: [echo, make]}
          outputs: {artifacts: [{name: maybe, path: /tmp/maybe, optional: true}]}
        - name: use
          inputs: {artifacts: [{name: a, path: /tmp/a, optional: true}]}
          container: {image: alpine, command: [echo, use]}
        """)
    }

    @Test func anOptionalArgumentThatNamesNothingIsLeftOut() throws {
        let h = try EngineHarness(yaml: yaml(argumentOptional: true))
        #expect(h.run() == .succeeded, "\(h)")
        let use = try #require(h.launches.first { $0.launch.displayName == "use" })
        #expect(use.launch.inputArtifacts.map(\.source) == [.none])
    }

    @Test func aRequiredArgumentThatNamesNothingIsAnError() throws {
        let h = try EngineHarness(yaml: yaml(argumentOptional: false))
        #expect(h.run() == .error, "\(h)")
        #expect(h.node("use")?.message?.contains("failed to resolve {{steps.make.outputs.artifacts.maybe}} (fix: if that artifact may not be made, mark this argument `optional: true`)") == true,
                "\(h.node("use")?.message ?? "")")
    }
}

/// A step's exit hook may pass the step's own output artifact on (Argo's
/// `exit-handler-with-artifacts`): the step is not yet among its siblings, so its own node is
/// looked up.
@Suite struct ExitHookArtifactTests {
    @Test func anExitHookGetsTheStepsOwnArtifact() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - name: work
              template: work
              hooks:
                exit:
                  template: show
                  arguments: {artifacts: [{name: m, from: "{{steps.work.outputs.artifacts.result}}"}]}
        - name: work
          container: {image: alpine, command: [echo, work]}
          outputs: {artifacts: [{name: result, path: /tmp/result}]}
        - name: show
          inputs: {artifacts: [{name: m, path: /tmp/m}]}
          container: {image: alpine, command: [cat, /tmp/m]}
        """))
        let phase = h.run { l in l.displayName == "work" ? .succeed(artifacts: ["result": "wf/work/result.tgz"]) : .success }
        #expect(phase == .succeeded, "\(h)")
        let show = try #require(h.launches.first { $0.launch.template.name == "show" }, "\(h)")
        guard case .stored(let key)? = show.launch.inputArtifacts.first?.source else {
            Issue.record("the exit hook got no stored artifact: \(show.launch.inputArtifacts)")
            return
        }
        let made = h.execution.status.nodes?.values.first { $0.displayName == "work" }?.outputs?.artifacts?.first?.key
        #expect(key == "wf/work/result.tgz" && key == made, "\(key) vs \(made ?? "none")")
    }
}
