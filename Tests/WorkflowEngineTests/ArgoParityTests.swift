import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

/// `valueFrom.configMapKeyRef` on input and global parameters, with `valueFrom.default` and
/// Argo's messages when the ConfigMap or key is missing.
@Suite struct ConfigMapParameterTests {
    static let maps = ConfigMapData(["settings": ["msg": "from the map", "empty": ""]])

    /// A template echoing an input parameter read from a ConfigMap key.
    static func input(_ valueFrom: String, argument: String? = nil) -> String {
        let args = argument.map { ", arguments: {parameters: [{name: m, value: \"\($0)\"}]}" } ?? ""
        return workflow("""
        - name: main
          steps:
          - - {name: show, template: show\(args)}
        - name: show
          inputs:
            parameters:
            - name: m
              valueFrom: \(valueFrom)
          container: {image: alpine, command: [echo, "{{inputs.parameters.m}}"]}
        """)
    }

    @Test(arguments: [
        // valueFrom, the argument passed, what the step sees (nil: the node errors with the message).
        ("{configMapKeyRef: {name: settings, key: msg}}", nil, "from the map", nil),
        ("{configMapKeyRef: {name: settings, key: empty}}", nil, "", nil),
        ("{configMapKeyRef: {name: settings, key: msg}}", "given", "given", nil),
        ("{configMapKeyRef: {name: settings, key: nope}, default: fallback}", nil, "fallback", nil),
        ("{configMapKeyRef: {name: absent, key: msg}, default: fallback}", nil, "fallback", nil),
        ("{configMapKeyRef: {name: absent, key: msg, optional: true}}", nil, "", nil),
        ("{configMapKeyRef: {name: absent, key: msg}}", nil, nil,
         "unable to retrieve inputs.parameters.m from ConfigMap: ConfigMap 'absent' does not exist"),
        ("{configMapKeyRef: {name: settings, key: nope}}", nil, nil,
         "unable to retrieve inputs.parameters.m from ConfigMap: ConfigMap 'settings' does not have the key 'nope'"),
    ] as [(String, String?, String?, String?)])
    func inputParameters(_ valueFrom: String, _ argument: String?, _ seen: String?, _ message: String?) throws {
        let h = try EngineHarness(yaml: Self.input(valueFrom, argument: argument), configMaps: Self.maps)
        let phase = h.run()
        if let seen {
            #expect(phase == .succeeded, "\(h)")
            #expect(h.launches.first?.launch.template.container?["command"]?[1]?.stringValue == seen)
        } else {
            #expect(phase == .error, "\(h)")
            #expect(h.launches.isEmpty)
            #expect(h.node("show")?.phase == .error)
            #expect(h.node("show")?.message?.hasPrefix(message ?? "-") == true, "\(h.node("show")?.message ?? "")")
        }
    }

    static func global(_ valueFrom: String) -> String {
        workflow("""
        - name: main
          inputs: {parameters: [{name: message}]}
          container: {image: alpine, command: [echo, "{{inputs.parameters.message}} / {{workflow.parameters.message}}"]}
        """, arguments: """
          arguments:
            parameters:
            - name: message
              valueFrom: \(valueFrom)
        """)
    }

    @Test func globalParametersReachTheEntrypointAndTheWorkflowVariables() throws {
        let h = try EngineHarness(yaml: Self.global("{configMapKeyRef: {name: settings, key: msg}}"), configMaps: Self.maps)
        #expect(h.run() == .succeeded)
        #expect(h.launches.first?.launch.template.container?["command"]?[1]?.stringValue == "from the map / from the map")
        let d = try EngineHarness(yaml: Self.global("{configMapKeyRef: {name: absent, key: msg}, default: dflt}"), configMaps: Self.maps)
        #expect(d.run() == .succeeded)
        #expect(d.launches.first?.launch.template.container?["command"]?[1]?.stringValue == "dflt / dflt")
    }

