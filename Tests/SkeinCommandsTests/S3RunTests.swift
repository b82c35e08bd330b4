import Artifacts
import Foundation
import KubeSim
import SkeinTestSupport
import Testing

/// `skein run --artifacts s3://bucket/prefix`: a local run keeps its artifacts in S3 (moto on
/// 127.0.0.1), with the endpoint and keys read as the AWS CLI reads them.
@Suite(.serialized) struct S3RunTests {
    /// The CLI's environment with the test server's endpoint and keys, and no ~/.aws of the machine's.
    func environment(_ cli: SkeinCLI, _ server: S3TestServer) -> [String: String] {
        var env = cli.environment
        env["AWS_ACCESS_KEY_ID"] = S3TestServer.accessKey
        env["AWS_SECRET_ACCESS_KEY"] = S3TestServer.secretKey
        env["AWS_ENDPOINT_URL"] = server.endpoint
        env["HOME"] = cli.workDirectory
        return env
    }

    func run(_ cli: SkeinCLI, _ args: [String], _ server: S3TestServer) throws -> CommandResult {
        try Command.run(cli.binary, ["run"] + args, environment: environment(cli, server), currentDirectory: cli.workDirectory, timeout: 60)
    }

    @Test func theArtifactsExampleKeepsItsArtifactsInS3() throws {
        let server = try S3TestServer.shared()
        let s3 = S3Client(endpoint: S3Endpoint(url: server.endpoint, credentials: AWSCredentials(accessKeyID: S3TestServer.accessKey,
                                                                                               secretAccessKey: S3TestServer.secretKey)))
        try s3.createBucket("runs")
        let cli = try SkeinCLI()
        let r = try run(cli, [Binaries.packageRoot + "/examples/artifacts.yaml", "--artifacts", "s3://runs/local"], server)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("all artifacts arrived, headline: report of the run") || r.stdout.contains("all artifacts arrived, headline: report of the run"),
                "\(r.stdout)\(r.stderr)")
        let keys = try s3.list(bucket: "runs", prefix: "local/").map(\.key)
        #expect(keys.contains { $0.hasSuffix("/report.tgz") } && keys.contains { $0.hasSuffix("/data.tgz") }, "\(keys)")
        #expect(!FileManager.default.fileExists(atPath: cli.workDirectory + "/.skein/artifacts"), "nothing went to the local directory")
    }

    /// 300 MiB through S3 and back (a multipart upload, a streamed download) while the skein
    /// process stays under 64 MiB resident: the peak is measured by a parent that waits for it
    /// (getrusage of its children: skein and the steps it ran).
    @Test func a300MiBArtifactPassesWithFlatMemory() throws {
        let server = try S3TestServer.shared()
        let s3 = S3Client(endpoint: S3Endpoint(url: server.endpoint, credentials: AWSCredentials(accessKeyID: S3TestServer.accessKey,
                                                                                               secretAccessKey: S3TestServer.secretKey)))
        try s3.createBucket("big")
        let cli = try SkeinCLI()
        let f = try cli.write("big.yaml", """
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata: {generateName: big-}
            spec:
              entrypoint: main
              templates:
              - name: main
                steps:
                - - {name: make, template: make}
                - - name: check
                    template: check
                    arguments:
                      artifacts: [{name: big, from: "{{steps.make.outputs.artifacts.big}}"}]
                      parameters: [{name: sum, value: "{{steps.make.outputs.parameters.sum}}"}]
              - name: make
                container: {image: alpine, command: [sh, -c, "head -c 314572800 /dev/urandom > /tmp/big.bin && sha256sum /tmp/big.bin | cut -c1-64 > /tmp/sum"]}
                outputs:
                  parameters: [{name: sum, valueFrom: {path: /tmp/sum}}]
                  artifacts: [{name: big, path: /tmp/big.bin, archive: {none: {}}}]
              - name: check
                inputs:
                  parameters: [{name: sum}]
                  artifacts: [{name: big, path: /tmp/in.bin}]
                container: {image: alpine, command: [sh, -c, 'test "$(stat -c %s /tmp/in.bin)" = 314572800 && test "$(sha256sum /tmp/in.bin | cut -c1-64)" = "{{inputs.parameters.sum}}" && echo same-bytes']}
            """)
        let python = try #require(findExecutable("python3"))
        let wrapper = """
            import resource, subprocess, sys
            r = subprocess.run(sys.argv[1:])
            print("peak-kib", int(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss), "status", r.returncode, flush=True)
            """
        let r = try Command.run(python, ["-c", wrapper, cli.binary, "run", f, "--artifacts", "s3://big/runs"], environment: environment(cli, server),
                                currentDirectory: cli.workDirectory, timeout: 300)
        let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("peak-kib") }, "\(r.stdout)\(r.stderr)")
        let fields = line.split(separator: " ")
        #expect(fields.last == "0", "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("same-bytes") || r.stderr.contains("same-bytes"), "\(r.stdout)\(r.stderr)")
        let peak = try #require(Int(fields[1]))
        #expect(peak < 64 * 1024, "peak resident memory \(peak) KiB")
        let stored = try s3.list(bucket: "big", prefix: "runs/")
        #expect(stored.contains { $0.size == 314_572_800 }, "\(stored)")
    }

    @Test func aMissingBucketFailsTheStepNamingIt() throws {
        let server = try S3TestServer.shared()
        let cli = try SkeinCLI()
        let r = try run(cli, [Binaries.packageRoot + "/examples/artifacts.yaml", "--artifacts", "s3://no-such-bucket/x", "-o", "json"], server)
        #expect(r.status == 1, "\(r.stderr)")
        let wf = finalWorkflow(r.stdout)
        let nodes = ((wf?["status"] as? [String: Any])?["nodes"] as? [String: [String: Any]]) ?? [:]
        let produce = nodes.values.first { $0["displayName"] as? String == "produce" }
        let message = produce?["message"] as? String ?? ""
        #expect(message.contains("s3://no-such-bucket/x/") && message.contains("NoSuchBucket"), "\(message)")
    }
}

