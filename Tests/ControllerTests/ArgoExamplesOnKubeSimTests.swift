import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import SkeinTestSupport
import Testing
import WorkflowModel

/// Argo's own examples on the cluster path: every example `skein run` runs (ArgoExamplesTests)
/// is submitted to KubeSim with the controller, and must end as Argo ends it (Succeeded, but
/// for the known failures, which are the same locally).
@Suite(.serialized) struct ArgoExamplesOnKubeSimTests {
    @Test(.enabled(if: ArgoExamples.available, "../shared/argo-examples is absent"))
    func examplesReachTheirPhaseOnTheController() async throws {
        let runnable = ArgoExamples.runnable
        #expect(runnable.count >= 40, "the selection should not shrink unnoticed")
        let h = try await ControllerHarness.start(workers: 8)
        defer { Task { await h.stop() } }
        // What the examples need beside them (Argo's ConfigMaps), created first as with kubectl apply.
        var created: Set<String> = []
        for f in runnable {
            for companion in ArgoExamples.companions(of: f) where created.insert(companion).inserted {
                let text = try String(contentsOfFile: companion, encoding: .utf8)
                for d in try YAMLLoader.load(text, file: companion) where d.value["kind"]?.stringValue == "ConfigMap" {
                    _ = try await h.client.create(.configMaps, d.value, namespace: "default")
                }
            }
        }
        var names: [String: String] = [:]
        for f in runnable {
            let text = try String(contentsOfFile: "\(ArgoExamples.directory)/\(f)", encoding: .utf8)
            names[f] = try await h.submit(yaml: text, file: f)
        }
        var succeeded = 0
        for f in runnable {
            let wf: JSONValue
            do {
                wf = try await h.waitForCompletion(try #require(names[f]), timeout: 180)
            } catch KubeError.notFound {
                // Deleted by its ttlStrategy once it finished: only an example with one may go.
                let text = try String(contentsOfFile: "\(ArgoExamples.directory)/\(f)", encoding: .utf8)
                #expect(text.contains("ttlStrategy"), "\(f) was deleted before it was seen to finish")
                if text.contains("ttlStrategy") { succeeded += 1 }
                continue
            }
            let p = phase(wf)
            let message = wf["status"]?["message"]?.stringValue ?? ""
            if p == "Succeeded" {
                succeeded += 1
                // What the example says it prints, in its pods' logs.
                if f.hasSuffix("conditional-artifacts.yaml") {
                    // fromExpression chose the artifact of the branch that ran.
                    let root = wf["status"]?["nodes"]?.objectValue?.values.first { $0["name"]?.stringValue == wf.name }
                    let art = root?["outputs"]?["artifacts"]?[0]
                    #expect(art?["name"] == "result" && art?["key"]?.stringValue?.hasSuffix("result.tgz") == true, "\(f): \(art?.compactJSON ?? "none")")
                }
                let expected = ArgoExamples.expectedLogs(of: f)
                if !expected.isEmpty {
                    var logs = ""
                    for pod in try await h.pods(of: try #require(names[f])) {
                        logs += (try? await h.client.logs(pod: pod.name ?? "", namespace: "default", options: LogOptions(container: "main"))) ?? ""
                    }
                    for line in expected { #expect(logs.contains(line), "\(f) should print '\(line)': \(logs)") }
                }
                continue
            }
            if ArgoExamples.chancy.contains(f) {
                #expect(p == "Failed" && message == "No more retries left", "\(f): \(p ?? "no phase") \(message)")
                continue
            }
            if ArgoExamples.knownFailures[f] != nil { continue }
            let failedNodes = (wf["status"]?["nodes"]?.objectValue?.values ?? [:].values)
                .filter { ($0["phase"]?.stringValue ?? "") != "Succeeded" }
                .map { "\($0["displayName"]?.stringValue ?? "?") \($0["phase"]?.stringValue ?? "?"): \($0["message"]?.stringValue ?? "")" }
            Issue.record("\(f) should succeed on the controller: \(p ?? "no phase") \(message); \(failedNodes.sorted())")
        }
        print("argo-examples: \(succeeded) of \(runnable.count) examples reach Succeeded on KubeSim with the controller")
        for (f, why) in ArgoExamples.knownFailures.sorted(by: { $0.key < $1.key }) where names[f] != nil {
            if phase(try await h.workflow(names[f] ?? "")) == "Succeeded" {
                print("argo-examples: \(f) now succeeds on the controller; remove it from ArgoExamples.knownFailures (\(why))")
            }
        }
    }
}
