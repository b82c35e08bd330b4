import Foundation
import Testing
import WorkflowModel

/// Loads and lints; returns every diagnostic (load errors included).
func lint(_ yaml: String, file: String = "wf.yaml") -> [Diagnostic] {
    do {
        let docs = try DocumentLoader.load(text: yaml, file: file)
        return Linter.lint(docs)
    } catch {
        return error.items
    }
}

func wf(_ templates: String, spec: String = "") -> String {
    """
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata:
      generateName: lint-
    spec:
      entrypoint: main
    \(spec)
      templates:
    \(templates.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
    """
}

let leaf = "- name: t\n  container: {image: alpine, command: [echo]}"

@Suite struct LintTests {
    /// Fields Argo removed or never had on a workflow's spec say what to write instead.
    @Test(arguments: [("ttlSecondsAfterFinished: 60", "ttlStrategy: {secondsAfterCompletion: N}"),
                      ("podPriority: 5", "podPriorityClassName"), ("failFast: true", "dag.failFast"),
                      ("priorityClassName: high", "podPriorityClassName"), ("runtimeClassName: gvisor", "podSpecPatch")])
    func removedSpecFieldsNameTheirReplacement(_ field: String, _ fix: String) {
        let d = lint(wf(leaf.replacingOccurrences(of: "name: t", with: "name: main"), spec: "  " + field))
        #expect(d.count == 1 && d.first?.fix?.contains(fix) == true, "\(d)")
        // A template's own failFast stays valid.
        #expect(lint(wf("- name: main\n  failFast: true\n  steps: [[{name: a, template: t}]]\n" + leaf)).isEmpty)
    }

    /// Fields put on the wrong object say where they belong.
    @Test(arguments: [
        ("- name: main\n  hooks: {done: {expression: 'true', template: t}}\n  container: {image: alpine}", "spec.templates[0].hooks", "step or a DAG task"),
        ("- name: main\n  runtimeClassName: gvisor\n  container: {image: alpine}", "spec.templates[0].runtimeClassName", "podSpecPatch"),
        ("- name: main\n  outputs: {artifacts: [{name: a, path: /tmp/a, key: out.tgz}]}\n  container: {image: alpine}",
         "spec.templates[0].outputs.artifacts[0].key", "s3: {key: ...}"),
    ])
    func misplacedFieldsNameWhereTheyBelong(_ template: String, _ path: String, _ fix: String) {
        let d = lint(wf(template))
        #expect(d.count == 1, "\(d)")
        #expect(d.first?.location.path?.description == path, "\(d)")
        #expect(d.first?.fix?.contains(fix) == true, "\(d)")
    }

    @Test func aValidWorkflowHasNoProblems() {
        #expect(lint(wf("- name: main\n  steps:\n  - - {name: a, template: t}\n\(leaf)")).isEmpty)
    }

    @Test func skeinAPIGroupIsAccepted() {
        let text = wf("- name: main\n  container: {image: alpine}").replacingOccurrences(of: "argoproj.io", with: "skein.dev")
        #expect(lint(text).isEmpty)
    }