    @Test func aMissingGlobalConfigMapEndsTheWorkflowInErrorBeforeAnyStep() throws {
        let h = try EngineHarness(yaml: Self.global("{configMapKeyRef: {name: absent, key: msg}}"), configMaps: Self.maps)
        #expect(h.run() == .error)
        #expect(h.launches.isEmpty)
        #expect(h.message?.hasPrefix("failed to set global parameter message from ConfigMap: ConfigMap 'absent' does not exist") == true,
                "\(h.message ?? "")")
    }

    @Test func referencedNamesAreFoundAnywhereInTheSpec() throws {
        let docs = try DocumentLoader.load(text: Self.input("{configMapKeyRef: {name: settings, key: msg}}"), file: "x.yaml")
        #expect(ConfigMapData.referencedNames(in: docs[0].raw["spec"] ?? .null) == ["settings"])
        let none = try DocumentLoader.load(text: workflow("- name: main\n  container: {image: alpine}"), file: "x.yaml")
        #expect(ConfigMapData.referencedNames(in: none[0].raw["spec"] ?? .null).isEmpty)
    }
}

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

/// Argo 4.x's outputs of steps and tasks that did not run (Skipped by `when`, Omitted by
/// `depends`): the producer's declared default, else the consumer's input default, else an
/// error naming the reference; in expressions the output is nil, so `??` applies.
@Suite struct SkippedOutputTests {
    static func dag(producerDefault: String?, consumerDefault: String?, skip: String = "when: \"false\"",
                    depends: String = "producer.Succeeded || producer.Skipped || producer.Omitted") -> String {
        let pd = producerDefault.map { ", default: \"\($0)\"" } ?? ""
        let cd = consumerDefault.map { ", default: \"\($0)\"" } ?? ""
        return workflow("""
        - name: main
          dag:
            tasks:
            - {name: gate, template: fail, continueOn: {failed: true}}
            - name: producer
              template: produce
              \(skip)
            - name: consumer
              template: consume
              depends: "\(depends)"
              arguments: {parameters: [{name: in, value: "{{tasks.producer.outputs.parameters.msg}}"}]}
          outputs:
            parameters:
            - {name: result, valueFrom: {expression: "tasks.producer.outputs.parameters.msg ?? 'expr-fallback'"}}
        - name: fail
          container: {image: alpine, command: [sh, -c, "exit 1"]}
        - name: produce
          outputs: {parameters: [{name: msg, valueFrom: {path: /tmp/out\(pd)}}]}
          container: {image: alpine, command: [echo]}
        - name: consume
          inputs: {parameters: [{name: in\(cd)}]}
          container: {image: alpine, command: [echo, "got [{{inputs.parameters.in}}]"]}
        """)
    }

