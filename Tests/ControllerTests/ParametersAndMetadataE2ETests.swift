import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import SkeinTestSupport
import Testing

/// `valueFrom.configMapKeyRef` on KubeSim with the controller: the ConfigMap is read from the
/// workflow's namespace; a missing one ends the node (input) or the workflow (global) in Error
/// with the engine's message (ConfigMapParameterTests).
@Suite(.serialized) struct ConfigMapParameterE2ETests {
    static let yaml = """
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {generateName: cm-}
        spec:
          entrypoint: main
          arguments:
            parameters:
            - name: greeting
              valueFrom: {configMapKeyRef: {name: settings, key: greeting}}
          templates:
          - name: main
            inputs: {parameters: [{name: greeting}]}
            steps:
            - - name: show
                template: show
                arguments: {parameters: [{name: g, value: "{{inputs.parameters.greeting}}"}]}
          - name: show
            inputs:
              parameters:
              - {name: g}
              - name: m
                valueFrom: {configMapKeyRef: {name: settings, key: msg}}
              - name: d
                valueFrom: {configMapKeyRef: {name: settings, key: missing}, default: the default}
            container: {image: alpine, command: [echo, "{{inputs.parameters.g}} {{inputs.parameters.m}} {{inputs.parameters.d}}"]}
        """

    static func configMap(_ name: String, _ data: [String: String]) -> JSONValue {
        .object(["apiVersion": "v1", "kind": "ConfigMap", "metadata": .object(["name": .string(name)]),
                 "data": .object(data.mapValues { .string($0) })])
    }

    @Test func inputAndGlobalParametersComeFromTheWorkflowsNamespace() async throws {
        let h = try await ControllerHarness.start(instant: true)
        defer { Task { await h.stop() } }
        _ = try await h.client.create(.namespaces, ["metadata": ["name": "other"]])
        _ = try await h.client.create(.configMaps, Self.configMap("settings", ["greeting": "hi", "msg": "from default"]), namespace: "default")
        _ = try await h.client.create(.configMaps, Self.configMap("settings", ["greeting": "yo", "msg": "from other"]), namespace: "other")
        for (namespace, expected) in [("default", "hi from default the default"), ("other", "yo from other the default")] {
            let name = try await h.submit(yaml: Self.yaml, namespace: namespace)
            let wf = try await h.waitForCompletion(name, namespace: namespace)
            #expect(phase(wf) == "Succeeded", "\(wf["status"]?["message"]?.stringValue ?? "")")
            let show = (wf["status"]?["nodes"]?.objectValue ?? [:]).values.first { $0["displayName"]?.stringValue == "show" }
            let inputs = show?["inputs"]?["parameters"]?.arrayValue ?? []
            let seen = ["g", "m", "d"].map { n in inputs.first { $0["name"]?.stringValue == n }?["value"]?.scalarText ?? "?" }
            #expect(seen.joined(separator: " ") == expected, "\(namespace): \(inputs)")
        }
    }

    @Test func missingConfigMapsEndInErrorWithTheEnginesMessage() async throws {
        let h = try await ControllerHarness.start(instant: true)
        defer { Task { await h.stop() } }
        // No ConfigMap at all: the global parameter fails the workflow before any step.
        let name = try await h.submit(yaml: Self.yaml)
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Error")
        #expect(wf["status"]?["message"]?.stringValue?.hasPrefix(
            "failed to set global parameter greeting from ConfigMap: ConfigMap 'settings' does not exist") == true,
            "\(wf["status"]?["message"]?.stringValue ?? "")")
        #expect(try await h.pods(of: name).isEmpty)
        // The global's key present but not the input's: the step's node errors.
        _ = try await h.client.create(.configMaps, Self.configMap("settings", ["greeting": "hi"]), namespace: "default")
        let second = try await h.submit(yaml: Self.yaml)
        let wf2 = try await h.waitForCompletion(second)
        #expect(phase(wf2) == "Error")
        let show = (wf2["status"]?["nodes"]?.objectValue ?? [:]).values.first { $0["displayName"]?.stringValue == "show" }
        #expect(show?["phase"]?.stringValue == "Error")
        #expect(show?["message"]?.stringValue?.hasPrefix(
            "unable to retrieve inputs.parameters.m from ConfigMap: ConfigMap 'settings' does not have the key 'msg'") == true,
            "\(show?["message"]?.stringValue ?? "")")
    }
}

