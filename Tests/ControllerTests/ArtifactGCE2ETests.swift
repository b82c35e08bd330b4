import Artifacts
import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import SkeinTestSupport
import Testing
import WorkflowEngine
import WorkflowModel

/// `artifactGC` on the controller: Argo's `artifact-gc-workflow.yaml` (one artifact collected
/// when the workflow completes, the other when it is deleted, which the finalizer holds back
/// until then), a collection that fails (the condition, the finalizer kept, and
/// `forceFinalizerRemoval` letting it go); and with `skein run`.
@Suite(.serialized) struct ArtifactGCE2ETests {
    static var example: String {
        get throws { try String(contentsOfFile: "\(ArgoExamples.directory)/artifact-gc-workflow.yaml", encoding: .utf8) }
    }

    func gone(_ h: ControllerHarness, _ name: String) async throws -> Bool {
        do {
            _ = try await h.workflow(name)
            return false
        } catch KubeError.notFound {
            return true
        }
    }

    @Test(.enabled(if: ArgoExamples.available, "../shared/argo-examples is absent"))
    func argosExampleCollectsAtCompletionAndAtDeletion() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: try Self.example, file: "artifact-gc-workflow.yaml")
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded", "\(nodeSummary(wf))")
        let completion = h.artifactDirectory + "/on-completion.txt", deletion = h.artifactDirectory + "/on-deletion.txt"
        #expect(try await h.eventually { !FileManager.default.fileExists(atPath: completion) }, "collected at completion")
        #expect(FileManager.default.fileExists(atPath: deletion), "kept until the workflow is deleted")
        #expect(try await h.eventually {
            try await h.workflow(name).annotations["workflows.\(h.settings.group)/artifact-gc-completed"] == "true"
        })
        let held = try await h.workflow(name)
        let finalizers = (held["metadata"]?["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(finalizers.contains("workflows.\(h.settings.group)/artifact-gc"), "\(finalizers)")
        let pod = try await h.client.get(.pods, "\(name)-artgc-completion", namespace: "default")
        #expect(pod["status"]?["phase"] == "Succeeded")

        _ = try await h.client.delete(h.settings.workflows, name, namespace: "default")
        #expect(try await h.eventually(timeout: 30) { try await gone(h, name) }, "the finalizer comes off once the artifacts are deleted")
        #expect(!FileManager.default.fileExists(atPath: deletion))
    }

    @Test func aCollectionThatFailsHoldsTheWorkflowUntilForced() async throws {
        let server = try S3TestServer.shared()
        let s3 = OwnS3LocationE2ETests.client(server)
        try s3.createBucket("gc-refused")
        let proxy = try FaultyS3Proxy(upstream: server, rules: ["DELETE::403:-1"])
        defer { proxy.stop() }
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        try await h.createS3KeySecret("gc-keys", accessKey: "a", secretKey: "s")
        let name = try await h.submit(yaml: """
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata: {generateName: gc-refused-}
            spec:
              entrypoint: main
              artifactGC: {strategy: OnWorkflowCompletion}
              templates:
              - name: main
                container: {image: alpine, command: [sh, -c, "echo kept > /tmp/k"]}
                outputs:
                  artifacts:
                  - name: kept
                    path: /tmp/k
                    s3: {bucket: gc-refused, endpoint: "127.0.0.1:\(proxy.port)", insecure: true, key: "{{workflow.name}}/k.tgz",
                         accessKeySecret: {name: gc-keys, key: a}, secretKeySecret: {name: gc-keys, key: s}}
            """)
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded", "\(nodeSummary(wf))")
        #expect(try await h.eventually(timeout: 60) {
            let c = try await h.workflow(name)["status"]?["conditions"]?.arrayValue ?? []
            return c.contains { $0["type"] == "ArtifactGCError" && ($0["message"]?.stringValue ?? "").contains("gc-refused") }
        }, "the condition names what could not be deleted")
        let message = try await h.workflow(name)["status"]?["conditions"]?.arrayValue?.first { $0["type"] == "ArtifactGCError" }?["message"]
        #expect(message?.stringValue?.contains("403") == true, "\(String(describing: message))")

        _ = try await h.client.delete(h.settings.workflows, name, namespace: "default")
        #expect(try await h.eventually(timeout: 60) {
            (try? await h.client.get(.pods, "\(name)-artgc-deletion", namespace: "default"))?["status"]?["phase"] == "Failed"
        })
        try await Task.sleep(for: .seconds(1))
        #expect(!(try await gone(h, name)), "the finalizer holds the workflow while its artifacts cannot be deleted")
        _ = try await h.client.patch(h.settings.workflows, name, namespace: "default", type: .merge,
                                     ["spec": ["artifactGC": ["strategy": "OnWorkflowCompletion", "forceFinalizerRemoval": true]]])
        #expect(try await h.eventually(timeout: 30) { try await gone(h, name) }, "forceFinalizerRemoval lets it go")
        #expect(try s3.list(bucket: "gc-refused", prefix: "\(name)/").count == 1, "the object the server refused to delete is still there")
    }

    @Test(.enabled(if: ArgoExamples.available, "../shared/argo-examples is absent"))
    func skeinRunCollectsTheCompletionArtifacts() async throws {
        let (r, completion, deletion) = try await SimCluster.offPool {
            let cli = try SkeinCLI()
            let r = try cli.run(["run", "\(ArgoExamples.directory)/artifact-gc-workflow.yaml"])
            let root = cli.workDirectory + "/.skein/artifacts/"
            return (r, FileManager.default.fileExists(atPath: root + "on-completion.txt"), FileManager.default.fileExists(atPath: root + "on-deletion.txt"))
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!completion && deletion, "OnWorkflowCompletion is deleted as the run ends; OnWorkflowDeletion stays")
        #expect((r.stdout + r.stderr).contains("artifactGC: deleted 1 of 1 artifacts (OnWorkflowCompletion)"))
    }
}

