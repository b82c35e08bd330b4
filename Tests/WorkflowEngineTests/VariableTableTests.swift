import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

/// The variables of Argo's variables page that a step's command can use, each with the value
/// Argo gives it, in steps and in a DAG (the harness starts at 2027-01-15T08:00:00Z and each
/// step takes one virtual second).
@Suite struct VariableTableTests {
    static let yaml = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: vars, uid: u-123}
        spec:
          entrypoint: main
          serviceAccountName: runner
          priority: 7
          arguments: {parameters: [{name: g, value: "G"}]}
          templates:
          - name: main
            steps:
            - - {name: first, template: show, arguments: {parameters: [{name: a, value: "1"}]}}
            - - {name: loop, template: out, withItems: [x, y]}
            - - {name: flaky, template: flaky}
            - - name: second
                template: echo
                arguments:
                  parameters:
                  - name: m
                    value: "{{steps.name}}|{{steps.first.id}}|{{steps.first.startedAt}}|{{steps.first.finishedAt}}|{{steps.loop.outputs.parameters}}|{{ workflow.mainEntrypoint }}|{{workflow.serviceAccountName}}|{{workflow.uid}}|{{workflow.parameters}}|{{workflow.parameters.json}}|{{workflow.priority}}|{{workflow.duration}}"
            - - {name: graph, template: graph}
          - name: show
            inputs: {parameters: [{name: a}]}
            container: {image: alpine, command: [echo, "{{inputs.parameters}}|{{node.name}}|{{ inputs.parameters.a }}"]}
          - name: out
            container: {image: alpine, command: [echo, "{{item}}"]}
            outputs: {parameters: [{name: o, valueFrom: {path: /tmp/o}}]}
          - name: one
            container: {image: alpine, command: [echo, "one"]}
            outputs: {parameters: [{name: o, valueFrom: {path: /tmp/o}}]}
          - name: flaky
            retryStrategy: {limit: 2}
            container: {image: alpine, command: [echo, "attempt {{retries}}"]}
          - name: graph
            dag:
              tasks:
              - {name: a, template: out, withItems: [p, q]}
              - name: b
                depends: a
                template: echo
                arguments:
                  parameters:
                  - {name: m, value: "{{tasks.name}}|{{tasks.a.status}}|{{tasks.a.outputs.parameters}}|{{tasks.c.outputs.parameters.o}}|{{tasks.c.id}}|{{tasks.c.startedAt}}|{{tasks.c.finishedAt}}"}
                dependencies: [c]
              - {name: c, template: one}
          - name: echo
            inputs: {parameters: [{name: m}]}
            container: {image: alpine, command: [echo, "{{inputs.parameters.m}}"]}
        """

    @Test func eachVariableHasArgosValue() throws {
        let h = try EngineHarness(yaml: Self.yaml)
        var flakyAttempts = 0
        let phase = h.run { l in
            switch l.displayName {
            case "flaky(0)", "flaky(1)", "flaky":
                flakyAttempts += 1
                return flakyAttempts == 1 ? .fail(exitCode: 3) : .success
            default:
                let item = l.template.container?["command"]?[1]?.stringValue ?? ""
                return .succeed(parameters: ["o": item])
            }
        }
        let messages = (h.execution.status.nodes?.values.map { $0 } ?? []).compactMap { n in n.message.map { "\(n.displayName): \($0)" } }
        #expect(phase == .succeeded, "\(messages)")
        func said(_ name: String) -> [String] {
            h.launches.filter { $0.launch.displayName == name || $0.launch.displayName.hasPrefix(name + "(") }.compactMap(command)
        }
        let firstID = try #require(h.node("first")?.id)
        let cID = try #require(h.node("c")?.id)
        // inputs.parameters (the template's parameters as JSON), node.name, a simple tag with spaces.
        #expect(said("first") == [#"[{"name":"a","value":"1"}]|vars[0].first|1"#])
        // retries: the attempt's number.
        #expect(said("flaky") == ["attempt 0", "attempt 1"])
        // steps.name, steps.X.id / startedAt / finishedAt, a loop's outputs.parameters (a JSON list of
        // maps), workflow.mainEntrypoint / serviceAccountName / uid / parameters / parameters.json /
        // priority, and workflow.duration (seconds so far: four steps of one second).
        #expect(said("second") == ["second|\(firstID)|2027-01-15T08:00:00Z|2027-01-15T08:00:01Z|" + #"[{"o":"x"},{"o":"y"}]|main|runner|u-123|"#
            + #"[{"name":"g","value":"G"}]|[{"name":"g","value":"G"}]|7|4"#])
        // tasks.name, tasks.X.status, a loop task's outputs.parameters, tasks.X.outputs.parameters.NAME, id, times.
        #expect(said("b") == [#"b|Succeeded|[{"o":"p"},{"o":"q"}]|one|"# + "\(cID)|2027-01-15T08:00:05Z|2027-01-15T08:00:06Z"])
    }

    /// `inputs.artifacts.NAME.path`, and a global output (`globalName`) read later as
    /// `workflow.outputs.parameters.NAME` and `workflow.outputs.artifacts.NAME` (as a `from`).
    @Test func artifactPathsAndGlobalOutputs() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: make, template: make}
          - - name: use
              template: use
              arguments:
                parameters: [{name: g, value: "{{workflow.outputs.parameters.shared}}"}]
                artifacts: [{name: in, from: "{{workflow.outputs.artifacts.blob}}"}]
        - name: make
          container: {image: alpine, command: [echo]}
          outputs:
            parameters: [{name: p, globalName: shared, valueFrom: {path: /tmp/p}}]
            artifacts: [{name: a, globalName: blob, path: /tmp/a}]
        - name: use
          inputs:
            parameters: [{name: g}]
            artifacts: [{name: in, path: /data/in.txt}]
          container: {image: alpine, command: [echo, "{{inputs.parameters.g}} at {{inputs.artifacts.in.path}}"]}
        """))
        let phase = h.run { l in l.displayName == "make" ? .succeed(parameters: ["p": "made"], artifacts: ["a": "key-a"]) : .success }
        let messages = (h.execution.status.nodes?.values.map { $0 } ?? []).compactMap { n in n.message.map { "\(n.displayName): \($0)" } }
        #expect(phase == .succeeded, "\(messages)")
        let use = try #require(h.launches.first { $0.launch.displayName == "use" })
        #expect(command(use) == "made at /data/in.txt")
        #expect(use.launch.inputArtifacts.first?.path == "/data/in.txt")
        #expect(h.execution.status.outputs?.parameters?.first { $0.name == "shared" }?.value?.value == "made")
    }

    /// Rebuilt from its status (a controller restart), the execution still knows which outputs
    /// of a running step are global: they come from its template.
    @Test func globalOutputsSurviveARestart() throws {
        let yaml = workflow("""
        - name: main
          container: {image: alpine, command: [echo]}
          outputs:
            parameters: [{name: p, globalName: shared, valueFrom: {path: /tmp/p}}]
            artifacts: [{name: a, globalName: blob, path: /tmp/a}]
        """)
        let first = try EngineHarness(yaml: yaml)
        _ = first.run(maxRounds: 2) { _ in .hang }
        var wf = first.execution.workflow
        wf.status = first.execution.status
        let node = try #require(first.execution.node(named: "wf"))
        let restarted = WorkflowExecution(workflow: wf)
        let at = Timestamp(seconds: 1_800_000_050)
        var outputs = Outputs()
        outputs.parameters = [Parameter(name: "p", value: "made")]
        var artifact = Artifact(name: "a")
        artifact.key = "key-a"
        outputs.artifacts = [artifact]
        _ = restarted.reconcile(observations: [.step(node.id, phase: .succeeded, exitCode: 0, outputs: outputs, finishedAt: at)], now: at)
        #expect(restarted.status.phase == .succeeded)
        #expect(restarted.status.outputs?.parameters?.first?.name == "shared")
        #expect(restarted.status.outputs?.artifacts?.first?.name == "blob" && restarted.status.outputs?.artifacts?.first?.key == "key-a")
    }
}
