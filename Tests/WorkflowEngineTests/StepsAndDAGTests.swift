import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

/// Wraps templates in a Workflow named "wf" with entrypoint `main`.
func workflow(_ templates: String, spec: String = "", arguments: String = "") -> String {
    """
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata:
      name: wf
    spec:
      entrypoint: main
    \(spec.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n"))
    \(arguments)
      templates:
    \(templates.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
    """
}

let echo = """
- name: echo
  inputs:
    parameters: [{name: msg, default: "x"}]
  container: {image: alpine, command: [echo, "{{inputs.parameters.msg}}"]}
"""

@Suite struct StepsTests {
    @Test func groupsRunInOrderAndStepsInAGroupTogether() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: a, template: echo}
          - - {name: b, template: echo}
            - {name: c, template: echo}
          - - {name: d, template: echo}
        \(echo)
        """))
        #expect(h.run() == .succeeded)
        let at = Dictionary(uniqueKeysWithValues: h.launches.map { ($0.launch.displayName, $0.at) })
        #expect(at["a"] == 0)
        #expect(at["b"] == 1 && at["c"] == 1)
        #expect(at["d"] == 2)
        #expect(h.execution.status.progress == "4/4")
        // Argo's node names: steps nodes are named by group index and step name.
        #expect(h.execution.node(named: "wf[1].c")?.phase == .succeeded)
        #expect(h.execution.node(named: "wf[1]")?.type == .stepGroup)
        #expect(h.execution.node(named: "wf")?.type == .steps)
    }

    @Test func aFailingStepFailsTheWorkflowAndStopsLaterGroups() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: a, template: echo}
          - - {name: bad, template: echo}
          - - {name: never, template: echo}
        \(echo)
        """))
        let phase = h.run { $0.displayName == "bad" ? .fail(exitCode: 3) : .success }
        #expect(phase == .failed)
        #expect(h.started == ["a", "bad"])
        #expect(h.phase(of: "bad") == .failed)
        #expect(h.node("bad")?.outputs?.exitCode == "3")
    }

    @Test func continueOnFailedLetsTheNextGroupRun() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: bad, template: echo, continueOn: {failed: true}}
          - - {name: after, template: echo, arguments: {parameters: [{name: msg, value: "{{steps.bad.status}}"}]}}
        \(echo)
        """))
        #expect(h.run { $0.displayName == "bad" ? .fail() : .success } == .succeeded)
        #expect(h.phase(of: "after") == .succeeded)
        let after = h.launches.first { $0.launch.displayName == "after" }
        #expect(after?.launch.template.container?["command"]?[1]?.stringValue == "Failed")
    }

    @Test func outputsPassBetweenStepsAndGlobalOutputsAreKept() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: gen, template: gen}
          - - name: use
              template: echo
              arguments:
                parameters: [{name: msg, value: "{{steps.gen.outputs.result}}-{{steps.gen.outputs.parameters.p}}"}]
        - name: gen
          container: {image: alpine, command: [sh, -c, "echo 7; echo -n q > /tmp/p"]}
          outputs:
            parameters:
            - {name: p, globalName: shared, valueFrom: {path: /tmp/p}}
        \(echo)
        """))
        #expect(h.run { $0.displayName == "gen" ? .succeed(result: "7", parameters: ["p": "q"]) : .success } == .succeeded)
        let use = h.launches.first { $0.launch.displayName == "use" }
        #expect(use?.launch.template.container?["command"]?[1]?.stringValue == "7-q")
        #expect(h.execution.status.outputs?.parameters?.first { $0.name == "shared" }?.value?.value == "q")
    }

    @Test func workflowArgumentsDefaultsAndVariables() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          inputs:
            parameters: [{name: who}]
          container: {image: alpine, command: [echo, "{{inputs.parameters.who}} {{workflow.name}} {{workflow.parameters.who}} {{pod.name}}"]}
        """, arguments: """
          arguments:
            parameters: [{name: who, value: world}]
        """))
        #expect(h.run() == .succeeded)
        let text = h.launches.first?.launch.template.container?["command"]?[1]?.stringValue
        #expect(text == "world wf world \(h.launches.first?.launch.podName ?? "?")")
    }

    @Test func nestedTemplatesToAnyDepth() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: outer, template: middle}
        - name: middle
          steps:
          - - {name: inner, template: leaf-dag}
        - name: leaf-dag
          dag:
            tasks:
            - {name: t1, template: echo}
            - {name: t2, template: echo, dependencies: [t1]}
        \(echo)
        """))
        #expect(h.run() == .succeeded)
        #expect(h.started == ["t1", "t2"])
        #expect(h.node("inner")?.type == .dag)
        #expect(h.node("t2")?.boundaryID == h.node("inner")?.id)
    }
}

