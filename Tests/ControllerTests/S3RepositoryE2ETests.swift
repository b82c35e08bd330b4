import Artifacts
import Controller
import Foundation
import KubeAPI
import KubeClient
import KubeSim
import SkeinJSON
import SkeinTestSupport
import Testing
import WorkflowEngine
import WorkflowModel

/// The default artifact repository in S3 on the controller: the executor containers of each
/// step read and write the artifacts in the bucket (moto on 127.0.0.1), with the keys from a
/// Secret in the workflow's namespace, as Argo's `artifactRepository.s3` says.
@Suite(.serialized) struct S3RepositoryE2ETests {
    @Test func theArtifactsExamplePassesItsArtifactsThroughS3() async throws {
        let server = try S3TestServer.shared()
        let s3 = S3Client(endpoint: S3Endpoint(url: server.endpoint, credentials: AWSCredentials(accessKeyID: S3TestServer.accessKey,
                                                                                               secretAccessKey: S3TestServer.secretKey)))
        try s3.createBucket("cluster-artifacts")
        let repository = try S3Repository.parse(JSONValue.parseJSON("""
            {"bucket": "cluster-artifacts", "endpoint": "127.0.0.1:\(server.port)", "insecure": true, "keyPrefix": "runs",
             "accessKeySecret": {"name": "s3-keys", "key": "accessKey"}, "secretKeySecret": {"name": "s3-keys", "key": "secretKey"}}
            """))
        let h = try await ControllerHarness.start { $0.s3Repository = repository }
        defer { Task { await h.stop() } }
        _ = try await h.client.create(.secrets, [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s3-keys"],
            "stringData": ["accessKey": .string(S3TestServer.accessKey), "secretKey": .string(S3TestServer.secretKey)],
        ], namespace: "default")
        let yaml = try String(contentsOfFile: Binaries.packageRoot + "/examples/artifacts.yaml", encoding: .utf8)
        let name = try await h.submit(yaml: yaml)
        let wf = try await h.waitForCompletion(name, timeout: 90)
        #expect(phase(wf) == "Succeeded", "\(nodeSummary(wf))")
        let keys = try s3.list(bucket: "cluster-artifacts", prefix: "runs/").map(\.key)
        #expect(keys.contains { $0.contains(name) && $0.hasSuffix("/report.tgz") } && keys.contains { $0.hasSuffix("/data.tgz") }, "\(keys)")
        // Nothing went through the volume repository.
        #expect(!FileManager.default.fileExists(atPath: h.artifactDirectory + "/default/\(name)"))
        // The executor containers got the keys from the Secret, not as values in the pod.
        let pods = try await h.pods(of: name)
        let env = pods.flatMap { $0["spec"]?["initContainers"]?.arrayValue ?? [] }.flatMap { $0["env"]?.arrayValue ?? [] }
        #expect(env.contains { $0["name"] == "AWS_SECRET_ACCESS_KEY" && $0["valueFrom"]?["secretKeyRef"]?["name"] == "s3-keys" })
        #expect(!env.contains { $0["value"]?.stringValue == S3TestServer.secretKey })
    }

    @Test func aMissingBucketFailsTheStepNamingIt() async throws {
        let server = try S3TestServer.shared()
        let h = try await ControllerHarness.start {
            $0.s3Repository = S3Repository(bucket: "not-created", endpoint: "127.0.0.1:\(server.port)", insecure: true)
        }
        defer { Task { await h.stop() } }
        let yaml = try String(contentsOfFile: Binaries.packageRoot + "/examples/artifacts.yaml", encoding: .utf8)
        let name = try await h.submit(yaml: yaml)
        let wf = try await h.waitForCompletion(name, timeout: 90)
        #expect(phase(wf) != "Succeeded")
        let produce = wf["status"]?["nodes"]?.objectValue?.values.first { $0["displayName"] == "produce" }
        let message = produce?["message"]?.stringValue ?? ""
        #expect(message.contains("s3://not-created/") && message.contains("NoSuchBucket"), "\(nodeSummary(wf))")
    }
}

