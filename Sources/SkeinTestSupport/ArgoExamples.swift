import Foundation

/// Argo's own examples (../shared/argo-examples, read in place, never copied): which of them
/// both runtimes run, and what they need beside them.
public enum ArgoExamples {
    public static let directory = Binaries.packageRoot + "/../shared/argo-examples"
    public static let available = FileManager.default.fileExists(atPath: directory)

    /// Folders of examples that are run like the top-level ones.
    static let subdirectories = ["skipped-output-defaults"]

    public static var files: [String] {
        func yaml(_ dir: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        }
        return yaml(directory) + subdirectories.flatMap { sub in yaml("\(directory)/\(sub)").map { "\(sub)/\($0)" } }
    }

    /// What an example says it prints: `# Expected: NAME logs "TEXT"` gives TEXT.
    public static func expectedLogs(of file: String) -> [String] {
        guard let text = try? String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("# Expected:"), let open = line.range(of: "logs \""), let close = line.range(of: "\"", range: open.upperBound..<line.endIndex)
            else { return nil }
            return String(line[open.upperBound..<close.lowerBound])
        }
    }

    /// Runnable examples that do not reach Succeeded yet, and why (the same in both runtimes).
    public static let knownFailures: [String: String] = [:]

    /// Runnable examples that do not reach Succeeded with `skein run` only, and why.
    public static let localKnownFailures: [String: String] = [
        "conditional-artifacts.yaml": workingDirectory,
        "dag-conditional-artifacts.yaml": workingDirectory,
    ]
    static let workingDirectory = "its script writes result.txt relative to its working directory and declares the output at /result.txt: in Argo's image the working directory is /, with skein run it is the directory skein was started in"

    /// Examples left out of the runtime tests though they need no cluster, and why.
    public static let leftOut: [String: String] = [
        // Steps on this host share its filesystem (no image root), so two examples writing the
        // same absolute path would race when the tests run them together.
        "exit-handler-with-artifacts.yaml": "writes result.txt in its working directory (/ on KubeSim), as conditional-artifacts.yaml and dag-conditional-artifacts.yaml write /result.txt",
    ]

    /// Examples whose outcome is left to chance: each attempt exits 0 with probability 1/3 and
    /// there are 11 attempts, so about 1 run in 85 fails. For them, failing is accepted only
    /// as "No more retries left" after all 11 attempts.
    public static let chancy: Set<String> = ["retry-container.yaml", "retry-script.yaml"]

    /// Fields that need a cluster (or a service Skein does not run locally).
    static let clusterKeys = ["resource", "persistentVolumeClaim", "volumeClaimTemplates", "secretKeyRef",
                              "secret", "configMap", "sidecars", "s3", "gcs", "artifactory", "hdfs", "oss", "azure", "git",
                              "http", "plugin", "containerSet", "data", "synchronization", "executor", "podSpecPatch",
                              "memoize", "archiveLocation", "artifactRepositoryRef", "hostPath", "workflowTemplateRef",
                              "templateRef", "initContainers", "podGC", "serviceAccountName", "artifactGC", "podMetadata"]

    /// Why an example is not run by the runtime tests, or nil when it should run.
    public static func clusterFeature(_ text: String) -> String? {
        if text.contains("workflows.argoproj.io/no-test") { return "marked no-test by Argo" }
        if text.range(of: #"(?m)^kind:\s*Workflow\s*$"#, options: .regularExpression) == nil { return "not a Workflow" }
        if text.range(of: #"daemon:\s*true"#, options: .regularExpression) != nil { return "daemon" }
        let keys = clusterKeys.joined(separator: "|")
        if let r = text.range(of: #"(?m)^\s*(- )?("# + keys + #"):"#, options: .regularExpression) {
            return String(text[r]).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// The examples both runtimes run.
    public static var runnable: [String] {
        files.filter { f in
            leftOut[f] == nil && (try? String(contentsOfFile: "\(directory)/\(f)", encoding: .utf8)).map { clusterFeature($0) == nil } ?? false
        }
    }

    /// The files an example needs beside it: Argo's ConfigMaps (examples/configmaps) for those
    /// that read parameters through `configMapKeyRef`, as `kubectl apply` would create them first.
    public static func companions(of file: String) -> [String] {
        guard let text = try? String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8), text.contains("configMapKeyRef") else { return [] }
        let dir = "\(directory)/configmaps"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted().map { "\(dir)/\($0)" }
    }
}