/// Wrong keys against a server that checks them: the step that stores the artifact, and the
/// one that reads it, end with a message naming the artifact, where it is and what the
/// server said.
@Suite(.serialized) struct S3WrongCredentialsTests {
    @Test func theNodeMessageNamesTheArtifactTheObjectAndTheServersWords() throws {
        let server = try S3TestServer(checkingSignatures: true)
        defer { server.stop() }
        let keys = try #require(server.checkedKeys)
        let good = S3Client(endpoint: S3Endpoint(url: server.endpoint, credentials: AWSCredentials(accessKeyID: keys.accessKey, secretAccessKey: keys.secretKey)))
        try good.createBucket("guarded")
        try good.put(bucket: "guarded", key: "in/data.txt", bytes: Array("data\n".utf8))
        let cli = try SkeinCLI()
        let f = try cli.write("wrong.yaml", """
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata: {generateName: wrong-keys-}
            spec:
              entrypoint: main
              templates:
              - name: main
                steps:
                - - {name: write, template: write}
                  - {name: read, template: read}
              - name: write
                container: {image: alpine, command: [sh, -c, "echo x > /tmp/x"]}
                outputs: {artifacts: [{name: result, path: /tmp/x}]}
              - name: read
                inputs: {artifacts: [{name: data, path: /tmp/d, s3: {bucket: guarded, key: in/data.txt, endpoint: "127.0.0.1:\(server.port)", insecure: true}}]}
                container: {image: alpine, command: [cat, /tmp/d]}
            """)
        var env = cli.environment
        env["AWS_ACCESS_KEY_ID"] = keys.accessKey
        env["AWS_SECRET_ACCESS_KEY"] = "wrong-secret"
        env["AWS_ENDPOINT_URL"] = server.endpoint
        env["HOME"] = cli.workDirectory
        let r = try Command.run(cli.binary, ["run", f, "--artifacts", "s3://guarded/runs", "-o", "json"], environment: env,
                                currentDirectory: cli.workDirectory, timeout: 60)
        #expect(r.status == 1, "\(r.stderr)")
        let nodes = ((finalWorkflow(r.stdout)?["status"] as? [String: Any])?["nodes"] as? [String: [String: Any]]) ?? [:]
        func message(_ step: String) -> String { nodes.values.first { $0["displayName"] as? String == step }?["message"] as? String ?? "" }
        let w = message("write")
        #expect(w.contains("output artifact 'result'") && w.contains("s3://guarded/runs/") && w.contains("SignatureDoesNotMatch"), "\(w)")
        let rd = message("read")
        #expect(rd.contains("input artifact 'data'") && rd.contains("s3://guarded/in/data.txt") && rd.contains("403"), "\(rd)")
    }
}