/// Key-only artifacts (`s3: {key: ...}`): an output stored under the key given, in whatever
/// repository the runtime has, and an input read from a key; on both runtimes.
@Suite(.serialized) struct KeyOnlyArtifactE2ETests {
    static let yaml = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {generateName: key-only-}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: write, template: write}
            - - {name: read, template: read}
          - name: write
            container: {image: alpine, command: [sh, -c, "echo keyed-data > /tmp/out.txt"]}
            outputs:
              artifacts: [{name: out, path: /tmp/out.txt, s3: {key: "shared/{{workflow.name}}/out.tgz"}}]
          - name: read
            inputs:
              artifacts: [{name: in, path: /tmp/in.txt, s3: {key: "shared/{{workflow.name}}/out.tgz"}}]
            container: {image: alpine, command: [sh, -c, "cat /tmp/in.txt > /tmp/m"]}
            outputs:
              parameters: [{name: m, valueFrom: {path: /tmp/m}}]
        """

    @Test func bothRuntimesStoreAndReadTheKeyGiven() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: Self.yaml)
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded", "\(nodeSummary(wf))")
        #expect(nodeSummary(wf).contains { $0.hasPrefix("read Pod Succeeded") && $0.contains("m=keyed-data") }, "\(nodeSummary(wf))")
        #expect(FileManager.default.fileExists(atPath: h.artifactDirectory + "/shared/\(name)/out.tgz"))

        let local = try await SimCluster.offPool {
            let cli = try SkeinCLI()
            let f = try cli.write("key-only.yaml", Self.yaml)
            let r = try cli.run(["run", f, "-o", "json"])
            let name = (finalWorkflow(r.stdout)?["metadata"] as? [String: Any])?["name"] as? String ?? "?"
            return (r, FileManager.default.fileExists(atPath: cli.workDirectory + "/.skein/artifacts/shared/\(name)/out.tgz"))
        }
        #expect(local.0.status == 0, "\(local.0.stderr)")
        #expect(local.0.stderr.contains("keyed-data") || local.0.stdout.contains("keyed-data"))
        #expect(local.1, "the local repository holds the key given")
    }
}

/// Artifacts with an S3 location of their own (`s3: {bucket, endpoint, insecure, key,
/// accessKeySecret, secretKeySecret}`): stored in that bucket, whatever the runtime's
/// repository is, passed on with `from` and read again by a step that names the object; on
/// both runtimes. The controller gives the executor the keys from the Secrets; `skein run`
/// uses the keys of the AWS environment.
@Suite(.serialized) struct OwnS3LocationE2ETests {
    static func yaml(port: Int, bucket: String) -> String {
        let location = "bucket: \(bucket), endpoint: \"127.0.0.1:\(port)\", insecure: true, accessKeySecret: {name: own-keys, key: id}, secretKeySecret: {name: own-keys, key: secret}"
        return """
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata: {generateName: own-s3-}
            spec:
              entrypoint: main
              templates:
              - name: main
                steps:
                - - {name: write, template: write}
                - - name: pass
                    template: read
                    arguments:
                      artifacts: [{name: in, from: "{{steps.write.outputs.artifacts.out}}"}]
                  - {name: named, template: read-named}
              - name: write
                container: {image: alpine, command: [sh, -c, "mkdir -p /tmp/d && echo own-data > /tmp/d/f.txt"]}
                outputs:
                  artifacts: [{name: out, path: /tmp/d, s3: {\(location), key: "{{workflow.name}}/out.tgz"}}]
              - name: read
                inputs:
                  artifacts: [{name: in, path: /tmp/in}]
                container: {image: alpine, command: [sh, -c, "cat /tmp/in/f.txt > /tmp/m"]}
                outputs:
                  parameters: [{name: m, valueFrom: {path: /tmp/m}}]
              - name: read-named
                inputs:
                  artifacts: [{name: in, path: /tmp/in, s3: {\(location), key: "{{workflow.name}}/out.tgz"}}]
                container: {image: alpine, command: [sh, -c, "cat /tmp/in/f.txt > /tmp/m"]}
                outputs:
                  parameters: [{name: m, valueFrom: {path: /tmp/m}}]
            """
    }

    static func client(_ server: S3TestServer) -> S3Client {
        S3Client(endpoint: S3Endpoint(url: server.endpoint, credentials: AWSCredentials(accessKeyID: S3TestServer.accessKey,
                                                                                      secretAccessKey: S3TestServer.secretKey)))
    }

    @Test func theControllerStoresAndReadsTheArtifactWhereItSays() async throws {
        let server = try S3TestServer.shared()
        let s3 = Self.client(server)
        try s3.createBucket("own-cluster")
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        try await h.createS3KeySecret("own-keys", accessKey: "id", secretKey: "secret")
        let name = try await h.submit(yaml: Self.yaml(port: server.port, bucket: "own-cluster"))
        let wf = try await h.waitForCompletion(name, timeout: 90)
        #expect(phase(wf) == "Succeeded", "\(nodeSummary(wf))")
        for step in ["pass", "named"] {
            #expect(nodeSummary(wf).contains { $0.hasPrefix("\(step) Pod Succeeded") && $0.contains("m=own-data") }, "\(nodeSummary(wf))")
        }
        #expect(try s3.list(bucket: "own-cluster", prefix: "\(name)/").map(\.key) == ["\(name)/out.tgz"])
        // Not in the controller's repository; recorded in the node with its location.
        #expect(!FileManager.default.fileExists(atPath: h.artifactDirectory + "/default/\(name)"))
        let write = wf["status"]?["nodes"]?.objectValue?.values.first { $0["displayName"] == "write" }
        let recorded = write?["outputs"]?["artifacts"]?[0]?["s3"]
        #expect(recorded?["bucket"] == "own-cluster" && recorded?["key"]?.stringValue == "\(name)/out.tgz", "\(String(describing: recorded))")
        // The keys reached the executor from the Secret, never as values in the pod.
        let pods = try await h.pods(of: name)
        let env = pods.flatMap { $0["spec"]?["containers"]?.arrayValue ?? [] }.flatMap { $0["env"]?.arrayValue ?? [] }
        #expect(env.contains { $0["valueFrom"]?["secretKeyRef"]?["name"] == "own-keys" && $0["valueFrom"]?["secretKeyRef"]?["key"] == "secret" })
        #expect(!env.contains { $0["value"]?.stringValue == S3TestServer.secretKey })
    }

    @Test func skeinRunStoresAndReadsTheArtifactWhereItSays() async throws {
        let server = try S3TestServer.shared()
        let s3 = Self.client(server)
        try s3.createBucket("own-local")
        let (r, cwd) = try await SimCluster.offPool {
            let cli = try SkeinCLI()
            let f = try cli.write("own.yaml", Self.yaml(port: server.port, bucket: "own-local"))
            var env = cli.environment
            env["AWS_ACCESS_KEY_ID"] = S3TestServer.accessKey
            env["AWS_SECRET_ACCESS_KEY"] = S3TestServer.secretKey
            env["HOME"] = cli.workDirectory
            return (try Command.run(cli.binary, ["run", f, "-o", "json"], environment: env, currentDirectory: cli.workDirectory, timeout: 60),
                    cli.workDirectory)
        }
        #expect(r.status == 0, "\(r.stderr)")
        let wf = finalWorkflow(r.stdout)
        let name = (wf?["metadata"] as? [String: Any])?["name"] as? String ?? "?"
        #expect(phase(wf) == "Succeeded")
        #expect(try s3.list(bucket: "own-local", prefix: "\(name)/").map(\.key) == ["\(name)/out.tgz"])
        let nodes = ((wf?["status"] as? [String: Any])?["nodes"] as? [String: Any] ?? [:]).values.compactMap { $0 as? [String: Any] }
        for step in ["pass", "named"] {
            let node = nodes.first { $0["displayName"] as? String == step }
            let params = (node?["outputs"] as? [String: Any])?["parameters"] as? [[String: Any]]
            #expect(params?.first?["value"] as? String == "own-data", "\(step): \(r.stdout)")
        }
        #expect(!FileManager.default.fileExists(atPath: cwd + "/.skein/artifacts/\(name)"))
    }
}

/// `spec.artifactRepositoryRef`: the repository in a ConfigMap of the workflow's namespace
/// (Argo's `artifact-repository-ref.yaml`), the namespace's annotated default ConfigMap, and a
/// ref that names nothing; on the controller and with `skein run` (the ConfigMap given
/// beside the workflow).
@Suite(.serialized) struct ArtifactRepositoryRefE2ETests {
    static let workflow = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {generateName: repo-ref-}
        spec:
          entrypoint: main
          artifactRepositoryRef: {key: my-key}
          templates:
          - name: main
            container: {image: alpine, command: [sh, -c, "echo hello world | tee /tmp/hello_world.txt"]}
            outputs:
              artifacts: [{name: hello_world, path: /tmp/hello_world.txt}]
        """

    static func configMap(port: Int, bucket: String, annotated: Bool = false) -> String {
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: artifact-repositories
        \(annotated ? "  annotations: {workflows.argoproj.io/default-artifact-repository: my-key}" : "")
        data:
          my-key: |
            archiveLogs: true
            s3:
              bucket: \(bucket)
              endpoint: 127.0.0.1:\(port)
              insecure: true
              keyPrefix: referenced
              accessKeySecret: {name: ref-keys, key: a}
              secretKeySecret: {name: ref-keys, key: s}
        """
    }

    @Test func theControllerUsesTheRepositoryTheWorkflowNames() async throws {
        let server = try S3TestServer.shared()
        let s3 = OwnS3LocationE2ETests.client(server)
        try s3.createBucket("referenced")
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        try await h.createS3KeySecret("ref-keys", accessKey: "a", secretKey: "s")
        // A ref to a ConfigMap that is not there: the workflow ends in Error saying so.
        let early = try await h.submit(yaml: Self.workflow)
        let failed = try await h.waitForCompletion(early)
        #expect(phase(failed) == "Error")
        #expect(failed["status"]?["message"]?.stringValue?.contains("ConfigMap default/artifact-repositories not found") == true,
                "\(String(describing: failed["status"]?["message"]))")

        let cm = try #require(try YAMLLoader.load(Self.configMap(port: server.port, bucket: "referenced"), file: "cm.yaml").first?.value)
        _ = try await h.client.create(.configMaps, cm, namespace: "default")
        let name = try await h.submit(yaml: Self.workflow)
        let wf = try await h.waitForCompletion(name, timeout: 90)
        #expect(phase(wf) == "Succeeded", "\(nodeSummary(wf))")
        let ref = wf["status"]?["artifactRepositoryRef"]
        #expect(ref?["configMap"] == "artifact-repositories" && ref?["key"] == "my-key" && ref?["namespace"] == "default", "\(String(describing: ref))")
        let keys = try s3.list(bucket: "referenced", prefix: "referenced/default/\(name)/").map(\.key)
        // The output, and the log (the repository says archiveLogs).
        #expect(keys.contains { $0.hasSuffix("/hello_world.tgz") } && keys.contains { $0.hasSuffix("/main.log") }, "\(keys)")
        #expect(!FileManager.default.fileExists(atPath: h.artifactDirectory + "/default/\(name)"))
    }

    @Test func theNamespacesAnnotatedDefaultIsUsedWithoutARef() async throws {
        let server = try S3TestServer.shared()
        let s3 = OwnS3LocationE2ETests.client(server)
        try s3.createBucket("ns-default")
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        try await h.createS3KeySecret("ref-keys", accessKey: "a", secretKey: "s")
        let cm = try #require(try YAMLLoader.load(Self.configMap(port: server.port, bucket: "ns-default", annotated: true), file: "cm.yaml").first?.value)
        _ = try await h.client.create(.configMaps, cm, namespace: "default")
        let name = try await h.submit(yaml: Self.workflow.replacingOccurrences(of: "  artifactRepositoryRef: {key: my-key}\n", with: ""))
        let wf = try await h.waitForCompletion(name, timeout: 90)
        #expect(phase(wf) == "Succeeded", "\(nodeSummary(wf))")
        #expect(try s3.list(bucket: "ns-default", prefix: "referenced/default/\(name)/").map(\.key).contains { $0.hasSuffix("/hello_world.tgz") })
    }

    @Test func skeinRunUsesTheConfigMapGivenBesideTheWorkflow() async throws {
        let server = try S3TestServer.shared()
        let s3 = OwnS3LocationE2ETests.client(server)
        try s3.createBucket("ref-local")
        let (r, local) = try await SimCluster.offPool {
            let cli = try SkeinCLI()
            let f = try cli.write("wf.yaml", Self.workflow)
            let c = try cli.write("cm.yaml", Self.configMap(port: server.port, bucket: "ref-local"))
            var env = cli.environment
            env["AWS_ACCESS_KEY_ID"] = S3TestServer.accessKey
            env["AWS_SECRET_ACCESS_KEY"] = S3TestServer.secretKey
            env["HOME"] = cli.workDirectory
            let r = try Command.run(cli.binary, ["run", f, c, "-o", "json"], environment: env, currentDirectory: cli.workDirectory, timeout: 60)
            return (r, FileManager.default.fileExists(atPath: cli.workDirectory + "/.skein/artifacts"))
        }
        #expect(r.status == 0, "\(r.stderr)")
        let wf = finalWorkflow(r.stdout)
        let name = (wf?["metadata"] as? [String: Any])?["name"] as? String ?? "?"
        let keys = try s3.list(bucket: "ref-local", prefix: "referenced/default/\(name)/").map(\.key)
        #expect(keys.contains { $0.hasSuffix("/hello_world.tgz") } && keys.contains { $0.hasSuffix("/main.log") }, "\(keys)")
        #expect(!local, "nothing in the local directory")
        let ref = (wf?["status"] as? [String: Any])?["artifactRepositoryRef"] as? [String: Any]
        #expect(ref?["key"] as? String == "my-key")
    }
}

/// Argo's examples that keep artifacts in the default repository, a key of it or a referenced
/// one, run with S3 as that repository: on the controller (the repository in its settings,
/// `artifact-repositories` in the namespace for `artifact-repository-ref.yaml`) and with
/// `skein run --artifacts s3://...` (the ConfigMap given beside it); each must succeed and
/// leave its artifacts in the bucket.
@Suite(.serialized) struct ArgoRepositoryExamplesE2ETests {
    /// The runnable examples with artifacts, and those that need a repository's features.
    static var examples: [String] {
        let withArtifacts = ArgoExamples.runnable.filter { f in
            ((try? String(contentsOfFile: "\(ArgoExamples.directory)/\(f)", encoding: .utf8)) ?? "").contains("artifacts:")
                && ArgoExamples.localKnownFailures[f] == nil
        }
        return (withArtifacts + ["key-only-artifact.yaml", "archive-location.yaml", "artifact-repository-ref.yaml"]).sorted()
    }

    static func configMap(_ port: Int, bucket: String) -> String {
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: artifact-repositories}
        data:
          my-key: |
            s3: {bucket: \(bucket), endpoint: "127.0.0.1:\(port)", insecure: true, keyPrefix: by-ref,
                 accessKeySecret: {name: s3-keys, key: a}, secretKeySecret: {name: s3-keys, key: s}}
        """
    }

    @Test(.enabled(if: ArgoExamples.available, "../shared/argo-examples is absent"))
    func onTheController() async throws {
        let server = try S3TestServer.shared()
        let s3 = OwnS3LocationE2ETests.client(server)
        try s3.createBucket("argo-examples")
        let h = try await ControllerHarness.start(workers: 8) {
            $0.s3Repository = S3Repository(bucket: "argo-examples", endpoint: "127.0.0.1:\(server.port)", insecure: true,
                                           accessKeySecret: .init(name: "s3-keys", key: "a"), secretKeySecret: .init(name: "s3-keys", key: "s"))
        }
        defer { Task { await h.stop() } }
        try await h.createS3KeySecret("s3-keys", accessKey: "a", secretKey: "s")
        for d in try YAMLLoader.load(Self.configMap(server.port, bucket: "argo-examples"), file: "cm.yaml") {
            _ = try await h.client.create(.configMaps, d.value, namespace: "default")
        }
        var names: [String: String] = [:]
        for f in Self.examples {
            names[f] = try await h.submit(yaml: try String(contentsOfFile: "\(ArgoExamples.directory)/\(f)", encoding: .utf8), file: f)
        }
        for f in Self.examples {
            let name = try #require(names[f])
            let wf = try await h.waitForCompletion(name, timeout: 180)
            #expect(phase(wf) == "Succeeded", "\(f): \(nodeSummary(wf))")
            // Skein's keys name the workflow (the key-only example's is its own).
            if f != "key-only-artifact.yaml" {
                #expect(try s3.list(bucket: "argo-examples", prefix: "").contains { $0.key.contains("/\(name)/") }, "\(f) left nothing in the bucket")
            }
        }
        // The example's own key, and its log (archiveLocation.archiveLogs) in the bucket.
        #expect(try s3.head(bucket: "argo-examples", key: "my-file") != nil)
        let archived = try s3.list(bucket: "argo-examples", prefix: "default/\(try #require(names["archive-location.yaml"]))/").map(\.key)
        #expect(archived.contains { $0.hasSuffix("/main.log") }, "\(archived)")
        let byRef = try s3.list(bucket: "argo-examples", prefix: "by-ref/default/\(try #require(names["artifact-repository-ref.yaml"]))/").map(\.key)
        #expect(byRef.contains { $0.hasSuffix("/hello_world.tgz") }, "\(byRef)")
        #expect(!FileManager.default.fileExists(atPath: h.artifactDirectory + "/default"), "nothing went through the volume repository")
    }

    @Test(.enabled(if: ArgoExamples.available, "../shared/argo-examples is absent"))
    func withSkeinRun() async throws {
        let server = try S3TestServer.shared()
        let s3 = OwnS3LocationE2ETests.client(server)
        try s3.createBucket("argo-local")
        let results = try await SimCluster.offPool {
            let cli = try SkeinCLI()
            let cm = try cli.write("artifact-repositories.yaml", Self.configMap(server.port, bucket: "argo-local"))
            var env = cli.environment
            env["AWS_ACCESS_KEY_ID"] = S3TestServer.accessKey
            env["AWS_SECRET_ACCESS_KEY"] = S3TestServer.secretKey
            env["AWS_ENDPOINT_URL"] = server.endpoint
            env["HOME"] = cli.workDirectory
            var out: [(String, CommandResult)] = []
            for f in Self.examples {
                var args = ["run", "\(ArgoExamples.directory)/\(f)", "--artifacts", "s3://argo-local/runs", "-o", "json"]
                args += ArgoExamples.companions(of: f)
                if f == "artifact-repository-ref.yaml" { args.append(cm) }
                out.append((f, try Command.run(cli.binary, args, environment: env, currentDirectory: cli.workDirectory, timeout: 120)))
            }
            return out
        }
        for (f, r) in results {
            #expect(r.status == 0, "\(f): \(r.stderr)")
        }
        #expect(try s3.head(bucket: "argo-local", key: "runs/my-file") != nil, "the key-only example's key, under the run's prefix")
        #expect(try s3.list(bucket: "argo-local", prefix: "by-ref/").contains { $0.key.hasSuffix("/hello_world.tgz") })
        #expect(try s3.list(bucket: "argo-local", prefix: "runs/").contains { $0.key.hasSuffix("/main.log") }, "archive-location.yaml's log")
    }
}