    @Test(arguments: [
        // producer's default, consumer's default, how the producer did not run → what the consumer got (nil: an error).
        ("from-producer", "from-input", "when: \"false\"", "got [from-producer]"),
        (nil, "from-input", "when: \"false\"", "got [from-input]"),
        ("from-producer", nil, "when: \"false\"", "got [from-producer]"),
        (nil, nil, "when: \"false\"", nil),
        ("from-producer", nil, "depends: gate.Succeeded", "got [from-producer]"),
        (nil, "from-input", "depends: gate.Succeeded", "got [from-input]"),
    ] as [(String?, String?, String, String?)])
    func consumersOfAnOutputThatWasNeverMade(_ producer: String?, _ consumer: String?, _ skip: String, _ got: String?) throws {
        let h = try EngineHarness(yaml: Self.dag(producerDefault: producer, consumerDefault: consumer, skip: skip))
        h.run { l in l.displayName == "gate" ? .fail(exitCode: 1) : .success }
        let phase = h.node("producer")?.phase
        #expect(phase == (skip.hasPrefix("when") ? .skipped : .omitted), "\(h)")
        let consumerLaunch = h.launches.first { $0.launch.displayName == "consumer" }
        if let got {
            #expect(consumerLaunch?.launch.template.container?["command"]?[1]?.stringValue == got, "\(h)")
        } else {
            #expect(consumerLaunch == nil)
            #expect(h.node("consumer")?.phase == .error)
            #expect(h.node("consumer")?.message?.hasPrefix(
                "failed to resolve {{tasks.producer.outputs.parameters.msg}} for inputs.parameters.in: that step did not run and its output has no default") == true,
                "\(h.node("consumer")?.message ?? "")")
        }
    }

    @Test func anExpressionSeesNilAndItsFallbackApplies() throws {
        let h = try EngineHarness(yaml: Self.dag(producerDefault: nil, consumerDefault: "x"))
        h.run { l in l.displayName == "gate" ? .fail(exitCode: 1) : .success }
        #expect(h.execution.node(named: "wf")?.outputs?.parameters?.first { $0.name == "result" }?.value?.value == "expr-fallback")
        // With a declared default, the expression sees that instead.
        let d = try EngineHarness(yaml: Self.dag(producerDefault: "declared", consumerDefault: nil))
        d.run { l in l.displayName == "gate" ? .fail(exitCode: 1) : .success }
        #expect(d.execution.node(named: "wf")?.outputs?.parameters?.first { $0.name == "result" }?.value?.value == "declared")
    }

    @Test func stepsWorkTheSameWay() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: producer, template: produce, when: "false"}
          - - name: consumer
              template: consume
              arguments: {parameters: [{name: in, value: "{{steps.producer.outputs.parameters.msg}}"}]}
        - name: produce
          outputs: {parameters: [{name: msg, valueFrom: {path: /tmp/out, default: "declared"}}]}
          container: {image: alpine, command: [echo]}
        - name: consume
          inputs: {parameters: [{name: in}]}
          container: {image: alpine, command: [echo, "got [{{inputs.parameters.in}}]"]}
        """))
        #expect(h.run() == .succeeded, "\(h)")
        #expect(h.launches.first?.launch.template.container?["command"]?[1]?.stringValue == "got [declared]")
    }

    /// withParam over a step that did not run: a declared default such as '[]' is an empty
    /// loop (Skipped, "empty params"); its result, or a parameter with no default, is the
    /// workflow's error naming the step that did not run and the fix.
    @Test(arguments: [
        ("{{steps.gen.outputs.parameters.list}}", ", default: '[]'", nil),
        ("{{steps.gen.outputs.result}}", "", "failed to resolve {{steps.gen.outputs.result}} in steps[0] 'each'.withParam: 'gen' did not run (Skipped) and its output has no default (fix: read an output parameter with a valueFrom.default instead of its result"),
        ("{{steps.gen.outputs.parameters.list}}", "", "failed to resolve {{steps.gen.outputs.parameters.list}} in steps[0] 'each'.withParam: 'gen' did not run (Skipped) and its output has no default (fix: give the output parameter a valueFrom.default, such as '[]'"),
    ] as [(String, String, String?)])
    func withParamOverAStepThatDidNotRun(_ param: String, _ outputDefault: String, _ error: String?) throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: gen, template: gen, when: "false"}
          - - {name: each, template: echo, arguments: {parameters: [{name: msg, value: "{{item}}"}]}, withParam: "\(param)"}
        - name: gen
          container: {image: alpine, command: [echo]}
          outputs: {parameters: [{name: list, valueFrom: {path: /tmp/list\(outputDefault)}}]}
        \(echo)
        """))
        let phase = h.run()
        if let error {
            #expect(phase == .error)
            #expect(h.execution.status.message?.contains(error) == true, "\(h.execution.status.message ?? "")")
        } else {
            #expect(phase == .succeeded, "\(h)")
            #expect(h.node("each")?.phase == .skipped && h.node("each")?.message == "Skipped, empty params")
            #expect(h.launches.count == 0)
        }
    }

    /// An artifact's subPath from a parameter of a step that did not run: the same error.
    @Test func aSubPathFromAStepThatDidNotRunNamesIt() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: make, template: make}
            - {name: pick, template: pick, when: "false"}
          - - name: use
              template: use
              arguments:
                artifacts: [{name: in, from: "{{steps.make.outputs.artifacts.out}}", subPath: "{{steps.pick.outputs.parameters.dir}}"}]
        - name: make
          container: {image: alpine, command: [echo]}
          outputs: {artifacts: [{name: out, path: /tmp/out}]}
        - name: pick
          container: {image: alpine, command: [echo]}
          outputs: {parameters: [{name: dir, valueFrom: {path: /tmp/dir}}]}
        - name: use
          inputs: {artifacts: [{name: in, path: /tmp/in}]}
          container: {image: alpine, command: [cat, /tmp/in]}
        """))
        let phase = h.run { l in .succeed(artifacts: l.displayName == "make" ? ["out": "key"] : [:]) }
        #expect(phase == .error)
        let message = h.node("use")?.message ?? ""
        #expect(h.node("use")?.phase == .error)
        #expect(message.contains("failed to resolve {{steps.pick.outputs.parameters.dir}}") && message.contains("'pick' did not run (Skipped)"), "\(message) \(h)")
    }
}

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

/// `retryPolicy: OnTransientError` retries only failures whose message is one of Argo's
/// transient errors, or matches TRANSIENT_ERROR_PATTERN.
@Suite struct TransientErrorTests {
    static let yaml = workflow("""
    - name: main
      retryStrategy: {limit: 2, retryPolicy: OnTransientError}
      container: {image: alpine, command: [sh, -c, "exit 1"]}
    """)

    @Test(arguments: [
        ("pods \"x\" is forbidden: exceeded quota: compute", NodePhase.error, nil, 3),
        ("Get \"https://10.0.0.1/api\": dial tcp: connect: connection refused", .error, nil, 3),
        ("read tcp 10.1.1.1:443: read: connection reset by peer", .failed, nil, 3),
        ("the server is currently unable to handle the request", .error, nil, 3),
        ("Error (exit code 1)", .failed, nil, 1),
        ("OOMKilled (exit code 137)", .failed, nil, 1),
        ("pod deleted", .error, nil, 1),
        ("the registry said: try again later", .error, "try again", 3),
        ("the registry said: try again later", .error, "^nothing$", 1),
    ] as [(String, NodePhase, String?, Int)])
    func onlyTransientFailuresAreRetried(_ message: String, _ phase: NodePhase, _ pattern: String?, _ attempts: Int) throws {
        let h = try EngineHarness(yaml: Self.yaml)
        h.execution.transientErrorPattern = pattern
        _ = h.run { _ in StepOutcome(phase: phase, exitCode: phase == .failed ? 1 : nil, message: message) }
        #expect(h.launches.count == attempts, "\(message): \(h.started)")
    }
}

/// Node and workflow `progress`, as Argo sums it.
@Suite struct ProgressTests {
    func progress(_ h: EngineHarness) -> [String: String] {
        var out: [String: String] = [:]
        for n in h.execution.status.nodes?.values.map({ $0 }) ?? [] { out[n.displayName] = n.progress ?? "-" }
        return out
    }

    @Test func stepsCountFinishedPodsAndSuspends() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: a, template: run}
          - - {name: b, template: run}
            - {name: c, template: run, continueOn: {failed: true}}
          - - {name: wait, template: pause}
        - name: run
          container: {image: alpine, command: [echo]}
        - name: pause
          suspend: {duration: "1"}
        """))
        #expect(h.run { l in l.displayName == "c" ? .fail(exitCode: 1) : .success } == .succeeded, "\(h)")
        let p = progress(h)
        #expect(p["a"] == "1/1" && p["b"] == "1/1" && p["c"] == "0/1" && p["wait"] == "1/1", "\(p)")
        // The steps node and each step group sum what they reach through their children.
        #expect(p["wf"] == "3/4" && p["[0]"] == "3/4" && p["[1]"] == "2/3" && p["[2]"] == "1/1", "\(p)")
        #expect(h.execution.status.progress == "3/4")
    }

    @Test func aDiamondCountsTheSharedTaskOnce() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          dag:
            tasks:
            - {name: A, template: run}
            - {name: B, template: run, depends: A}
            - {name: C, template: run, depends: A}
            - {name: D, template: run, depends: B && C}
        - name: run
          container: {image: alpine, command: [echo]}
        """))
        #expect(h.run() == .succeeded)
        let p = progress(h)
        #expect(p == ["wf": "4/4", "A": "1/1", "B": "1/1", "C": "1/1", "D": "1/1"], "\(p)")
        #expect(h.execution.status.progress == "4/4")
    }

    /// ARGO_PROGRESS_FILE: a running step's own N/M is its node's progress and counts in the
    /// sums; text that is not a valid N/M is ignored; a step that succeeds is complete (M/M).
    @Test func aStepsReportedProgressCountsUntilItSucceeds() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: quick, template: run}
            - {name: slow, template: run}
        - name: run
          container: {image: alpine, command: [echo]}
        """))
        _ = h.run(maxRounds: 3) { l in l.displayName == "slow" ? .hang : .success }
        let slow = try #require(h.node("slow")?.id)
        let at = Timestamp(seconds: 1_800_000_100)
        _ = h.execution.reconcile(observations: [.progress(slow, "3/10")], now: at)
        #expect(progress(h)["slow"] == "3/10" && progress(h)["wf"] == "4/11", "\(progress(h))")
        #expect(h.execution.status.progress == "4/11")
        for bad in ["11/10", "3/0", "-1/4", "half", ""] {
            _ = h.execution.reconcile(observations: [.progress(slow, bad)], now: at)
            #expect(progress(h)["slow"] == "3/10", "\(bad) was taken")
        }
        _ = h.execution.reconcile(observations: [.progress(slow, "7/10")], now: at)
        #expect(progress(h)["slow"] == "7/10")
        _ = h.execution.reconcile(observations: [.step(slow, phase: .succeeded, exitCode: 0, finishedAt: at)], now: at)
        #expect(progress(h)["slow"] == "10/10" && h.execution.status.progress == "11/11", "\(progress(h))")
    }

    @Test(arguments: [("50/100", "50/100"), ("1/2\n2/2\n", "2/2"), ("  4/5 \n\n", "4/5"), ("5/4", nil), ("x", nil)] as [(String, String?)])
    func theProgressFileIsReadAsArgoReadsIt(_ text: String, _ expected: String?) {
        #expect(StepProgress.parse(text) == expected)
    }

    @Test func whileRunningOnlyFinishedPodsCount() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: quick, template: run}
            - {name: slow, template: run}
        - name: run
          container: {image: alpine, command: [echo]}
        """))
        _ = h.run(maxRounds: 3) { l in l.displayName == "slow" ? .hang : .success }
        let p = progress(h)
        #expect(p["quick"] == "1/1" && p["slow"] == "0/1" && p["wf"] == "1/2", "\(p)")
        #expect(h.execution.status.progress == "1/2")
    }
}

/// `retryStrategy.affinity.nodeAntiAffinity`: each retry avoids the hosts earlier attempts ran on.
@Suite struct RetryAffinityTests {
    @Test func retriesAvoidTheHostsOfEarlierAttempts() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          retryStrategy: {limit: 2, affinity: {nodeAntiAffinity: {}}}
          container: {image: alpine, command: [sh, -c, "exit 1"]}
        """))
        var attempt = 0
        _ = h.run { l in
            attempt += 1
            return .fail(exitCode: 1)
        }
        #expect(attempt == 3)
        // The harness reports no placement; feed one per attempt and look at the next launch.
        let avoid = h.launches.map(\.launch.avoidNodes)
        #expect(avoid == [[], [], []], "without placements nothing is avoided: \(avoid)")

        let placed = try EngineHarness(yaml: workflow("""
        - name: main
          retryStrategy: {limit: 2, affinity: {nodeAntiAffinity: {}}}
          container: {image: alpine, command: [sh, -c, "exit 1"]}
        """))
        var launches: [StepLaunch] = []
        var pending: [Observation] = []
        let t0 = Timestamp(seconds: 1_800_000_000)
        for round in 0..<10 {
            for a in placed.execution.reconcile(observations: pending, now: t0.adding(Double(round))) {
                if case .startStep(let l) = a { launches.append(l) }
            }
            pending = []
            guard let last = launches.last, placed.execution.node(id: last.nodeID)?.phase.isFulfilled == false else {
                if placed.execution.phase.isCompleted { break }
                continue
            }
            pending = [.placed(last.nodeID, hostNodeName: "node-\(launches.count)", podIP: "10.0.0.\(launches.count)"),
                       .step(last.nodeID, phase: .failed, exitCode: 1, message: "Error (exit code 1)", finishedAt: t0.adding(Double(round)))]
        }
        #expect(launches.map(\.avoidNodes) == [[], ["node-1"], ["node-1", "node-2"]], "\(launches.map(\.avoidNodes))")
        #expect(placed.execution.node(id: launches[0].nodeID)?.hostNodeName == "node-1")
        #expect(placed.execution.node(id: launches[0].nodeID)?.podIP == "10.0.0.1")
    }
}
