import SkeinJSON
import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

/// Artifacts with an S3 location of their own: the engine resolves the location (templated),
/// hands it to the runtime with the object's key, passes it on to the steps that take the
/// artifact with `from`, and says what is wrong with a location it cannot use.
@Suite struct S3LocationTests {
    static let location = "bucket: \"b-{{workflow.parameters.env}}\", endpoint: \"minio:9000\", insecure: true, region: eu-west-1, accessKeySecret: {name: k, key: id}, secretKeySecret: {name: k, key: secret}"

    static func yaml(output s3: String = location) -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: wf}
        spec:
          entrypoint: main
          arguments: {parameters: [{name: env, value: prod}]}
          templates:
          - name: main
            steps:
            - - {name: write, template: write}
            - - {name: pass, template: read, arguments: {artifacts: [{name: in, from: "{{steps.write.outputs.artifacts.out}}"}]}}
              - {name: named, template: read-named}
              - {name: repo, template: read, arguments: {artifacts: [{name: in, s3: {key: plain/key.tgz}}]}}
          - name: write
            container: {image: alpine, command: [echo]}
            outputs: {artifacts: [{name: out, path: /tmp/out, s3: {\(s3), key: "{{workflow.name}}/out.tgz"}}]}
          - name: read
            inputs: {artifacts: [{name: in, path: /tmp/in}]}
            container: {image: alpine, command: [echo]}
          - name: read-named
            inputs: {artifacts: [{name: in, path: /tmp/in, s3: {\(location), key: other/obj}}]}
            container: {image: alpine, command: [echo]}
        """
    }

    @Test func theLocationTravelsWithTheKey() throws {
        let h = try EngineHarness(yaml: Self.yaml())
        let phase = h.run { l in l.displayName == "write" ? .succeed(artifacts: ["out": "wf/out.tgz"]) : .success }
        #expect(phase == .succeeded, "\(h)")
        let expected = S3Location(bucket: "b-prod", endpoint: "minio:9000", region: "eu-west-1", insecure: true,
                                  accessKeySecret: .init(name: "k", key: "id"), secretKeySecret: .init(name: "k", key: "secret"))
        let write = try #require(h.launches.first { $0.launch.displayName == "write" }?.launch)
        #expect(write.outputArtifacts.first?.key == "wf/out.tgz" && write.outputArtifacts.first?.location == expected)
        #expect(expected.endpointURL == "http://minio:9000")
        func input(_ step: String) -> InputArtifact? { h.launches.first { $0.launch.displayName == step }?.launch.inputArtifacts.first }
        #expect(input("pass")?.source == .stored(key: "wf/out.tgz") && input("pass")?.location == expected)
        #expect(input("named")?.source == .stored(key: "other/obj") && input("named")?.location == expected)
        // Key-only: the runtime's repository.
        #expect(input("repo")?.source == .stored(key: "plain/key.tgz") && input("repo")?.location == nil)
        // The step document carries the location to the executor and back.
        let doc = try StepDocument(json: StepDocument(launch: write, workflowName: "wf", workflowUID: "u").json)
        #expect(doc.outputArtifacts.first?.location == expected)
        let passLaunch = try #require(h.launches.first { $0.launch.displayName == "pass" }?.launch)
        #expect(try StepDocument(json: StepDocument(launch: passLaunch, workflowName: "wf", workflowUID: "u").json).inputArtifacts.first?.location == expected)
    }

    @Test(arguments: [
        ("endpoint: \"minio:9000\"", "outputs.artifacts.out.s3.bucket is missing"),
        ("bucket: b, roleARN: arn", "outputs.artifacts.out.s3.roleARN is not supported yet"),
        ("bucket: b, accessKeySecret: {name: k}", "outputs.artifacts.out.s3.accessKeySecret needs `name` and `key`"),
        ("bucket: b, insecure: maybe", "outputs.artifacts.out.s3.insecure must be true or false"),
    ])
    func aLocationItCannotUseIsTheStepsError(_ s3: String, _ message: String) throws {
        let h = try EngineHarness(yaml: Self.yaml(output: s3))
        let phase = h.run { _ in .success }
        #expect(phase == .error || phase == .failed)
        let write = h.execution.node(named: "wf[0].write")
        #expect(write?.phase == .error && write?.message?.contains(message) == true, "\(String(describing: write?.message))")
    }
}

/// `archiveLogs`: which steps keep their log as `main-logs`, and where (Argo's rule: the
/// repository's setting wins; else the template's `archiveLocation.archiveLogs`, else the
/// workflow's `spec.archiveLogs`).
@Suite struct ArchiveLogsTests {
    static func yaml(spec: String) -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: wf, namespace: team}
        spec:
          entrypoint: main
        \(spec)
          templates:
          - name: main
            steps:
            - - {name: plain, template: plain}
              - {name: keep, template: keep}
              - {name: drop, template: drop}
          - name: plain
            container: {image: alpine, command: [echo]}
          - name: keep
            archiveLocation: {archiveLogs: true}
            container: {image: alpine, command: [echo]}
          - name: drop
            archiveLocation: {archiveLogs: false}
            container: {image: alpine, command: [echo]}
        """
    }

    func archived(spec: String, repository: Bool) throws -> [String: String] {
        let h = try EngineHarness(yaml: Self.yaml(spec: spec))
        h.execution.archiveLogsByDefault = repository
        _ = h.run { _ in .success }
        var out: [String: String] = [:]
        for l in h.launches { if let k = l.launch.logKey { out[l.launch.displayName] = k } }
        return out
    }

    @Test func theRepositoryThenTheTemplateThenTheWorkflowDecide() throws {
        #expect(try archived(spec: "", repository: false).keys.sorted() == ["keep"])
        #expect(try archived(spec: "  archiveLogs: true", repository: false).keys.sorted() == ["keep", "plain"])
        #expect(try archived(spec: "  archiveLogs: false", repository: true).keys.sorted() == ["drop", "keep", "plain"])
        let keys = try archived(spec: "", repository: true)
        let pod = NodeNaming.podName(workflow: "wf", nodeName: "wf[0].plain", templateName: "plain")
        #expect(keys["plain"] == "team/wf/\(pod)/main.log")
    }
}