    /// Each bad input gives one clear error naming the field, with its line.
    @Test(arguments: [
        (wf("- name: main\n  steps:\n  - - {name: a, template: nope}"), "template 'nope' not found",
         "spec.templates[0].steps[0][0].template", 11),
        (wf("- name: main\n  dag:\n    tasks:\n    - {name: a, template: t, depends: b}\n    - {name: b, template: t, depends: a}\n\(leaf)"),
         "cycle", "spec.templates[0].dag.tasks", nil),
        (wf("- name: main\n  steps:\n  - - {name: a, template: t, when: \"1 == == 2\"}\n\(leaf)"), "when",
         "spec.templates[0].steps[0][0].when", 11),
        (wf("- name: main\n  dag:\n    tasks:\n    - {name: a, template: t, depends: \"b &&\"}\n    - {name: b, template: t}\n\(leaf)"),
         "depends", "spec.templates[0].dag.tasks[0].depends", 12),
        (wf("- name: main\n  dag:\n    tasks:\n    - {name: a, template: t, depends: b, dependencies: [b]}\n    - {name: b, template: t}\n\(leaf)"),
         "dependencies", "spec.templates[0].dag.tasks[0]", 12),
        (wf("- name: main\n  containr: {image: alpine}"), "unknown field 'containr'", "spec.templates[0].containr", 10),
        (wf(leaf.replacingOccurrences(of: "name: t", with: "name: main"), spec: "  ttlSecondsAfterFinished: 60"),
         "unknown field 'ttlSecondsAfterFinished'", "spec.ttlSecondsAfterFinished", 7),
        (wf(leaf.replacingOccurrences(of: "name: t", with: "name: main"), spec: "  failFast: false"),
         "unknown field 'failFast'", "spec.failFast", 7),
        (wf("- name: main\n  container: {image: alpine}").replacingOccurrences(of: "entrypoint: main", with: "entrypoint: start"),
         "entrypoint", "spec.entrypoint", 6),
        (wf("- name: main\n  container: {image: alpine}\n- name: main\n  container: {image: alpine}"), "used twice", "spec.templates[1].name", 11),
        (wf("- name: Main_1\n  container: {image: alpine}").replacingOccurrences(of: "entrypoint: main", with: "entrypoint: Main_1"),
         "is invalid", "spec.templates[0].name", 9),
        (wf("- name: main\n  inputs:\n    parameters: [{name: p}]\n  container: {image: alpine}"), "parameter 'p'", nil, nil),
        (wf("- name: main\n  container: {image: alpine, command: [echo, \"{{inputs.parameters.nope}}\"]}"), "inputs.parameters.nope",
         "spec.templates[0].container", nil),
        (wf("- name: main\n  steps:\n  - - {name: a, template: t}\n  dag: {tasks: []}\n\(leaf)"), "steps", "spec.templates[0]", nil),
        (wf("- name: main\n  parallelism: 0\n  container: {image: alpine}"), "at least 1", "spec.templates[0].parallelism", 10),
        // Durations no timer can hold (issue 18), and ones that are no durations.
        (wf("- name: main\n  timeout: 99999999999999h\n  container: {image: alpine}"), "timeout '99999999999999h' is out of range",
         "spec.templates[0].timeout", 10),
        (wf("- name: main\n  suspend: {duration: 1e300}"), "is out of range",
         "spec.templates[0].suspend.duration", 10),
        (wf("- name: main\n  retryStrategy: {limit: 2, backoff: {duration: 1s, maxDuration: 99999999999999h}}\n  container: {image: alpine}"),
         "backoff.maxDuration '99999999999999h' is out of range", "spec.templates[0].retryStrategy.backoff.maxDuration", 10),
        (wf("- name: main\n  retryStrategy: {limit: 2, backoff: {duration: soon}}\n  container: {image: alpine}"),
         "backoff.duration 'soon' is not a duration", "spec.templates[0].retryStrategy.backoff.duration", 10),
        (wf("- name: main\n  container: {image: alpine}", spec: "  podGC: {strategy: OnPodCompletion, deleteDelayDuration: 99999999999999h}"),
         "podGC.deleteDelayDuration", "spec.podGC.deleteDelayDuration", 7),
        // The workflow's retryStrategy, checked as a template's.
        (wf("- name: main\n  container: {image: alpine}", spec: "  retryStrategy: {limit: 2, retryPolicy: Sometimes}"),
         "retryPolicy 'Sometimes'", "spec.retryStrategy.retryPolicy", 7),
        (wf("- name: main\n  container: {image: alpine}", spec: "  retryStrategy: {limit: 2, backoff: {duration: 99999999999999h}}"),
         "backoff.duration '99999999999999h' is out of range", "spec.retryStrategy.backoff.duration", 7),
        // Kubernetes fields inside containers are checked as strictly as `argo lint` decodes them.
        (wf("- name: main\n  container: {image: alpine, comand: [echo]}"), "unknown field 'comand'", "spec.templates[0].container.comand", 10),
        (wf("- name: main\n  container: {image: alpine, env: [{name: A, valu: b}]}"), "did you mean 'value'?",
         "spec.templates[0].container.env[0].valu", 10),
        (wf("- name: main\n  container: {image: alpine, resources: {limts: {cpu: 1}}}"), "did you mean 'limits'?",
         "spec.templates[0].container.resources.limts", 10),
        (wf("- name: main\n  container: {image: alpine, volumeMounts: [{name: v, mountpath: /v}]}"), "did you mean 'mountPath'?",
         "spec.templates[0].container.volumeMounts[0].mountpath", 10),
        (wf("- name: main\n  script: {image: alpine, sourse: echo}"), "did you mean 'source'?", "spec.templates[0].script.sourse", 10),
        (wf("- name: main\n  container: {image: alpine}\n  sidecars: [{name: s, image: nginx, mirrorVolumeMount: true}]"),
         "did you mean 'mirrorVolumeMounts'?", "spec.templates[0].sidecars[0].mirrorVolumeMount", 11),
        (wf("- name: main\n  container: {image: alpine}", spec: "  volumes: [{name: v, emptydir: {}}]"),
         "did you mean 'emptyDir'?", "spec.volumes[0].emptydir", 7),
    ] as [(String, String, String?, Int?)])
    func badInputGivesALocatedError(_ yaml: String, _ message: String, _ path: String?, _ line: Int?) {
        let problems = lint(yaml)
        let matching = problems.filter { $0.message.contains(message) || ($0.fix ?? "").contains(message) }
        #expect(!matching.isEmpty, "expected '\(message)' in \(problems)")
        guard let d = matching.first else { return }
        #expect(d.location.file == "wf.yaml")
        if let path { #expect(d.location.path?.description.hasPrefix(path) == true, "\(d)") }
        if let line { #expect(d.location.position?.line == line, "\(d)") }
        #expect(d.location.position != nil, "every problem should name a line: \(d)")
        #expect(d.description.hasPrefix("wf.yaml:"))
    }

    @Test func malformedYAMLIsOneErrorWithItsLine() {
        let problems = lint("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec: [unclosed\n")
        #expect(problems.count == 1)
        #expect(problems.first?.location.position?.line != nil)
    }

    @Test func wrongKindAndAPIVersionAreNamed() {
        let p1 = lint("apiVersion: v1\nkind: Workflow\nmetadata: {name: x}\nspec: {}\n")
        #expect(p1.contains { $0.message.contains("apiVersion") })
        let p2 = lint("apiVersion: argoproj.io/v1alpha1\nkind: Pod\nmetadata: {name: x}\nspec: {}\n")
        #expect(p2.contains { $0.message.contains("Pod") })
    }

    @Test func aFieldOfTheWrongTypeNamesThePath() {
        let problems = lint(wf("- name: main\n  retryStrategy: {limit: [1]}\n  container: {image: alpine}"))
        #expect(problems.contains { ($0.location.path?.description ?? "").contains("retryStrategy.limit") })
    }

    @Test func kubernetesSubObjectsAreKeptVerbatim() throws {
        let text = wf("- name: main\n  container: {image: alpine, securityContext: {runAsUser: 1000, customThing: x}}\n  tolerations: [{key: k, operator: Exists}]")
        #expect(lint(text).isEmpty)
        let docs = try DocumentLoader.load(text: text, file: "wf.yaml")
        let w = try docs[0].decode(Workflow.self)
        #expect(w.spec.templates?.first?.container?["securityContext"]?["customThing"] == .string("x"))
        let encoded = try JSONValueEncoding.encode(w)
        #expect(encoded["spec"]?["templates"]?[0]?["tolerations"]?[0]?["operator"] == .string("Exists"))
    }
}
