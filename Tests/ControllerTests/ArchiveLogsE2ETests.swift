import Artifacts
import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import SkeinTestSupport
import Testing
import WorkflowEngine

/// `archiveLogs`: each step's log kept in the artifact repository as the artifact
/// `main-logs`, so `skein logs` still prints it after the pods are deleted; and
/// `skein artifacts list|get` over what a workflow stored. On the controller with a volume
/// repository (the workflow's `spec.archiveLogs`) and with S3 (the repository's
/// `archiveLogs`, which wins over a template's `archiveLocation`), and with `skein run`.
extension CLITests {
@Suite struct ArchiveLogsE2ETests {
    static let yaml = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {generateName: archived-}
        spec:
          entrypoint: main
          archiveLogs: true
          templates:
          - name: main
            steps:
            - - {name: talk, template: talk}
            - - {name: quiet, template: quiet}
          - name: talk
            container: {image: alpine, command: [sh, -c, "echo first line; sleep 0.3; echo second line >&2; echo report > /tmp/r.txt"]}
            outputs:
              artifacts: [{name: report, path: /tmp/r.txt}]
          - name: quiet
            archiveLocation: {archiveLogs: false}
            container: {image: alpine, command: [sh, -c, "echo not kept"]}
        """

    func deletePods(_ h: ControllerHarness, _ name: String) async throws {
        for p in try await h.pods(of: name) {
            _ = try await h.client.delete(.pods, p.name ?? "", namespace: "default")
        }
        #expect(try await h.eventually { try await h.pods(of: name).isEmpty })
    }

    static func node(_ wf: JSONValue, _ step: String) -> JSONValue? {
        wf["status"]?["nodes"]?.objectValue?.values.first { $0["displayName"]?.stringValue == step }
    }

    @Test func logsOfDeletedPodsComeFromTheVolumeRepository() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let name = try await cli.submit(Self.yaml)
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded", "\(nodeSummary(wf))")
        let talk = try #require(Self.node(wf, "talk"))
        let logs = talk["outputs"]?["artifacts"]?.arrayValue?.first { $0["name"] == "main-logs" }
        #expect(logs?["key"]?.stringValue?.hasSuffix("/main.log") == true, "\(talk)")
        // The template says no; the workflow's spec.archiveLogs is overruled by it.
        #expect(Self.node(wf, "quiet")?["outputs"]?["artifacts"] == nil)
        #expect(wf["status"]?["artifactRepositoryRef"]?["artifactRepository"]?["volume"]?["hostPath"] != nil)

        try await deletePods(h, name)
        let r = try await cli.run(["logs", name])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "talk: first line\ntalk: second line\n", "\(r.stdout)")
        #expect(try await cli.run(["logs", name, "talk", "--tail", "1", "--no-prefix"]).stdout == "second line\n")

        let list = try await cli.run(["artifacts", "list", name])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("talk") && list.stdout.contains("report") && list.stdout.contains("main-logs"), "\(list.stdout)")
        let out = cli.directory + "/got"
        let got = try await cli.run(["artifacts", "get", name, "talk", "-o", out])
        #expect(got.status == 0, "\(got.stderr)")
        #expect(try String(contentsOfFile: out + "/talk/report", encoding: .utf8) == "report\n")
        #expect(try String(contentsOfFile: out + "/talk/main-logs", encoding: .utf8) == "first line\nsecond line\n")
        let none = try await cli.run(["artifacts", "get", name, "quiet", "-o", out])
        #expect(none.status == 1 && none.stderr.contains("has no artifacts with step 'quiet'"), "\(none.stderr)")
    }

    @Test func theS3RepositoryArchivesEveryStepsLog() async throws {
        let server = try S3TestServer.shared()
        let s3 = S3Client(endpoint: S3Endpoint(url: server.endpoint, credentials: AWSCredentials(accessKeyID: S3TestServer.accessKey,
                                                                                               secretAccessKey: S3TestServer.secretKey)))
        try s3.createBucket("archived-logs")
        let repository = S3Repository(bucket: "archived-logs", endpoint: "127.0.0.1:\(server.port)", insecure: true, keyPrefix: "logs",
                                      accessKeySecret: .init(name: "s3-keys", key: "a"), secretKeySecret: .init(name: "s3-keys", key: "s"))
        let h = try await ControllerHarness.start {
            $0.s3Repository = repository
            $0.archiveLogs = true
        }
        defer { Task { await h.stop() } }
        try await h.createS3KeySecret("s3-keys", accessKey: "a", secretKey: "s")
        let cli = try CLI(h)
        // No spec.archiveLogs: the repository's setting archives every step, the `false` of
        // a template's archiveLocation included (Argo's rule).
        let name = try await cli.submit(Self.yaml.replacingOccurrences(of: "  archiveLogs: true\n", with: ""))
        let wf = try await h.waitForCompletion(name, timeout: 90)
        #expect(phase(wf) == "Succeeded", "\(nodeSummary(wf))")
        let keys = try s3.list(bucket: "archived-logs", prefix: "logs/default/\(name)/").map(\.key)
        #expect(keys.filter { $0.hasSuffix("/main.log") }.count == 2, "\(keys)")
        #expect(wf["status"]?["artifactRepositoryRef"]?["artifactRepository"]?["s3"]?["bucket"] == "archived-logs")

        try await deletePods(h, name)
        // Keys from the Secret the repository names, read with the caller's rights.
        var env = cli.environment
        for k in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_ENDPOINT_URL"] { env[k] = nil }
        env["HOME"] = cli.directory
        let clean = env
        let r = try await SimCluster.offPool {
            try Command.run(try Binaries.path("skein"), ["logs", name], environment: clean, timeout: 60)
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "talk: first line\ntalk: second line\nquiet: not kept\n", "\(r.stdout)")
        let list = try await cli.run(["artifacts", "list", name, "-o", "json"])
        let rows = try JSONValue.parseJSON(list.stdout).arrayValue ?? []
        #expect(rows.contains { $0["name"] == "report" && $0["location"]?.stringValue?.hasPrefix("s3://archived-logs/logs/default/\(name)/") == true },
                "\(list.stdout)")
    }

    @Test func skeinRunArchivesTheLogsTheWorkflowAsksFor() async throws {
        // The CLI's directory goes with it: everything is read before.
        let (r, stored) = try await SimCluster.offPool {
            let cli = try SkeinCLI()
            let f = try cli.write("archived.yaml", Self.yaml)
            let r = try cli.run(["run", f, "-o", "json"])
            var stored: [String: String] = [:]
            let root = cli.workDirectory + "/.skein/artifacts/"
            for path in FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [] where path.hasSuffix(".log") {
                stored[path] = try String(contentsOfFile: root + path, encoding: .utf8)
            }
            return (r, stored)
        }
        #expect(r.status == 0, "\(r.stderr)")
        let wf = finalWorkflow(r.stdout)
        let name = (wf?["metadata"] as? [String: Any])?["name"] as? String ?? "?"
        let nodes = ((wf?["status"] as? [String: Any])?["nodes"] as? [String: Any] ?? [:]).values.compactMap { $0 as? [String: Any] }
        func artifacts(_ step: String) -> [[String: Any]] {
            let n = nodes.first { $0["displayName"] as? String == step }
            return (n?["outputs"] as? [String: Any])?["artifacts"] as? [[String: Any]] ?? []
        }
        let key = try #require(artifacts("talk").first { $0["name"] as? String == "main-logs" }?["key"] as? String)
        #expect(key.hasPrefix("default/\(name)/"))
        #expect(stored == [key: "first line\nsecond line\n"], "only talk's log, in the run's repository")
        #expect(artifacts("quiet").isEmpty)
    }
}
}