/// The labels the controller keeps on a workflow: the phase labels Argo's CLI and UI filter
/// on, `workflowMetadata` (with `labelsFrom`), and the template a workflow runs.
@Suite(.serialized) struct WorkflowLabelsE2ETests {
    static func labels(_ wf: JSONValue) -> [String: String] {
        (wf["metadata"]?["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    @Test func phaseLabelsFollowTheWorkflowAndWorkflowMetadataIsApplied() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: labelled-, labels: {own: mine}}
            spec:
              entrypoint: main
              arguments: {parameters: [{name: foo, value: bar}]}
              workflowMetadata:
                labels: {team: data}
                annotations: {note: hello}
                labelsFrom: {foo: {expression: workflow.parameters.foo}}
              templates:
              - name: main
                steps:
                - - {name: wait, template: wait}
              - name: wait
                suspend: {duration: "5s"}
            """)
        // The Running labels come once the workflow has run for a second (BENCHMARKS.md (f)).
        let running = try await h.waitFor(name) { Self.labels($0)["workflows.argoproj.io/phase"] == "Running" }
        #expect(running)
        let during = Self.labels(try await h.workflow(name))
        #expect(during["workflows.argoproj.io/completed"] == "false" && during["workflows.skein.dev/phase"] == "Running", "\(during)")
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded")
        let finished = try await h.eventually { Self.labels(try await h.workflow(name))["workflows.argoproj.io/phase"] == "Succeeded" }
        #expect(finished)
        let after = Self.labels(try await h.workflow(name))
        for (k, v) in ["own": "mine", "team": "data", "foo": "bar", "workflows.argoproj.io/completed": "true",
                       "workflows.skein.dev/completed": "true", "workflows.skein.dev/phase": "Succeeded"] {
            #expect(after[k] == v, "\(k): \(after)")
        }
        #expect(try await h.workflow(name)["metadata"]?["annotations"]?["note"]?.stringValue == "hello")
        // kubectl's label selectors find it, as `argo list -l` would.
        let listed = try await h.client.list(h.settings.workflows, namespace: "default",
                                             options: ListOptions(labelSelector: "workflows.argoproj.io/completed=true,team=data"))
        #expect(listed.items.compactMap(\.name) == [name])
    }

    @Test func aWorkflowFromAWorkflowTemplateCarriesItsNameAndAnInvalidOneItsPhase() async throws {
        let h = try await ControllerHarness.start(instant: true)
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: """
            apiVersion: skein.dev/v1alpha1
            kind: WorkflowTemplate
            metadata: {name: lib}
            spec:
              entrypoint: main
              templates:
              - name: main
                container: {image: alpine, command: [echo, hi]}
            ---
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: from-lib-}
            spec:
              workflowTemplateRef: {name: lib}
            """)
        #expect(phase(try await h.waitForCompletion(name)) == "Succeeded")
        let ok = try await h.eventually { Self.labels(try await h.workflow(name))["workflows.argoproj.io/completed"] == "true" }
        #expect(ok)
        let l = Self.labels(try await h.workflow(name))
        #expect(l["workflows.argoproj.io/workflow-template"] == "lib" && l["workflows.skein.dev/workflow-template"] == "lib", "\(l)")
        let bad = try await h.submit(yaml: """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: bad-}
            spec:
              entrypoint: main
              templates:
              - {name: main, steps: [[{name: a, template: nowhere}]]}
            """)
        #expect(phase(try await h.waitForCompletion(bad)) == "Error")
        let badLabelled = try await h.eventually { Self.labels(try await h.workflow(bad))["workflows.argoproj.io/phase"] == "Error" }
        #expect(badLabelled)
    }
}

/// A program the image does not have: the node fails with Kubernetes' words for it, whether the
/// pod is the plain container or runs it through the emissary, and the same with `skein run`.
@Suite(.serialized) struct MissingProgramE2ETests {
    static let yaml = """
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {generateName: missing-program-}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: plain, template: plain}
              - {name: emissary, template: emissary}
          - name: plain
            container: {image: alpine, command: [no-such-tool, x]}
          - name: emissary
            container: {image: alpine, command: [no-such-tool, y]}
            outputs: {parameters: [{name: p, valueFrom: {path: /tmp/p, default: d}}]}
        """

    static func messages(_ wf: JSONValue) -> [String: String] {
        var out: [String: String] = [:]
        for n in wf["status"]?["nodes"]?.objectValue?.values.map({ $0 }) ?? [] where n["type"] == "Pod" {
            out[n["displayName"]?.stringValue ?? ""] = "\(n["phase"]?.stringValue ?? "") \(n["message"]?.stringValue ?? "")"
        }
        return out
    }

    @Test func theNodeSaysTheExecutableWasNotFound() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: Self.yaml)
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Failed")
        let expected = ["plain": #"Failed exec: "no-such-tool": executable file not found in $PATH"#,
                        "emissary": #"Failed exec: "no-such-tool": executable file not found in $PATH"#]
        #expect(Self.messages(wf) == expected)
        let local = try await runLocally(Self.yaml)
        #expect(Self.messages(try JSONValue.parseJSON(local.stdout)) == expected, "\(local.stderr)")
    }
}

/// `retryStrategy.affinity.nodeAntiAffinity` on the controller: the node an attempt ran on
/// (the pod's spec.nodeName) is recorded, and the next attempt's pod must avoid it.
@Suite(.serialized) struct RetryAffinityE2ETests {
    @Test func theRetryPodAvoidsTheNodeOfTheFailedAttempt() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: anti-}
            spec:
              entrypoint: main
              templates:
              - name: main
                retryStrategy: {limit: 1, affinity: {nodeAntiAffinity: {}}}
                affinity:
                  nodeAffinity:
                    requiredDuringSchedulingIgnoredDuringExecution:
                      nodeSelectorTerms: [{matchExpressions: [{key: disk, operator: In, values: [ssd]}]}]
                container: {image: alpine, command: [sh, -c, "exit 1"]}
            """)
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Failed")
        let attempts = (wf["status"]?["nodes"]?.objectValue?.values.map { $0 } ?? []).filter { $0["type"] == "Pod" }
        #expect(attempts.count == 2)
        #expect(attempts.allSatisfy { $0["hostNodeName"]?.stringValue == "skein-sim-node" }, "\(attempts)")
        let pods = try await h.pods(of: name).sorted { ($0.name ?? "") < ($1.name ?? "") }
        let terms = pods.map { $0["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"]?[0]?["matchExpressions"]?.compactJSON ?? "none" }
        let expected = [
            #"[{"key":"disk","operator":"In","values":["ssd"]}]"#,
            #"[{"key":"disk","operator":"In","values":["ssd"]},{"key":"kubernetes.io/hostname","operator":"NotIn","values":["skein-sim-node"]}]"#,
        ]
        #expect(Set(terms) == Set(expected), "\(terms)")
    }
}

