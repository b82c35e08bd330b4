import Foundation
import Testing
import SkeinTestSupport

/// Argo's own examples (../shared/argo-examples, read in place): Skein must read what Argo
/// users already have, and run on a laptop whatever needs no cluster.
@Suite struct ArgoExamplesTests {
    static let directory = ArgoExamples.directory
    static let available = ArgoExamples.available
    static var files: [String] { ArgoExamples.files }

    /// Files that are invalid as written (kubectl and argo reject them too).
    static let invalid: [String: String] = [
        "fun-with-gifs.yaml": "generateName is indented under metadata.labels",
        "k8s-jobs.yaml": "generateName is indented under metadata.labels",
        "k8s-patch-json-workflow.yaml": "metadata.annotations is written twice",
    ]

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
        let runnable = ArgoExamples.runnable
        // The printed lines checked below are read from the examples' own comments.
        #expect(ArgoExamples.expectedLogs(of: "skipped-output-defaults/consumer-input-default.yaml") == ["consumer got: [fallback-from-input]"])
        #expect(runnable.contains("skipped-output-defaults/producer-output-default.yaml"))
        #expect(runnable.count >= 40, "the selection should not shrink unnoticed")
        var succeeded = 0
        for f in runnable {
            let r = try cli.run(["run", "\(Self.directory)/\(f)"] + ArgoExamples.companions(of: f) + ["-o", "json"], timeout: 180)
            let wf = finalWorkflow(r.stdout)
            let ok = phase(wf) == "Succeeded" && r.status == 0
            for line in ArgoExamples.expectedLogs(of: f) {
                #expect(r.stderr.contains(line), "\(f) should print '\(line)':\n\(r.stderr.suffix(1500))")
            }
            if ok { succeeded += 1 }
            if !ok, ArgoExamples.chancy.contains(f) {
                let message = (wf?["status"] as? [String: Any])?["message"] as? String
                #expect(message == "No more retries left", "\(f): \(r.stderr.suffix(1500))")
                #expect(r.stderr.contains("(10)"), "\(f) should have made all 11 attempts")
                continue
            }
            if let why = ArgoExamples.knownFailures[f] ?? ArgoExamples.localKnownFailures[f] {
                if ok { print("argo-examples: \(f) now succeeds; remove it from ArgoExamples.knownFailures (\(why))") }
            } else {
                #expect(ok, "\(f) should succeed locally (exit \(r.status)):\n\(r.stderr.suffix(1500))\n\(r.stdout.suffix(800))")
            }
        }
        print("argo-examples: \(succeeded) of \(runnable.count) examples that need no cluster reach Succeeded with skein run")
    }
}
