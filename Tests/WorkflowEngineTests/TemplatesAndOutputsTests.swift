import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

@Suite struct TemplatesAndOutputsTests {
    @Test func anEnumViolationErrorsTheNodeWithTheAllowedValues() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: pick, template: pick, arguments: {parameters: [{name: color, value: purple}]}}
        - name: pick
          inputs: {parameters: [{name: color, enum: [red, green]}]}
          container: {image: alpine, command: [echo, "{{inputs.parameters.color}}"]}
        """))
        #expect(h.run() == .error || h.execution.phase == .failed)
        #expect(h.started.isEmpty)
        let messages = h.execution.status.nodes?.values.compactMap(\.message) ?? []
        #expect(messages.contains { $0.contains("purple") && $0.contains("red, green") })
    }

    @Test func outputParametersFromExpressionsAndOtherParameters() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: inner, template: inner}
          outputs:
            parameters:
            - {name: doubled, valueFrom: {expression: "asInt(steps.inner.outputs.result) * 2"}}
            - {name: copied, valueFrom: {parameter: "{{steps.inner.outputs.parameters.p}}"}}
        - name: inner
          container: {image: alpine, command: [echo, "21"]}
          outputs: {parameters: [{name: p, valueFrom: {path: /tmp/p}}]}
        """))
        #expect(h.run { _ in .succeed(result: "21", parameters: ["p": "v"]) } == .succeeded)
        let outs = h.execution.node(named: "wf")?.outputs?.parameters ?? []
        #expect(outs.first { $0.name == "doubled" }?.value?.value == "42")
        #expect(outs.first { $0.name == "copied" }?.value?.value == "v")
    }

    @Test func templateDefaultsApplyToEveryTemplate() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          container: {image: alpine, command: [echo, hi]}
        """, spec: """
        templateDefaults:
          timeout: 7s
          container: {env: [{name: FROM_DEFAULTS, value: "yes"}]}
        """))
        #expect(h.run { _ in .hang } == .failed)
        #expect(h.stops.first?.at == 7)
        let env = h.launches.first?.launch.template.container?["env"]?[0]?["name"]?.stringValue
        #expect(env == "FROM_DEFAULTS")
    }

    @Test func workflowTemplateRefRunsTheTemplatesSpec() throws {
        let yaml = """
        apiVersion: argoproj.io/v1alpha1
        kind: WorkflowTemplate
        metadata: {name: base}
        spec:
          entrypoint: main
          arguments: {parameters: [{name: who, value: template}]}
          templates:
          - name: main
            container: {image: alpine, command: [echo, "{{workflow.parameters.who}}"]}
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: wf}
        spec:
          workflowTemplateRef: {name: base}
          arguments: {parameters: [{name: who, value: workflow}]}
        """
        let h = try EngineHarness(yaml: yaml)
        #expect(h.run() == .succeeded)
        #expect(h.launches.first.flatMap(command) == "workflow")
    }

    @Test func lifecycleHooksFireOnTheirExpression() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - name: work
              template: echo
              hooks:
                failed:
                  expression: steps.work.status == "Failed"
                  template: echo
                succeeded:
                  expression: steps.work.status == "Succeeded"
                  template: echo
        \(echo)
        """))
        h.run { $0.displayName == "work" ? .fail() : .success }
        let hooks = h.started.filter { $0 != "work" }
        #expect(hooks.count == 1)
        #expect(hooks.first?.contains("failed") == true)
    }

    @Test func anySucceededAndAllFailedOverLoopTasks() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          dag:
            tasks:
            - {name: tries, template: echo, withItems: [a, b, c], continueOn: {failed: true}, arguments: {parameters: [{name: msg, value: "{{item}}"}]}}
            - {name: some, template: echo, depends: tries.AnySucceeded}
            - {name: none, template: echo, depends: tries.AllFailed}
        \(echo)
        """))
        h.run { l in command(l) == "b" ? .success : (l.displayName.hasPrefix("tries") ? .fail() : .success) }
        #expect(h.started.contains("some"))
        #expect(!h.started.contains("none"))
    }

    @Test func statusVariablesOfTheWorkflow() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: a, template: echo}
          - - {name: b, template: echo, arguments: {parameters: [{name: msg, value: "{{workflow.name}} {{workflow.namespace}} {{workflow.creationTimestamp}}"}]}}
        \(echo)
        """))
        #expect(h.run() == .succeeded)
        let text = h.launches.last.flatMap(command) ?? ""
        #expect(text.hasPrefix("wf default 2027-01-15T08:00:00Z") || text.hasPrefix("wf default "), "\(text)")
        #expect(!text.contains("{{"))
    }
}