/// ARGO_PROGRESS_FILE on the controller: the wait container reads what the step writes and
/// sets it on the pod; the controller shows it as the node's progress while the step runs.
@Suite(.serialized) struct StepProgressE2ETests {
    static let yaml = """
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {generateName: progress-}
        spec:
          entrypoint: main
          templates:
          - name: main
            script:
              image: alpine
              command: [sh]
              source: |
                echo 2/5 > "$ARGO_PROGRESS_FILE"; sleep 3
                echo 4/5 > "$ARGO_PROGRESS_FILE"; sleep 2
                exit 1
        """

    static func podProgress(_ wf: JSONValue) -> String? {
        wf["status"]?["nodes"]?.objectValue?.values.first { $0["type"] == "Pod" }?["progress"]?.stringValue
    }

    @Test func theNodeShowsWhatTheStepWrites() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: Self.yaml)
        #expect(try await h.eventually(timeout: 20) {
            let wf = try await h.workflow(name)
            return Self.podProgress(wf) == "2/5" && wf["status"]?["progress"] == "2/5" && phase(wf) == "Running"
        }, "the first N/M never showed while the step ran")
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Failed")
        #expect(Self.podProgress(wf) == "4/5", "\(wf["status"]?.compactJSON ?? "")")
        let pod = try #require(try await h.pods(of: name).first)
        #expect(pod["metadata"]?["annotations"]?["workflows.argoproj.io/progress"] == "4/5")
        let env = pod["spec"]?["containers"]?.arrayValue?.first { $0["name"] == "main" }?["env"]?.arrayValue ?? []
        #expect(env.contains { $0["name"] == "ARGO_PROGRESS_FILE" && $0["value"] == "/var/run/skein/control/progress" })
    }
}

