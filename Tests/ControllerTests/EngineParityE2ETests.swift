import Foundation
import KubeAPI
import SkeinJSON
import SkeinTestSupport
import Testing

/// What the engine decides, on both runtimes: small workflows for the DAG, loop, continueOn,
/// retry, hook and variable features that the engine tests cover, each submitted to KubeSim
/// with the controller and run with `skein run`. The two node trees must be the same (type,
/// phase, message, outputs, template, scope, boundary, children and inputs of every node), and
/// each must show what Argo does (the lines listed for it).
@Suite(.serialized) struct EngineParityE2ETests {
    struct Case: Sendable {
        var name: String
        var phase: String
        /// Lines of `tree(_:)` that must be there.
        var expect: [String]
        var templates: String
        var spec: String = ""
        /// More documents (WorkflowTemplates) given beside the workflow: created in the cluster
        /// first, and passed to `skein run` in the same file.
        var library: String = ""
    }

    static let echo = """
        - name: echo
          inputs: {parameters: [{name: m, default: x}]}
          container: {image: alpine, command: [sh, -c, 'echo "$0" > /tmp/m', "{{inputs.parameters.m}}"]}
          outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
        - name: fail
          container: {image: alpine, command: [sh, -c, "exit 3"]}
        """

    static let cases: [Case] = [
        Case(name: "dag-target-depends", phase: "Failed", expect: [
            "a Pod Succeeded m=x", "b Pod Failed", "  e: template=echo scope=local/WF boundary=WF message=omitted: depends condition not met children=[] outbound=[] inputs=[] flag=- times=true/true", "c Pod Succeeded m=c saw Succeeded",
            "d Pod Succeeded m=any", "e Skipped Omitted", "g TaskGroup Failed", "g(0:1) Pod Failed", "h Pod Succeeded m=all-failed",
        ], templates: """
        - name: main
          dag:
            failFast: false
            tasks:
            - {name: a, template: echo}
            - {name: b, template: fail, dependencies: [a]}
            - {name: c, template: echo, depends: "a", arguments: {parameters: [{name: m, value: "c saw {{tasks.a.status}}"}]}}
            - {name: d, template: echo, depends: "b.Failed || c.AnySucceeded", arguments: {parameters: [{name: m, value: any}]}}
            - {name: e, template: echo, depends: "b.Succeeded"}
            - {name: g, template: fail, depends: "a", withItems: [1, 2]}
            - {name: h, template: echo, depends: "g.AllFailed", arguments: {parameters: [{name: m, value: all-failed}]}}
            - {name: unreached, template: echo}
            target: "c d e h"
        """),
        Case(name: "loops-and-when", phase: "Succeeded", expect: [
            "seq(0:2) Pod Succeeded m=2", "seq(1:3) Pod Succeeded m=3", "never Skipped Skipped",
            "after Pod Succeeded m=[{\"m\":\"2\"},{\"m\":\"3\"}]|Skipped",
        ], templates: """
        - name: main
          steps:
          - - {name: seq, template: echo, withSequence: {count: "2", start: "2"}, arguments: {parameters: [{name: m, value: "{{item}}"}]}}
            - {name: never, template: echo, when: "{{workflow.parameters.go}} == yes"}
          - - {name: after, template: echo, arguments: {parameters: [{name: m, value: "{{steps.seq.outputs.parameters}}|{{steps.never.status}}"}]}}
        """, spec: "arguments: {parameters: [{name: go, value: no}]}"),
        Case(name: "continue-on", phase: "Succeeded", expect: [
            "broken Pod Failed", "next Pod Succeeded m=Failed",
        ], templates: """
        - name: main
          steps:
          - - {name: broken, template: fail, continueOn: {failed: true}}
          - - {name: next, template: echo, arguments: {parameters: [{name: m, value: "{{steps.broken.status}}"}]}}
        """),
        Case(name: "retry-variables", phase: "Succeeded", expect: [
            "flaky Retry Succeeded m=attempt 2", "flaky(0) Pod Failed m=attempt 0", "flaky(2) Pod Succeeded m=attempt 2",
        ], templates: """
        - name: main
          steps:
          - - {name: flaky, template: flaky}
        - name: flaky
          retryStrategy:
            limit: 3
            retryPolicy: Always
            expression: "lastRetry.status == 'Failed' && lastRetry.exitCode == '3' && lastRetry.message == 'Error (exit code 3)' && lastRetry.duration != ''"
            backoff: {duration: "1s", cap: "1s"}
          container: {image: alpine, command: [sh, -c, 'echo "attempt {{retries}}" > /tmp/m; [ {{retries}} -ge 2 ] || exit 3']}
          outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
        """),
        Case(name: "hooks-and-exit", phase: "Succeeded", expect: [
            "hooks.done Pod Succeeded m=saw Succeeded 0", "work.onExit Pod Succeeded m=bye",
        ], templates: """
        - name: main
          dag:
            tasks:
            - name: work
              template: echo
              arguments: {parameters: [{name: m, value: work}]}
              onExit: bye
              hooks:
                done:
                  expression: tasks.work.status == "Succeeded"
                  template: echo
                  arguments: {parameters: [{name: m, value: "saw {{tasks.work.status}} {{tasks.work.exitCode}}"}]}
        - name: bye
          container: {image: alpine, command: [sh, -c, 'echo bye > /tmp/m']}
          outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
        """),
        Case(name: "workflow-variables", phase: "Succeeded", expect: [
            "show Pod Succeeded m=default|blue|tag|RFC3339:yes|{\"note\":\"tag\"}|true", "pod Pod Succeeded m=WF-who-ID",
        ], templates: """
        - name: main
          steps:
          - - name: show
              template: echo
              arguments:
                parameters:
                - {name: m, value: "{{workflow.namespace}}|{{workflow.labels.color}}|{{workflow.annotations.note}}|RFC3339:{{=len(workflow.creationTimestamp.RFC3339) > 18 ? 'yes' : 'no'}}|{{workflow.annotations.json}}|{{=len(workflow.creationTimestamp) == 20}}"}
            - {name: pod, template: who}
        - name: who
          container: {image: alpine, command: [sh, -c, 'echo "{{pod.name}}" > /tmp/m']}
          outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
        """, spec: "workflowMetadata: {labels: {color: blue}, annotations: {note: tag}}"),
        Case(name: "dag-when-continue-inline", phase: "Succeeded", expect: [
            "a Pod Failed", "b Pod Succeeded m=ip=127.0.0.1", "c Skipped Skipped", "d Pod Succeeded m=/tmp/m",
            "[0] StepGroup Succeeded", "steps-inline Pod Succeeded m=inline",
        ], templates: """
        - name: main
          dag:
            tasks:
            - {name: a, template: fail, continueOn: {failed: true}}
            - {name: b, template: echo, depends: a, when: "'{{tasks.a.status}}' == 'Failed'", arguments: {parameters: [{name: m, value: "ip={{tasks.a.ip}}"}]}}
            - {name: c, template: echo, depends: a, when: "'{{tasks.a.status}}' == 'Succeeded'"}
            - name: d
              depends: b
              inline:
                container: {image: alpine, command: [sh, -c, 'echo "{{outputs.parameters.m.path}}" > {{outputs.parameters.m.path}}']}
                outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
            - {name: e, template: steps-with-inline, depends: d}
        - name: steps-with-inline
          steps:
          - - name: steps-inline
              inline:
                container: {image: alpine, command: [sh, -c, 'echo inline > /tmp/m']}
                outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
        """),
        Case(name: "errors-and-defaults", phase: "Succeeded", expect: [
            "gen Skipped Skipped", "consumer Skipped Error", "wrap Steps Succeeded out=fallback", "use Pod Succeeded m=art-data",
            "outputs: artifacts=glob",
        ], templates: """
        - name: main
          steps:
          - - {name: gen, template: echo, when: "false"}
          - - {name: consumer, template: echo, continueOn: {error: true}, arguments: {parameters: [{name: m, value: "{{steps.gen.outputs.result}}"}]}}
          - - {name: wrap, template: wrap}
          - - {name: art, template: art}
          - - {name: use, template: use, arguments: {artifacts: [{name: in, from: "{{workflow.outputs.artifacts.glob}}"}]}}
        - name: wrap
          steps:
          - - {name: skip, template: echo, when: "false"}
          outputs:
            parameters:
            - {name: out, valueFrom: {parameter: "{{steps.skip.outputs.parameters.m}}", default: fallback}}
        - name: art
          container: {image: alpine, command: [sh, -c, 'echo art-data > {{outputs.artifacts.a.path}}']}
          outputs: {artifacts: [{name: a, path: /tmp/a.txt, globalName: glob}]}
        - name: use
          inputs: {artifacts: [{name: in, path: /tmp/in.txt}]}
          container: {image: alpine, command: [sh, -c, 'cat {{inputs.artifacts.in.path}} > /tmp/m']}
          outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
        """),
        Case(name: "outputs-and-globals", phase: "Failed", expect: [
            "inner Steps Succeeded from=made twice=made-made",
            "WF.onExit Pod Succeeded m=made|Failed|1", "outputs: shared=made",
            "dag Pod Succeeded m=made",
        ], templates: """
        - name: main
          steps:
          - - {name: inner, template: inner}
          - - {name: graph, template: graph}
          - - {name: broken, template: fail}
        - name: inner
          steps:
          - - {name: make, template: echo, arguments: {parameters: [{name: m, value: made}]}}
          outputs:
            parameters:
            - {name: from, globalName: shared, valueFrom: {parameter: "{{steps.make.outputs.parameters.m}}"}}
            - {name: twice, valueFrom: {expression: "steps.make.outputs.parameters.m + '-' + steps.make.outputs.parameters.m"}}
        - name: graph
          dag:
            tasks:
            - {name: first, template: echo, arguments: {parameters: [{name: m, value: made}]}}
            - {name: dag, template: echo, depends: first, arguments: {parameters: [{name: m, value: "{{tasks.first.outputs.parameters.m}}"}]}}
        - name: report
          container: {image: alpine, command: [sh, -c, 'echo "{{workflow.outputs.parameters.shared}}|{{workflow.status}}|{{=len(fromJSON(workflow.failures))}}" > /tmp/m']}
          outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
        """, spec: "onExit: report"),
        Case(name: "subpath-from-skipped", phase: "Error", expect: [
            "pick Skipped Skipped",
            "use Skipped Error",
            "  use: template=use scope=- boundary=WF message=failed to resolve {{steps.pick.outputs.parameters.m}} in steps[0] 'use'.arguments.artifacts.in.subPath: 'pick' did not run (Skipped) and its output has no default (fix: give the output parameter a valueFrom.default, such as '[]' for a withParam, or give this step the same when) children=[] outbound=[] inputs=[] flag=- times=true/true",
        ], templates: """
        - name: main
          steps:
          - - {name: make, template: art}
            - {name: pick, template: echo, when: "false"}
          - - name: use
              template: use
              arguments:
                artifacts: [{name: in, from: "{{steps.make.outputs.artifacts.a}}", subPath: "{{steps.pick.outputs.parameters.m}}"}]
        - name: art
          container: {image: alpine, command: [sh, -c, 'echo art-data > {{outputs.artifacts.a.path}}']}
          outputs: {artifacts: [{name: a, path: /tmp/a.txt}]}
        - name: use
          inputs: {artifacts: [{name: in, path: /tmp/in.txt}]}
          container: {image: alpine, command: [cat, /tmp/in.txt]}
        """),
        Case(name: "backoff-max-duration", phase: "Failed", expect: [
            // The workflow's retryStrategy is every template's, the steps template's too.
            "WF Retry Failed", "WF(0) Steps Failed",
            "  retried: template=fail scope=local/WF boundary=WF(0) message=Max duration limit exceeded children=[\"retried(0)\", \"retried(1)\"] outbound=[] inputs=[] flag=- times=true/true",
            "retried(0) Pod Failed", "retried(1) Pod Failed",
        ], templates: """
        - name: main
          steps:
          - - name: retried
              template: fail
        """, spec: "retryStrategy: {limit: 10, retryPolicy: Always, backoff: {duration: '5s', factor: 1, maxDuration: '8s'}}"),
        Case(name: "template-defaults", phase: "Succeeded", expect: [
            "greet Pod Succeeded m=hi from the defaults",
        ], templates: """
        - name: main
          steps:
          - - {name: greet, template: greet}
        - name: greet
          container: {image: alpine, command: [sh, -c, 'echo "$GREETING" > /tmp/m']}
          outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
        """, spec: "templateDefaults: {container: {env: [{name: GREETING, value: hi from the defaults}]}}"),
        Case(name: "sprig", phase: "Succeeded", expect: [
            "calc Pod Succeeded m=true|HttpServer|1 2 3|0.3|[\"a\",\"b\"]|v-c|8|2019-06-13",
        ], templates: """
        - name: main
          steps:
          - - name: calc
              template: echo
              arguments:
                parameters:
                - {name: m, value: "{{=sprig.semverCompare('^1.2.0', '1.4.0')}}|{{=sprig.camelcase('http_server')}}|{{=sprig.seq(3)}}|{{=sprig.addf(0.1, 0.2)}}|{{=toJson(sprig.sortAlpha(sprig.keys(sprig.dict('b', 1, 'a', 2))))}}|{{=sprig.dig('k', 'x', 'none', sprig.dict('k', sprig.dict('x', 'v-c')))}}|{{=sprig.int('010')}}|{{=sprig.htmlDate(1560458379)}}"}
        """),
        Case(name: "template-ref", phase: "Succeeded", expect: [
            "  viaref: template=- scope=local/WF boundary=WF message=- children=[] outbound=[] inputs=[\"m=from the library\"] flag=- times=true/true ref=parity-lib/leaf",
            "viaref Pod Succeeded m=from the library",
            "viaref.onExit Pod Succeeded m=x",
            "  viaref.onExit: template=- scope=local/WF boundary=WF message=- children=[] outbound=[] inputs=[\"m=x\"] flag={\"hooked\":true} times=true/true ref=parity-lib/leaf",
        ], templates: """
        - name: main
          steps:
          - - name: viaref
              templateRef: {name: parity-lib, template: leaf}
              arguments: {parameters: [{name: m, value: from the library}]}
              hooks:
                exit: {templateRef: {name: parity-lib, template: leaf}}
        """, library: """
        apiVersion: argoproj.io/v1alpha1
        kind: WorkflowTemplate
        metadata: {name: parity-lib}
        spec:
          templates:
          - name: leaf
            inputs: {parameters: [{name: m, default: x}]}
            container: {image: alpine, command: [sh, -c, 'echo "$0" > /tmp/m', "{{inputs.parameters.m}}"]}
            outputs: {parameters: [{name: m, valueFrom: {path: /tmp/m}}]}
        """),
    ]

