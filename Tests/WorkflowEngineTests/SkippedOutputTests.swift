import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

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

/// The node fields Argo writes besides phase and message: templateName, templateRef,
/// templateScope (where the template name was looked up), boundaryID, outboundNodes, inputs
/// and times.
@Suite struct NodeFieldTests {
    static let yaml = """
        apiVersion: argoproj.io/v1alpha1
        kind: WorkflowTemplate
        metadata: {name: lib}
        spec:
          templates:
          - name: pair
            steps:
            - - {name: x, template: leaf}
              - {name: skipped, template: leaf, when: "false"}
          - name: leaf
            outputs: {parameters: [{name: p, valueFrom: {path: /tmp/p, default: from-lib}}]}
            container: {image: alpine, command: [echo, lib]}
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: tree}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: a, template: echo, arguments: {parameters: [{name: msg, value: hi}]}}
            - - {name: b, templateRef: {name: lib, template: pair}}
              - {name: c, template: echo, arguments: {parameters: [{name: msg, value: "{{steps.a.id}}"}]}}
          - name: echo
            inputs: {parameters: [{name: msg}]}
            container: {image: alpine, command: [echo, "{{inputs.parameters.msg}}"]}
        """

    @Test func eachNodeCarriesArgosFields() throws {
        let h = try EngineHarness(yaml: Self.yaml)
        #expect(h.run() == .succeeded, "\(h)")
        func node(_ name: String) throws -> NodeStatus { try #require(h.execution.node(named: name), "\(name)") }
        let root = try node("tree"), a = try node("tree[0].a"), b = try node("tree[1].b"), x = try node("tree[1].b[0].x")
        let c = try node("tree[1].c"), skipped = try node("tree[1].b[0].skipped")
        #expect(root.templateName == "main" && root.templateScope == "local/tree" && root.boundaryID == nil)
        #expect(try node("tree[0]").templateScope == "local/tree" && node("tree[0]").boundaryID == root.id)
        #expect(a.templateName == "echo" && a.templateScope == "local/tree" && a.boundaryID == root.id)
        #expect(a.inputs?.parameters?.first?.value?.value == "hi")
        #expect(b.templateRef?.name == "lib" && b.templateRef?.template == "pair" && b.templateScope == "local/tree")
        // As Argo: a templateRef step's node has no templateName (the step names no `template`).
        #expect(b.templateName == nil && b.ranTemplate == "pair")
        #expect(x.templateName == "leaf" && x.templateScope == "namespaced/lib" && x.boundaryID == b.id)
        #expect(skipped.phase == .skipped && skipped.templateScope == "namespaced/lib")
        // The steps nodes' outbound nodes are the pods of their last group.
        // The steps nodes' outbound nodes: the leaves of their last group (a Skipped one included, as Argo counts it).
        #expect(Set(root.outboundNodes ?? []) == [x.id, skipped.id, c.id], "\(root.outboundNodes ?? [])")
        #expect(Set(b.outboundNodes ?? []) == [x.id, skipped.id])
        // Times: each pod's start is before its end, within the workflow's.
        for n in [a, c, x] {
            let (s, f) = (try #require(n.startedAt), try #require(n.finishedAt))
            #expect(s <= f && s >= (root.startedAt ?? s) && f <= (root.finishedAt ?? f))
        }
        #expect(h.launches.compactMap(command).contains(a.id))
    }
}