/// Argo's `artifact-gc-workflow.yaml` with the controller's repository in S3: the gc pods
/// delete the objects with the keys from the repository's Secret.
@Suite(.serialized) struct ArtifactGCS3E2ETests {
    @Test(.enabled(if: ArgoExamples.available, "../shared/argo-examples is absent"))
    func theObjectsGoAtCompletionAndAtDeletion() async throws {
        let server = try S3TestServer.shared()
        let s3 = OwnS3LocationE2ETests.client(server)
        try s3.createBucket("gc-repo")
        let h = try await ControllerHarness.start {
            $0.s3Repository = S3Repository(bucket: "gc-repo", endpoint: "127.0.0.1:\(server.port)", insecure: true, keyPrefix: "r",
                                           accessKeySecret: .init(name: "s3-keys", key: "a"), secretKeySecret: .init(name: "s3-keys", key: "s"))
        }
        defer { Task { await h.stop() } }
        try await h.createS3KeySecret("s3-keys", accessKey: "a", secretKey: "s")
        let name = try await h.submit(yaml: try ArtifactGCE2ETests.example, file: "artifact-gc-workflow.yaml")
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded", "\(nodeSummary(wf))")
        #expect(try await h.eventually { try s3.head(bucket: "gc-repo", key: "r/on-completion.txt") == nil }, "collected at completion")
        #expect(try s3.head(bucket: "gc-repo", key: "r/on-deletion.txt") != nil)
        _ = try await h.client.delete(h.settings.workflows, name, namespace: "default")
        #expect(try await h.eventually(timeout: 30) { try s3.head(bucket: "gc-repo", key: "r/on-deletion.txt") == nil })
        #expect(try await h.eventually(timeout: 30) {
            do { _ = try await h.workflow(name); return false } catch KubeError.notFound { return true }
        })
    }
}