    static func yaml(_ c: Case) -> String {
        let indent = { (s: String, n: Int) in s.split(separator: "\n", omittingEmptySubsequences: false).map { String(repeating: " ", count: n) + $0 }.joined(separator: "\n") }
        return """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {generateName: \(c.name)-}
        spec:
          entrypoint: main
        \(indent(c.spec, 2))
          templates:
        \(indent(c.templates + "\n" + echo, 2))
        """ + (c.library.isEmpty ? "" : "\n---\n" + c.library)
    }

    /// Every node with the fields the engine decides, names and IDs made neutral.
    static func tree(_ wf: JSONValue) -> [String] {
        let name = wf.name ?? "?"
        let nodes = wf["status"]?["nodes"]?.objectValue ?? [:]
        func display(_ id: String?) -> String { id.flatMap { nodes[$0]?["displayName"]?.stringValue } ?? "-" }
        let globals = (wf["status"]?["outputs"]?["parameters"]?.arrayValue ?? []).map { "\($0["name"]?.stringValue ?? "")=\($0["value"]?.scalarText ?? "")" }
        let globalArtifacts = (wf["status"]?["outputs"]?["artifacts"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let header = [wf["status"]?["phase"]?.stringValue ?? "-", "message: " + (wf["status"]?["message"]?.stringValue ?? "-"),
                      "outputs: " + (globals + (globalArtifacts.isEmpty ? [] : ["artifacts=" + globalArtifacts.joined(separator: ",")])).joined(separator: " ")]
        var out: [String] = []
        for n in nodes.values {
            var s = "\(n["displayName"]?.stringValue ?? "?") \(n["type"]?.stringValue ?? "?") \(n["phase"]?.stringValue ?? "?")"
            for p in n["outputs"]?["parameters"]?.arrayValue ?? [] { s += " \(p["name"]?.stringValue ?? "")=\(p["value"]?.scalarText ?? "")" }
            out.append(s)
            var detail = "  \(n["displayName"]?.stringValue ?? "?"): template=\(n["templateName"]?.stringValue ?? "-") scope=\(n["templateScope"]?.stringValue ?? "-")"
            detail += " boundary=\(display(n["boundaryID"]?.stringValue)) message=\(n["message"]?.stringValue ?? "-")"
            detail += " children=\((n["children"]?.arrayValue ?? []).map { display($0.stringValue) }.sorted())"
            detail += " outbound=\((n["outboundNodes"]?.arrayValue ?? []).map { display($0.stringValue) }.sorted())"
            detail += " inputs=\((n["inputs"]?["parameters"]?.arrayValue ?? []).map { "\($0["name"]?.stringValue ?? "")=\($0["value"]?.scalarText ?? "")" })"
            detail += " flag=\(n["nodeFlag"]?.compactJSON ?? "-")"
            detail += " times=\(n["startedAt"]?.stringValue != nil)/\(n["finishedAt"]?.stringValue != nil)"
            if let ref = n["templateRef"] { detail += " ref=\(ref["name"]?.stringValue ?? "?")/\(ref["template"]?.stringValue ?? "?")" }
            out.append(detail)
        }
        return (header + out.sorted()).map { line in
            line.replacingOccurrences(of: name, with: "WF").replacing(/-[0-9]{6,}/, with: "-ID")
        }
    }

    @Test func bothRuntimesDecideAlike() async throws {
        let h = try await ControllerHarness.start(workers: 4)
        defer { Task { await h.stop() } }
        var names: [String: String] = [:]
        for c in Self.cases { names[c.name] = try await h.submit(yaml: Self.yaml(c)) }
        for c in Self.cases {
            let wf = try await h.waitForCompletion(try #require(names[c.name]), timeout: 120)
            let local = try await runLocally(Self.yaml(c))
            let localWF = try JSONValue.parseJSON(local.stdout)
            let (cluster, here) = (Self.tree(wf), Self.tree(localWF))
            #expect(cluster.first == c.phase, "\(c.name) on the controller: \(cluster)")
            #expect(here.first == c.phase, "\(c.name) with skein run: \(here)\n\(local.stderr)")
            for line in c.expect {
                #expect(cluster.contains(line), "\(c.name) on the controller lacks '\(line)': \(cluster)")
                #expect(here.contains(line), "\(c.name) with skein run lacks '\(line)': \(here)")
            }
            #expect(cluster == here, "\(c.name): the runtimes disagree:\ncontroller \(cluster)\nskein run  \(here)")
        }
    }
}