/// `workflow.creationTimestamp.<LETTER>` (strftime, UTC), `.s`, `.RFC3339`, and the labels
/// and annotations as JSON, as Argo's variables page lists them.
@Suite struct CreationTimeVariableTests {
    static func run(_ value: String, created: String = "2027-01-15T20:05:09Z") throws -> String? {
        let h = try EngineHarness(yaml: """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          name: wf
          creationTimestamp: "\(created)"
          labels: {team: data}
          annotations: {owner: ana}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
              - - {name: s, template: echo, arguments: {parameters: [{name: msg, value: "\(value)"}]}}
        \(echo.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        """)
        #expect(h.run() == .succeeded, "\(h.message ?? "")")
        return h.launches.first.flatMap(command)
    }

    @Test(arguments: [
        ("Y", "2027"), ("m", "01"), ("d", "15"), ("H", "20"), ("M", "05"), ("S", "09"), ("y", "27"), ("j", "015"),
        ("a", "Fri"), ("A", "Friday"), ("b", "Jan"), ("B", "January"), ("I", "08"), ("p", "PM"), ("w", "5"),
        ("U", "02"), ("W", "02"), ("x", "01/15/27"), ("X", "20:05:09"), ("Z", "UTC"), ("z", "+0000"),
        ("c", "Fri Jan 15 20:05:09 2027"), ("s", "1800043509"), ("RFC3339", "2027-01-15T20:05:09Z"),
    ])
    func eachLetter(_ letter: String, _ expected: String) throws {
        #expect(try Self.run("{{workflow.creationTimestamp.\(letter)}}") == expected)
    }

    /// Week numbers and the 12-hour clock where they turn over (a Sunday, just past midnight).
    @Test func weeksAndMidnight() throws {
        let text = try Self.run("{{workflow.creationTimestamp.U}} {{workflow.creationTimestamp.W}} {{workflow.creationTimestamp.j}} {{workflow.creationTimestamp.I}} {{workflow.creationTimestamp.p}} {{workflow.creationTimestamp.w}}",
                                created: "2026-12-27T00:05:09Z")
        #expect(text == "52 51 361 12 AM 0")
    }

    @Test func aKeyFromTheParts() throws {
        let text = try Self.run("{{workflow.creationTimestamp.Y}}/{{workflow.creationTimestamp.m}}/{{workflow.creationTimestamp.d}}/{{workflow.labels.json}} {{workflow.annotations.json}}")
        #expect(text == #"2027/01/15/{"team":"data"} {"owner":"ana"}"#)
    }

    /// In an expression, the same variables.
    @Test func inAnExpression() throws {
        #expect(try Self.run("{{=workflow.creationTimestamp.Y + '-' + workflow.creationTimestamp.m}}") == "2027-01")
    }
}

@Suite struct PlaceholderTests {
    @Test func outputPathsAreVariablesOfTheirTemplate() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          container: {image: alpine, command: [sh, "{{outputs.artifacts.report.path}} {{outputs.parameters.count.path}}"]}
          outputs:
            artifacts: [{name: report, path: /tmp/report.txt}]
            parameters: [{name: count, valueFrom: {path: /tmp/count}}]
        """))
        #expect(h.run() == .succeeded)
        #expect(h.launches.first.flatMap(command) == "/tmp/report.txt /tmp/count")
    }

    @Test func templatesDeepInsideTheExitHandlerSeeTheWorkflowStatus() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          container: {image: alpine, command: [sh, -c, "exit 1"]}
        - name: exit
          steps:
          - - {name: notify, template: notify}
        - name: notify
          container: {image: alpine, command: [echo, "{{workflow.status}}"]}
        """, spec: "onExit: exit"))
        #expect(h.run { $0.displayName == "notify" ? .success : .fail() } == .failed)
        #expect(h.launches.last.flatMap(command) == "Failed")
        #expect(h.phase(of: "notify") == .succeeded)
    }
}

@Suite struct ResultCaptureTests {
    @Test func stdoutIsCapturedOnlyWhenSomethingCanReadAResult() throws {
        let plain = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: a, template: echo}
          - - {name: b, template: echo}
        - name: echo
          container: {image: alpine, command: [echo, hi]}
        """))
        #expect(plain.run() == .succeeded)
        #expect(plain.launches.count == 2)
        #expect(plain.launches.allSatisfy { !$0.launch.captureResult })

        let reads = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: a, template: echo}
          - - {name: b, template: echo, when: "{{steps.a.outputs.result}} == hi"}
        - name: echo
          container: {image: alpine, command: [echo, hi]}
        """))
        #expect(reads.run { _ in .succeed(result: "hi") } == .succeeded)
        #expect(reads.launches.count == 2)
        #expect(reads.launches.allSatisfy { $0.launch.captureResult })

        // An expression tag reading results counts too.
        let expr = try EngineHarness(yaml: workflow("""
        - name: main
          dag:
            tasks:
            - {name: a, template: echo}
            - {name: b, template: echo, depends: a, arguments: {parameters: [{name: x, value: "{{=tasks.a.outputs.result + '!'}}"}]}}
        - name: echo
          inputs: {parameters: [{name: x, default: ""}]}
          container: {image: alpine, command: [echo, hi]}
        """))
        #expect(expr.run { _ in .succeed(result: "hi") } == .succeeded)
        #expect(expr.launches.first?.launch.captureResult == true)
    }
}