/// withParam over a step that did not run, alike on the controller and with `skein run`: a
/// declared '[]' default is an empty loop; its result is the workflow's error naming the step.
@Suite(.serialized) struct SkippedLoopE2ETests {
    static func yaml(_ param: String) -> String {
        """
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {generateName: skipped-loop-}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: gen, template: gen, when: "false"}
            - - {name: each, template: echo, arguments: {parameters: [{name: m, value: "{{item}}"}]}, withParam: "\(param)"}
          - name: gen
            container: {image: alpine, command: [echo, "[1]"]}
            outputs: {parameters: [{name: list, valueFrom: {path: /tmp/list, default: "[]"}}]}
          - name: echo
            inputs: {parameters: [{name: m}]}
            container: {image: alpine, command: [echo, "{{inputs.parameters.m}}"]}
        """
    }

    static func summary(_ wf: JSONValue) -> [String] {
        [phase(wf) ?? "-", wf["status"]?["message"]?.stringValue ?? "-"]
            + (wf["status"]?["nodes"]?.objectValue?.values.filter { $0["displayName"] == "each" }
                .map { "\($0["phase"]?.stringValue ?? "") \($0["message"]?.stringValue ?? "")" } ?? [])
    }

    @Test func theDefaultIsAnEmptyLoopAndTheResultAnError() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cases = [
            ("{{steps.gen.outputs.parameters.list}}", ["Succeeded", "-", "Skipped Skipped, empty params"]),
            ("{{steps.gen.outputs.result}}", ["Error", "each: failed to resolve {{steps.gen.outputs.result}} in steps[0] 'each'.withParam: 'gen' did not run (Skipped) and its output has no default (fix: read an output parameter with a valueFrom.default instead of its result, or give this step the same when)"]),
        ]
        for (param, expected) in cases {
            let name = try await h.submit(yaml: Self.yaml(param))
            let wf = try await h.waitForCompletion(name)
            #expect(Self.summary(wf) == expected, "\(param)")
            let local = try await runLocally(Self.yaml(param))
            #expect(Self.summary(try JSONValue.parseJSON(local.stdout)) == expected, "\(param): \(local.stderr)")
        }
    }
}

/// The variable table (`VariableTableTests`) on both runtimes: what the steps were given is
/// the same, up to node IDs, times and the duration so far.
@Suite(.serialized) struct VariablesE2ETests {
    static let yaml = """
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {generateName: vars-}
        spec:
          entrypoint: main
          priority: 7
          arguments: {parameters: [{name: g, value: "G"}]}
          templates:
          - name: main
            steps:
            - - {name: first, template: show, arguments: {parameters: [{name: m, value: "{{node.name}}|{{ workflow.parameters.g }}"}]}}
            - - {name: loop, template: out, withItems: [x, y]}
            - - {name: flaky, template: flaky}
            - - name: second
                template: say
                arguments:
                  parameters:
                  - name: m
                    value: "{{steps.name}}|{{steps.first.id}}|{{steps.first.startedAt}}|{{steps.first.finishedAt}}|{{steps.loop.outputs.parameters}}|{{steps.flaky.outputs.parameters.m}}|{{workflow.mainEntrypoint}}|{{workflow.serviceAccountName}}|{{workflow.uid}}|{{workflow.parameters}}|{{workflow.parameters.json}}|{{workflow.priority}}|{{workflow.duration}}"
            - - {name: graph, template: graph}
          - name: show
            inputs: {parameters: [{name: m}]}
            container: {image: alpine, command: [sh, -c, 'echo "$0" > /tmp/m', "{{inputs.parameters}}|{{inputs.parameters.m}}"]}
            outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
          - name: say
            inputs: {parameters: [{name: m}]}
            container: {image: alpine, command: [sh, -c, 'echo "$0" > /tmp/m', "{{inputs.parameters.m}}"]}
            outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
          - name: out
            container: {image: alpine, command: [sh, -c, "echo {{item}} > /tmp/o"]}
            outputs: {parameters: [{name: o, valueFrom: {path: /tmp/o}}]}
          - name: flaky
            retryStrategy: {limit: 2}
            container: {image: alpine, command: [sh, -c, 'echo "attempt {{retries}}" > /tmp/m; [ {{retries}} -ge 1 ]']}
            outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
          - name: graph
            dag:
              tasks:
              - {name: a, template: out, withItems: [p, q]}
              - {name: c, template: out, withItems: [r]}
              - name: b
                depends: a && c
                template: say
                arguments:
                  parameters:
                  - {name: m, value: "{{tasks.name}}|{{tasks.a.status}}|{{tasks.a.outputs.parameters}}|{{tasks.c.id}}|{{tasks.c.startedAt}}|{{tasks.c.finishedAt}}"}
        """