/// The repository's options on the controller: an endpoint behind a private CA trusted
/// through `caSecret`, the bucket made on the first write (`createBucketIfNotPresent`), and
/// SSE-S3 (`encryptionOptions.enableEncryption`) on every object; without the CA the TLS
/// handshake fails and the node says so.
@Suite(.serialized) struct S3RepositoryOptionsE2ETests {
    @Test func aPrivateCAANewBucketAndEncryption() async throws {
        let server = try S3TestServer.shared()
        let (tls, caPEM) = try FaultyS3Proxy.tls(upstream: server)
        defer { tls.stop() }
        let repository = try S3Repository.parse(JSONValue.parseJSON("""
            {"bucket": "made-by-skein", "endpoint": "127.0.0.1:\(tls.port)", "keyPrefix": "tls",
             "createBucketIfNotPresent": {}, "encryptionOptions": {"enableEncryption": true},
             "caSecret": {"name": "s3-ca", "key": "ca.crt"},
             "accessKeySecret": {"name": "s3-keys", "key": "a"}, "secretKeySecret": {"name": "s3-keys", "key": "s"}}
            """))
        let h = try await ControllerHarness.start { $0.s3Repository = repository }
        defer { Task { await h.stop() } }
        try await h.createS3KeySecret("s3-keys", accessKey: "a", secretKey: "s")
        _ = try await h.client.create(.secrets, [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s3-ca"], "stringData": ["ca.crt": .string(caPEM)],
        ], namespace: "default")
        let yaml = try String(contentsOfFile: Binaries.packageRoot + "/examples/artifacts.yaml", encoding: .utf8)
        let name = try await h.submit(yaml: yaml)
        let wf = try await h.waitForCompletion(name, timeout: 90)
        #expect(phase(wf) == "Succeeded", "\(nodeSummary(wf))")
        let plain = OwnS3LocationE2ETests.client(server)
        let keys = try plain.list(bucket: "made-by-skein", prefix: "tls/default/\(name)/").map(\.key)
        #expect(keys.contains { $0.hasSuffix("/report.tgz") }, "\(keys)")
        for k in keys {
            #expect(try plain.headers(bucket: "made-by-skein", key: k)?.last { $0.0 == "x-amz-server-side-encryption" }?.1 == "AES256", "\(k)")
        }
    }

