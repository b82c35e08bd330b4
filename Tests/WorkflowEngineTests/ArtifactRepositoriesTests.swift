import SkeinJSON
import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

/// Which repository a workflow's `artifactRepositoryRef` (or its namespace's default
/// `artifact-repositories` ConfigMap) chooses, and what is said when it cannot be used.
@Suite struct ArtifactRepositoriesTests {
    static let repo = "archiveLogs: true\ns3: {bucket: team-artifacts, endpoint: \"minio:9000\", insecure: true, keyPrefix: t}"
    static let annotated = ArtifactRepositories.ConfigMap(data: ["main": repo, "other": "s3: {bucket: other}"],
                                                          annotations: [ArtifactRepositories.defaultKeyAnnotation: "main"])

    func resolve(_ ref: String?, _ cm: ArtifactRepositories.ConfigMap?) throws -> JSONValue? {
        try ArtifactRepositories.resolve(ref: try ref.map { try JSONValue.parseJSON($0) }, namespace: "team", configMap: cm)
    }

    @Test func theRefTheDefaultKeyAndTheRuntimesOwn() throws {
        #expect(ArtifactRepositories.configMapName(nil) == "artifact-repositories")
        #expect(ArtifactRepositories.configMapName(try JSONValue.parseJSON(#"{"configMap": "mine"}"#)) == "mine")
        let byKey = try resolve(#"{"key": "other"}"#, Self.annotated)
        #expect(byKey?["configMap"] == "artifact-repositories" && byKey?["key"] == "other" && byKey?["namespace"] == "team")
        #expect(ArtifactRepositories.s3(of: byKey)?.bucket == "other")
        #expect(!ArtifactRepositories.archivesLogs(byKey))
        // No key: the annotation's; no ref at all: the annotated default ConfigMap still applies.
        for ref in [#"{}"#, nil] {
            let r = try resolve(ref, Self.annotated)
            #expect(r?["key"] == "main" && ArtifactRepositories.s3(of: r)?.keyPrefix == "t" && ArtifactRepositories.archivesLogs(r))
        }
        // No ref and no default ConfigMap, or one without the annotation: the runtime's own.
        #expect(try resolve(nil, nil) == nil)
        #expect(try resolve(nil, .init(data: ["main": Self.repo])) == nil)
    }

    @Test(arguments: [
        (#"{"configMap": "missing", "key": "k"}"#, nil as ArtifactRepositories.ConfigMap?,
         "ConfigMap team/missing not found"),
        (#"{}"#, ArtifactRepositories.ConfigMap(data: ["main": repo]),
         "names no key, and ConfigMap team/artifact-repositories has no workflows.argoproj.io/default-artifact-repository annotation"),
        (#"{"key": "nope"}"#, annotated, "has no key 'nope' (it has main, other)"),
        (#"{"key": "k"}"#, ArtifactRepositories.ConfigMap(data: ["k": "gcs: {bucket: b}"]), "the gcs repository kind is not supported yet"),
        (#"{"key": "k"}"#, ArtifactRepositories.ConfigMap(data: ["k": "s3: {endpoint: x}"]), "s3.bucket is missing"),
        (#"{"key": "k"}"#, ArtifactRepositories.ConfigMap(data: ["k": "archiveLogs: often\ns3: {bucket: b}"]), "archiveLogs must be true or false"),
        (#""text""#, annotated, "spec.artifactRepositoryRef must be a map"),
    ])
    func whatCannotBeUsedIsSaid(_ ref: String, _ cm: ArtifactRepositories.ConfigMap?, _ message: String) throws {
        do {
            _ = try resolve(ref, cm)
            Issue.record("expected: \(message)")
        } catch let p as ArtifactRepositories.Problem {
            #expect(p.description.contains(message), "\(p.description)")
        }
    }
}

/// Which artifacts `artifactGC` collects and when: the artifact's strategy over the workflow's.
@Suite struct ArtifactGCTests {
    static let yaml = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: wf}
        spec:
          entrypoint: main
          artifactGC: {strategy: OnWorkflowDeletion}
          templates:
          - name: main
            container: {image: alpine, command: [echo]}
            outputs:
              artifacts:
              - {name: a, path: /tmp/a}
              - {name: b, path: /tmp/b, artifactGC: {strategy: OnWorkflowCompletion}}
              - {name: c, path: /tmp/c, artifactGC: {strategy: Never}}
        """

    @Test func theArtifactsStrategyWinsOverTheWorkflows() throws {
        let h = try EngineHarness(yaml: Self.yaml)
        #expect(h.run { _ in .succeed(artifacts: ["a": "k/a", "b": "k/b", "c": "k/c"]) } == .succeeded)
        let wf = h.execution.workflow
        let items = ArtifactGC.items(spec: wf.spec, nodes: h.execution.status.nodes ?? [:])
        #expect(items.map { "\($0.name) \($0.key) \($0.strategy.rawValue)" } == ["a k/a OnWorkflowDeletion", "b k/b OnWorkflowCompletion"])
        #expect(ArtifactGC.isNeeded(spec: wf.spec, templates: wf.spec.templates ?? []))
        var never = wf.spec
        never.artifactGC = ["strategy": "Never"]
        #expect(!ArtifactGC.isNeeded(spec: never, templates: [Template(name: "t")]))
        never.artifactGC = ["strategy": "Sometimes"]
        #expect(ArtifactGC.problem(spec: never, templates: []) == "spec.artifactGC.strategy 'Sometimes' is not one of OnWorkflowCompletion, OnWorkflowDeletion, Never")
    }
}

/// The repository's `keyFormat`: each step's artifacts and log under the key it gives.
@Suite struct KeyFormatTests {
    @Test func theKeysFollowTheFormat() throws {
        let h = try EngineHarness(yaml: """
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata: {name: wf, namespace: team, creationTimestamp: "2026-03-04T05:06:07Z"}
            spec:
              entrypoint: main
              archiveLogs: true
              templates:
              - name: main
                container: {image: alpine, command: [echo]}
                outputs:
                  artifacts: [{name: out, path: /tmp/out}, {name: raw, path: /tmp/raw, archive: {none: {}}}]
            """)
        h.execution.recordArtifactRepository(["artifactRepository": ["s3": [
            "bucket": "b", "keyFormat": "runs/{{workflow.creationTimestamp.Y}}/{{workflow.creationTimestamp.m}}/{{workflow.namespace}}/{{workflow.name}}/{{pod.name}}/",
        ]]])
        _ = h.run { _ in .success }
        let l = try #require(h.launches.first?.launch)
        #expect(l.outputArtifacts.map(\.key) == ["runs/2026/03/team/wf/wf/out.tgz", "runs/2026/03/team/wf/wf/raw"])
        #expect(l.logKey == "runs/2026/03/team/wf/wf/main.log")
    }

    @Test func aFormatThatLeavesTheRepositoryIsTheStepsError() throws {
        let h = try EngineHarness(yaml: """
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata: {name: wf}
            spec:
              entrypoint: main
              templates:
              - name: main
                container: {image: alpine, command: [echo]}
                outputs: {artifacts: [{name: out, path: /tmp/out}]}
            """)
        h.execution.recordArtifactRepository(["artifactRepository": ["s3": ["bucket": "b", "keyFormat": "../{{workflow.name}}"]]])
        _ = h.run { _ in .success }
        #expect(h.execution.node(named: "wf")?.message?.contains("keyFormat '../{{workflow.name}}' gives the key '../wf'") == true,
                "\(String(describing: h.execution.node(named: "wf")?.message))")
    }
}