/// `skein run --artifacts s3://...` against an endpoint behind a private CA: trusted through
/// `AWS_CA_BUNDLE`, as the AWS CLI trusts it.
@Suite(.serialized) struct S3RunTLSTests {
    @Test func aPrivateCAIsTrustedThroughAWSCABundle() throws {
        let server = try S3TestServer.shared()
        let cli = try SkeinCLI()
        let (tls, caPEM) = try FaultyS3Proxy.tls(upstream: server)
        defer { tls.stop() }
        let ca = try cli.write("ca.pem", caPEM)
        try S3Client(endpoint: S3Endpoint(url: server.endpoint, credentials: AWSCredentials(accessKeyID: S3TestServer.accessKey,
                                                                                          secretAccessKey: S3TestServer.secretKey)))
            .createBucket("local-tls")
        var env = cli.environment
        env["AWS_ACCESS_KEY_ID"] = S3TestServer.accessKey
        env["AWS_SECRET_ACCESS_KEY"] = S3TestServer.secretKey
        env["HOME"] = cli.workDirectory
        let args = ["run", Binaries.packageRoot + "/examples/artifacts.yaml", "--artifacts", "s3://local-tls/runs", "--s3-endpoint", tls.endpoint]
        let untrusted = try Command.run(cli.binary, args, environment: env, currentDirectory: cli.workDirectory, timeout: 60)
        #expect(untrusted.status == 1 && (untrusted.stdout + untrusted.stderr).lowercased().contains("certificate"), "\(untrusted.stderr)")
        env["AWS_CA_BUNDLE"] = ca
        let trusted = try Command.run(cli.binary, args, environment: env, currentDirectory: cli.workDirectory, timeout: 60)
        #expect(trusted.status == 0, "\(trusted.stderr)")
    }
}

/// An S3 endpoint nothing listens on: the step's message names the artifact, where it was to
/// go, and what failed, after the retries.
@Suite(.serialized) struct S3UnreachableTests {
    @Test func theNodeMessageNamesTheArtifactTheObjectAndTheFailure() throws {
        let cli = try SkeinCLI()
        var env = cli.environment
        env["AWS_ACCESS_KEY_ID"] = "a"
        env["AWS_SECRET_ACCESS_KEY"] = "b"
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        env["HOME"] = cli.workDirectory
        let r = try Command.run(cli.binary, ["run", Binaries.packageRoot + "/examples/artifacts.yaml", "--artifacts", "s3://nowhere/runs",
                                             "--s3-endpoint", "http://127.0.0.1:1", "-o", "json"],
                                environment: env, currentDirectory: cli.workDirectory, timeout: 120)
        #expect(r.status == 1, "\(r.stderr)")
        let nodes = ((finalWorkflow(r.stdout)?["status"] as? [String: Any])?["nodes"] as? [String: [String: Any]]) ?? [:]
        let message = nodes.values.first { $0["displayName"] as? String == "produce" }?["message"] as? String ?? ""
        #expect(message.contains("output artifact '") && message.contains("s3://nowhere/runs/") && message.contains("127.0.0.1:1")
                && message.contains("tries"), "\(message)")
    }
}