    @Test func withoutTheCATheHandshakeFailsAndTheNodeSaysSo() async throws {
        let server = try S3TestServer.shared()
        let tls = try FaultyS3Proxy.tls(upstream: server).proxy
        defer { tls.stop() }
        let h = try await ControllerHarness.start {
            $0.s3Repository = S3Repository(bucket: "untrusted", endpoint: "127.0.0.1:\(tls.port)")
        }
        defer { Task { await h.stop() } }
        let yaml = try String(contentsOfFile: Binaries.packageRoot + "/examples/artifacts.yaml", encoding: .utf8)
        let name = try await h.submit(yaml: yaml)
        let wf = try await h.waitForCompletion(name, timeout: 120)
        #expect(phase(wf) != "Succeeded")
        let produce = wf["status"]?["nodes"]?.objectValue?.values.first { $0["displayName"] == "produce" }
        let message = produce?["message"]?.stringValue ?? ""
        #expect(message.contains("s3://untrusted/") && message.lowercased().contains("certificate"), "\(nodeSummary(wf))")
    }
}

/// The controller's repository with Argo's `keyFormat`: artifacts stored under the keys it
/// gives (by date, workflow and pod) and read back from there by the next step.
@Suite(.serialized) struct KeyFormatE2ETests {
    @Test func theArtifactsExampleStoresWhereTheFormatSays() async throws {
        let server = try S3TestServer.shared()
        let s3 = OwnS3LocationE2ETests.client(server)
        try s3.createBucket("formatted")
        var repository = S3Repository(bucket: "formatted", endpoint: "127.0.0.1:\(server.port)", insecure: true,
                                      accessKeySecret: .init(name: "s3-keys", key: "a"), secretKeySecret: .init(name: "s3-keys", key: "s"))
        repository.keyFormat = "by-date/{{workflow.creationTimestamp.Y}}/{{workflow.name}}/{{pod.name}}"
        let h = try await ControllerHarness.start { $0.s3Repository = repository }
        defer { Task { await h.stop() } }
        try await h.createS3KeySecret("s3-keys", accessKey: "a", secretKey: "s")
        let yaml = try String(contentsOfFile: Binaries.packageRoot + "/examples/artifacts.yaml", encoding: .utf8)
        let name = try await h.submit(yaml: yaml)
        let wf = try await h.waitForCompletion(name, timeout: 90)
        #expect(phase(wf) == "Succeeded", "\(nodeSummary(wf))")
        let year = String(wf["metadata"]?["creationTimestamp"]?.stringValue?.prefix(4) ?? "?")
        let keys = try s3.list(bucket: "formatted", prefix: "by-date/\(year)/\(name)/").map(\.key)
        #expect(keys.contains { $0.hasSuffix("/report.tgz") } && keys.contains { $0.hasSuffix("/data.tgz") }, "\(keys)")
        #expect(wf["status"]?["artifactRepositoryRef"]?["artifactRepository"]?["s3"]?["keyFormat"]?.stringValue == repository.keyFormat)
    }
}