    /// Each node's `m` output, with node IDs, RFC 3339 times and the trailing duration replaced.
    static func said(_ wf: JSONValue) -> [String: String] {
        var out: [String: String] = [:]
        let name = wf.name ?? "?"
        let uid = wf["metadata"]?["uid"]?.stringValue ?? "?"
        for n in wf["status"]?["nodes"]?.objectValue?.values.map({ $0 }) ?? [] {
            guard let m = n["outputs"]?["parameters"]?.arrayValue?.first(where: { $0["name"] == "m" })?["value"]?.stringValue else { continue }
            var text = m.replacingOccurrences(of: uid, with: "UID").replacingOccurrences(of: name, with: "WF")
            text = text.replacingOccurrences(of: #"WF-\d+"#, with: "ID", options: .regularExpression)
            text = text.replacingOccurrences(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#, with: "TIME", options: .regularExpression)
            text = text.replacingOccurrences(of: #"\|[0-9]+(\.[0-9]+)?("|$)"#, with: "|DURATION$2", options: .regularExpression)
            out[n["displayName"]?.stringValue ?? ""] = text
        }
        return out
    }

    @Test func theControllerAndSkeinRunGiveTheSameValues() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: Self.yaml)
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded", "\(wf["status"]?["message"]?.stringValue ?? "")")
        let expected = [
            // node.name in an argument is the caller's node: arguments are resolved where the step is written.
            "first": #"[{"name":"m","value":"WF|G"}]|WF|G"#,
            "flaky(1)": "attempt 1", "flaky(0)": "attempt 0",
            "second": #"second|ID|TIME|TIME|[{"o":"x"},{"o":"y"}]|attempt 1|main|default|UID|[{"name":"g","value":"G"}]|[{"name":"g","value":"G"}]|7|DURATION"#,
            "b": #"b|Succeeded|[{"o":"p"},{"o":"q"}]|ID|TIME|TIME"#,
        ]
        let onCluster = Self.said(wf)
        let local = try await runLocally(Self.yaml)
        let locally = Self.said(try JSONValue.parseJSON(local.stdout))
        for (step, text) in expected {
            #expect(onCluster[step] == text, "controller, \(step): \(onCluster[step] ?? "none")")
            #expect(locally[step] == text, "skein run, \(step): \(locally[step] ?? "none")")
        }
    }
}

/// One workflow on both runtimes: submitted to a KubeSim of its own with the controller, and
/// run with `skein run -o json`. The two final Workflow objects, and skein run's stderr.
func onBothRuntimes(_ yaml: String) async throws -> (cluster: JSONValue, local: JSONValue, stderr: String) {
    let h = try await ControllerHarness.start()
    defer { Task { await h.stop() } }
    let cluster = try await h.waitForCompletion(try await h.submit(yaml: yaml))
    let local = try await runLocally(yaml)
    return (cluster, try JSONValue.parseJSON(local.stdout), local.stderr)
}

/// `skein run -o json` of the same workflow, off the simulator's threads, for comparing the runtimes.
func runLocally(_ yaml: String) async throws -> CommandResult {
    try await SimCluster.offPool {
        let cli = try SkeinCLI()
        return try cli.run(["run", try cli.write("workflow.yaml", yaml), "-o", "json"])
    }
}

/// Hooks that cannot be decided, and exit hooks with an expression (`HookErrorTests`), on both
/// runtimes: the same nodes, phases and messages.
@Suite(.serialized) struct HookErrorE2ETests {
    static let yaml = """
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {generateName: hook-errors-}
        spec:
          entrypoint: main
          hooks:
            started: {expression: workflow.status == "Running", template: echo}
            exit: {template: echo}
          templates:
          - name: main
            steps:
            - - name: work
                template: echo
                hooks:
                  exit: {expression: "steps.work.status == 'Failed'", template: echo}
            - - name: checked
                template: echo
                hooks:
                  check: {expression: "steps.checked.outputs.parameters.missing.x == 1", template: echo}
          - name: echo
            container: {image: alpine, command: [echo, hi]}
        """