/// The options of an S3 location or repository, in Argo's fields, and what is wrong with them.
@Suite struct S3OptionsTests {
    func parse(_ json: String) throws -> S3Options {
        try S3Options.parse(try JSONValue.parseJSON(json).objectValue ?? [:], field: "s3")
    }

    @Test func argosFieldsMapToWhatIsSent() throws {
        #expect(try parse(#"{"bucket": "b"}"#) == S3Options())
        #expect(try parse(#"{"createBucketIfNotPresent": {"objectLocking": false}}"#).createBucket)
        #expect(try parse(#"{"encryptionOptions": {"enableEncryption": true}}"#).encryption == .s3)
        #expect(try parse(#"{"encryptionOptions": {"enableEncryption": true, "kmsKeyId": "k", "kmsEncryptionContext": "{}"}}"#).encryption == .kms(keyID: "k", context: "{}"))
        // A KMS key without enableEncryption encrypts nothing, as in Argo.
        #expect(try parse(#"{"encryptionOptions": {"kmsKeyId": "k"}}"#).encryption == nil)
        let c = try parse(#"{"encryptionOptions": {"serverSideCustomerKeySecret": {"name": "sse", "key": "k"}}, "caSecret": {"name": "ca", "key": "crt"}}"#)
        #expect(c.encryption == .customerKey(.init(name: "sse", key: "k")) && c.caSecret == .init(name: "ca", key: "crt"))
        #expect(c.secrets.map(\.name) == ["sse", "ca"])
        // Back in Argo's shape.
        var o: [String: JSONValue] = [:]
        c.merge(into: &o)
        #expect(try S3Options.parse(o, field: "s3") == c)
    }

    @Test(arguments: [
        (#"{"encryptionOptions": {"enableEncryption": true, "serverSideCustomerKeySecret": {"name": "a", "key": "b"}}}"#, "exclude each other"),
        (#"{"createBucketIfNotPresent": {"objectLocking": true}}"#, "objectLocking is not supported yet"),
        (#"{"caSecret": {"name": "ca"}}"#, "s3.caSecret needs `name` and `key`"),
        (#"{"createBucketIfNotPresent": "yes"}"#, "must be a map"),
    ])
    func whatIsWrongIsNamed(_ json: String, _ message: String) throws {
        do {
            _ = try parse(json)
            Issue.record("expected: \(message)")
        } catch let p as S3Options.Problem {
            #expect(p.description.contains(message), "\(p.description)")
        }
    }
}
