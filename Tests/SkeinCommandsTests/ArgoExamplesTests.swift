import Foundation
import Testing
import SkeinTestSupport

/// Argo's own examples (../shared/argo-examples, read in place): Skein must read what Argo
/// users already have, and run on a laptop whatever needs no cluster.
@Suite struct ArgoExamplesTests {
    static let directory = Binaries.packageRoot + "/../shared/argo-examples"
    static let available = FileManager.default.fileExists(atPath: directory)
    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    /// Files that are invalid as written (kubectl and argo reject them too).
    static let invalid: [String: String] = [
        "fun-with-gifs.yaml": "generateName is indented under metadata.labels",
        "k8s-jobs.yaml": "generateName is indented under metadata.labels",
        "k8s-patch-json-workflow.yaml": "metadata.annotations is written twice",
    ]

    /// Runnable examples that do not reach Succeeded locally yet, and why.
    static let knownLocalFailures: [String: String] = [
        "conditional-artifacts.yaml": "writes result.txt relative to the image's working directory /",
        "dag-conditional-artifacts.yaml": "writes result.txt relative to the image's working directory /",
    ]

    /// Examples whose outcome is left to chance: each attempt exits 0 with probability 1/3 and
    /// there are 11 attempts, so about 1 run in 85 fails. For them, failing is accepted only
    /// as "No more retries left" after all 11 attempts.
    static let chancy: Set<String> = ["retry-container.yaml", "retry-script.yaml"]

    /// Fields that need a cluster (or a service Skein does not run locally).
    static let clusterKeys = ["resource", "persistentVolumeClaim", "volumeClaimTemplates", "secretKeyRef",
                              "secret", "configMap", "sidecars", "s3", "gcs", "artifactory", "hdfs", "oss", "azure", "git",
                              "http", "plugin", "containerSet", "data", "synchronization", "executor", "podSpecPatch",
                              "memoize", "archiveLocation", "artifactRepositoryRef", "hostPath", "workflowTemplateRef",
                              "templateRef", "initContainers", "podGC", "serviceAccountName", "artifactGC", "podMetadata", "hooks"]

    /// Why an example is not run locally, or nil when it should run.
    static func clusterFeature(_ text: String) -> String? {
        if text.contains("workflows.argoproj.io/no-test") { return "marked no-test by Argo" }
        if text.range(of: #"(?m)^kind:\s*Workflow\s*$"#, options: .regularExpression) == nil { return "not a Workflow" }
        if text.range(of: #"daemon:\s*true"#, options: .regularExpression) != nil { return "daemon" }
        let keys = clusterKeys.joined(separator: "|")
        if let r = text.range(of: #"(?m)^\s*(- )?("# + keys + #"):"#, options: .regularExpression) {
            return String(text[r]).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// The files an example needs beside it: Argo's ConfigMaps (examples/configmaps) for those
    /// that read parameters through `configMapKeyRef`, as `kubectl apply` would create them first.
    static func companions(of file: String) -> [String] {
        guard let text = try? String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8), text.contains("configMapKeyRef") else { return [] }
        let dir = "\(directory)/configmaps"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted().map { "\(dir)/\($0)" }
    }

    @Test(.enabled(if: available, "../shared/argo-examples is absent"))
    func lintAcceptsEveryValidExample() throws {
        let cli = try SkeinCLI()
        var accepted = 0
        for f in Self.files {
            let r = try cli.run(["lint", "\(Self.directory)/\(f)"])
            if let why = Self.invalid[f] {
                #expect(r.status == 1, "\(f) is invalid (\(why)) and lint should say so")
                #expect(r.stderr.contains("\(f):"), "the error should name the file: \(r.stderr)")
            } else {
                #expect(r.status == 0, "\(f): \(r.stderr)")
                if r.status == 0 { accepted += 1 }
            }
        }
        print("argo-examples: lint accepts \(accepted) of \(Self.files.count) files (\(Self.invalid.count) are invalid as written)")
        #expect(accepted == Self.files.count - Self.invalid.count)
    }

    @Test(.enabled(if: available, "../shared/argo-examples is absent"))
    func examplesThatNeedNoClusterRunLocally() throws {
        let cli = try SkeinCLI()
        var runnable: [String] = []
        for f in Self.files {
            let text = try String(contentsOfFile: "\(Self.directory)/\(f)", encoding: .utf8)
            if Self.clusterFeature(text) == nil { runnable.append(f) }
        }
        #expect(runnable.count >= 40, "the selection should not shrink unnoticed")
        var succeeded = 0
        for f in runnable {
            let r = try cli.run(["run", "\(Self.directory)/\(f)"] + Self.companions(of: f) + ["-o", "json"], timeout: 180)
            let wf = finalWorkflow(r.stdout)
            let ok = phase(wf) == "Succeeded" && r.status == 0
            if ok { succeeded += 1 }
            if !ok, Self.chancy.contains(f) {
                let message = (wf?["status"] as? [String: Any])?["message"] as? String
                #expect(message == "No more retries left", "\(f): \(r.stderr.suffix(1500))")
                #expect(r.stderr.contains("(10)"), "\(f) should have made all 11 attempts")
                continue
            }
            if let why = Self.knownLocalFailures[f] {
                if ok { print("argo-examples: \(f) now succeeds; remove it from knownLocalFailures (\(why))") }
            } else {
                #expect(ok, "\(f) should succeed locally:\n\(r.stderr.suffix(1500))")
            }
        }
        print("argo-examples: \(succeeded) of \(runnable.count) examples that need no cluster reach Succeeded with skein run")
    }
}