    static func summary(_ wf: JSONValue) -> [String] {
        let nodes = wf["status"]?["nodes"]?.objectValue?.values ?? [:].values
        return [phase(wf) ?? "-", wf["status"]?["message"]?.stringValue ?? "-"]
            + nodes.filter { $0["type"]?.stringValue != "StepGroup" && $0["type"]?.stringValue != "Steps" }
                .map { "\($0["displayName"]?.stringValue ?? "") \($0["phase"]?.stringValue ?? "") \($0["message"]?.stringValue ?? "")" }
                .sorted()
    }

    @Test func bothRuntimesEndTheSame() async throws {
        let problem = "unable to evaluate expression 'steps.checked.outputs.parameters.missing.x == 1' of hook "
        let run = try await onBothRuntimes(Self.yaml)
        let name = run.cluster.name ?? "?"
        let got = Self.summary(run.cluster)
        #expect(got.first == "Error", "\(got)")
        #expect(got.contains("hooks.check Error \(problem)\(name)[1].checked.hooks.check: unknown name 'steps.checked.outputs.parameters.missing.x'"), "\(got)")
        #expect(got.contains { $0.hasPrefix("checked Error \(problem)") }, "\(got)")
        #expect(got.contains("work Succeeded "), "\(got)")
        #expect(got.contains("\(name).hooks.started Succeeded "), "\(got)")
        #expect(got.contains("\(name).onExit Succeeded "), "\(got)")
        #expect(!got.contains { $0.hasPrefix("work.onExit") }, "the exit hook's expression is false: \(got)")
        // Node names and IDs carry the workflow's name, which differs between the two runs.
        func strip(_ lines: [String], _ wf: String) -> [String] {
            lines.map { $0.replacingOccurrences(of: wf, with: "WF").replacing(/WF-[0-9]+/, with: "WF-ID") }
        }
        #expect(strip(got, name) == strip(Self.summary(run.local), run.local.name ?? "?"), "\(run.stderr)")
    }
}

/// Artifact variables as a `from`, on both runtimes: a task's output artifact
/// (`tasks.X.outputs.artifacts.NAME`) and, inside a steps template, its own input artifact
/// (`inputs.artifacts.NAME`) passed on to a child.
@Suite(.serialized) struct ArtifactVariablesE2ETests {
    static let yaml = """
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {generateName: art-vars-}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: make, template: make}
              - name: wrap
                depends: make
                template: wrap
                arguments: {artifacts: [{name: in, from: "{{tasks.make.outputs.artifacts.file}}"}]}
          - name: make
            container: {image: alpine, command: [sh, -c, "echo made-by-make > /tmp/f"]}
            outputs: {artifacts: [{name: file, path: /tmp/f}]}
          - name: wrap
            inputs: {artifacts: [{name: in}]}
            steps:
            - - name: read
                template: read
                arguments: {artifacts: [{name: a, from: "{{inputs.artifacts.in}}"}]}
          - name: read
            inputs: {artifacts: [{name: a, path: /tmp/a}]}
            container: {image: alpine, command: [sh, -c, "cat /tmp/a > /tmp/m"]}
            outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
        """

    static func read(_ wf: JSONValue) -> String? {
        wf["status"]?["nodes"]?.objectValue?.values.first { $0["displayName"] == "read" }?["outputs"]?["parameters"]?[0]?["value"]?.stringValue
    }

