import Artifacts
import Foundation
import SkeinTestSupport
import Testing

/// `skein run --artifacts s3://bucket/prefix`: a local run keeps its artifacts in S3 (moto on
/// 127.0.0.1), with the endpoint and keys read as the AWS CLI reads them.
@Suite(.serialized) struct S3RunTests {
    func run(_ cli: SkeinCLI, _ args: [String], _ server: S3TestServer) throws -> CommandResult {
        var env = cli.environment
        env["AWS_ACCESS_KEY_ID"] = S3TestServer.accessKey
        env["AWS_SECRET_ACCESS_KEY"] = S3TestServer.secretKey
        env["AWS_ENDPOINT_URL"] = server.endpoint
        env["HOME"] = cli.workDirectory  // no ~/.aws of the machine's
        return try Command.run(cli.binary, ["run"] + args, environment: env, currentDirectory: cli.workDirectory, timeout: 60)
    }

    @Test func theArtifactsExampleKeepsItsArtifactsInS3() throws {
        let server = try S3TestServer()
        defer { server.stop() }
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

    @Test func aMissingBucketFailsTheStepNamingIt() throws {
        let server = try S3TestServer()
        defer { server.stop() }
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