@Suite struct DAGTests {
    static let diamond = """
    - name: main
      dag:
        tasks:
        - {name: A, template: echo}
        - {name: B, template: echo, depends: A}
        - {name: C, template: echo, depends: A}
        - {name: D, template: echo, depends: B && C}
    \(echo)
    """

    @Test func diamondRunsInDependencyOrder() throws {
        let h = try EngineHarness(yaml: workflow(Self.diamond))
        #expect(h.run { $0.displayName == "C" ? .succeed(after: 5) : .success } == .succeeded)
        let at = Dictionary(uniqueKeysWithValues: h.launches.map { ($0.launch.displayName, $0.at) })
        #expect(at == ["A": 0, "B": 1, "C": 1, "D": 6])
        #expect(h.execution.node(named: "wf.D")?.phase == .succeeded)
        #expect(h.node("main")?.outboundNodes == nil || h.execution.node(named: "wf")?.type == .dag)
    }

    @Test func aFailedTaskFailsTheDAGAndItsDependentsDoNotRun() throws {
        let h = try EngineHarness(yaml: workflow(Self.diamond))
        #expect(h.run { $0.displayName == "B" ? .fail() : .success } == .failed)
        #expect(!h.started.contains("D"))
        #expect(h.phase(of: "B") == .failed)
    }

    @Test func continueOnFailedInADAG() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          dag:
            tasks:
            - {name: A, template: echo, continueOn: {failed: true}}
            - {name: B, template: echo, dependencies: [A]}
        \(echo)
        """))
        #expect(h.run { $0.displayName == "A" ? .fail() : .success } == .succeeded)
        #expect(h.phase(of: "B") == .succeeded)
    }

    @Test(arguments: [
        // depends, phase of A, does B run?
        ("A.Succeeded", NodePhase.succeeded, true),
        ("A.Succeeded", .failed, false),
        ("A.Failed", .failed, true),
        ("A.Failed", .succeeded, false),
        ("A.Failed || A.Succeeded", .failed, true),
        ("!A.Failed", .succeeded, true),
        ("A.Errored", .error, true),
        ("(A.Failed || A.Errored) && !A.Succeeded", .error, true),
    ])
    func enhancedDepends(_ depends: String, _ aPhase: NodePhase, _ bRuns: Bool) throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          dag:
            tasks:
            - {name: A, template: echo}
            - {name: B, template: echo, depends: "\(depends)"}
        \(echo)
        """))
        h.run { l in
            l.displayName == "A" ? StepOutcome(phase: aPhase, message: aPhase == .succeeded ? nil : "boom") : .success
        }
        #expect(h.started.contains("B") == bRuns)
        // B never runs: it is Omitted, or not created at all when A's failure stopped the DAG.
        if !bRuns { #expect(h.phase(of: "B") == .omitted || h.phase(of: "B") == nil) }
    }

    @Test func skippedDependencyCountsAsDoneForABareName() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          dag:
            tasks:
            - {name: A, template: echo, when: "1 == 2"}
            - {name: B, template: echo, depends: A}
            - {name: C, template: echo, depends: A.Succeeded}
        \(echo)
        """))
        #expect(h.run() == .succeeded)
        #expect(h.phase(of: "A") == .skipped)
        #expect(h.started == ["B"])
        #expect(h.phase(of: "C") == .omitted)
    }

    @Test func failFastFalseLetsOtherBranchesStart() throws {
        let yaml = workflow("""
        - name: main
          dag:
            failFast: false
            tasks:
            - {name: bad, template: echo}
            - {name: slow, template: echo}
            - {name: after-slow, template: echo, depends: slow}
        \(echo)
        """)
        let h = try EngineHarness(yaml: yaml)
        #expect(h.run { $0.displayName == "slow" ? .succeed(after: 10) : ($0.displayName == "bad" ? .fail() : .success) } == .failed)
        #expect(h.started.contains("after-slow"))
    }

    @Test func targetsRunOnlyWhatTheyNeed() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          dag:
            target: B
            tasks:
            - {name: A, template: echo}
            - {name: B, template: echo, depends: A}
            - {name: C, template: echo}
        \(echo)
        """))
        #expect(h.run() == .succeeded)
        #expect(h.started.sorted() == ["A", "B"])
    }
}