    @Test func bothRuntimesPassTheArtifactOn() async throws {
        let run = try await onBothRuntimes(Self.yaml)
        #expect(phase(run.cluster) == "Succeeded", "\(run.cluster["status"]?["message"]?.stringValue ?? "")")
        #expect(Self.read(run.cluster) == "made-by-make")
        #expect(phase(run.local) == "Succeeded", "\(run.stderr)")
        #expect(Self.read(run.local) == "made-by-make", "\(run.stderr)")
    }
}

/// Artifact fields on both runtimes: an optional output that was not made and an optional input
/// fed from it, `subPath` into a directory artifact, `archive: none`, an input's `mode`, a global
/// output artifact, and the `ip` and `hostNodeName` of a step that ran.
@Suite(.serialized) struct ArtifactFieldsE2ETests {
    static let yaml = """
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {generateName: art-fields-}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: make, template: make}
            - - name: use
                template: use
                arguments:
                  artifacts:
                  - {name: missing, from: "{{steps.make.outputs.artifacts.nothing}}", optional: true}
                  - {name: file, from: "{{steps.make.outputs.artifacts.dir}}", subPath: sub/f}
                  - {name: plain, from: "{{steps.make.outputs.artifacts.plain}}"}
            - - name: where
                template: say
                arguments: {parameters: [{name: m, value: "{{steps.make.ip}} {{steps.make.hostNodeName}}"}]}
          - name: make
            container: {image: alpine, command: [sh, -c, "mkdir -p /tmp/d/sub && echo in-dir > /tmp/d/sub/f && echo plain > /tmp/p"]}
            outputs:
              artifacts:
              - {name: nothing, path: /tmp/none, optional: true}
              - {name: dir, path: /tmp/d}
              - {name: plain, path: /tmp/p, archive: {none: {}}, globalName: plain-global}
          - name: use
            inputs:
              artifacts:
              - {name: missing, path: /tmp/missing, optional: true}
              - {name: file, path: /tmp/f}
              - {name: plain, path: /tmp/plain, mode: 0750}
            container: {image: alpine, command: [sh, -c, 'echo "$(cat /tmp/f) $(cat /tmp/plain) $(stat -c %a /tmp/plain) $([ -e /tmp/missing ] && echo has || echo none)" > /tmp/m']}
            outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
          - name: say
            inputs: {parameters: [{name: m}]}
            container: {image: alpine, command: [sh, -c, 'echo "$0" > /tmp/m', "{{inputs.parameters.m}}"]}
            outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
        """

    static func said(_ wf: JSONValue, _ step: String) -> String? {
        wf["status"]?["nodes"]?.objectValue?.values.first { $0["displayName"]?.stringValue == step }?["outputs"]?["parameters"]?[0]?["value"]?.stringValue
    }

    static func check(_ wf: JSONValue, _ runtime: String, ip: (String) -> Bool) {
        #expect(phase(wf) == "Succeeded", "\(runtime): \(wf["status"]?["message"]?.stringValue ?? "")")
        #expect(said(wf, "use") == "in-dir plain 750 none", "\(runtime)")
        let nodes = wf["status"]?["nodes"]?.objectValue?.values.map { $0 } ?? []
        let make = nodes.first { $0["displayName"] == "make" }
        let made = make?["outputs"]?["artifacts"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(!made.contains("nothing"), "\(runtime): an optional artifact that was not made is not recorded: \(made)")
        let global = wf["status"]?["outputs"]?["artifacts"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(global == ["plain-global"], "\(runtime)")
        let whereParts = said(wf, "where")?.split(separator: " ").map(String.init) ?? []
        #expect(whereParts.count == 2 && ip(whereParts[0]) && whereParts[1] == make?["hostNodeName"]?.stringValue,
                "\(runtime): \(whereParts) vs \(make?["hostNodeName"]?.stringValue ?? "-")")
    }

    @Test func bothRuntimesAgree() async throws {
        let run = try await onBothRuntimes(Self.yaml)
        let podIP = run.cluster["status"]?["nodes"]?.objectValue?.values.first { $0["displayName"] == "make" }?["podIP"]?.stringValue
        #expect(podIP != nil, "the node records its pod's IP")
        Self.check(run.cluster, "controller") { podIP != nil && $0 == podIP }
        Self.check(run.local, "skein run") { $0 == "127.0.0.1" }
    }
}
