import Foundation
public import WorkflowModel
public import WorkflowEngine
import Artifacts

/// After a step's command exits: read the exit code and stdout the emissary wrote, the
/// output parameters from their files, and store the output artifacts. The result is the
/// observation the engine gets.
public enum OutputCollector {
    /// Argo keeps `outputs.result` to this size.
    public static let maxResultBytes = 256 * 1024

    public struct Collected: Sendable {
        public var exitCode: Int?
        public var outputs: Outputs
        /// Set when the step must be reported as Error (a missing output, a storage failure).
        public var error: String?
        /// Why the command could not start (`exec: "x": executable file not found in $PATH`).
        public var startError: String?
    }

    public static func collect(launch: StepLaunch, controlDirectory: String, stores: ArtifactStores) -> Collected {
        let fm = FileManager.default
        var outputs = Outputs()
        var errors: [String] = []
        let exitText = (try? String(contentsOfFile: "\(controlDirectory)/exitcode", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let exitCode = exitText.flatMap { Int($0) }

        if launch.captureResult, let h = FileHandle(forReadingAtPath: "\(controlDirectory)/stdout") {
            let data = (try? h.read(upToCount: maxResultBytes)) ?? nil
            try? h.close()
            var text = String(decoding: data ?? Data(), as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            outputs.result = text
        }

        let plan = OutputPlan(launch: launch)
        var params: [Parameter] = []
        var artifacts: [Artifact] = []
        for entry in plan.entries {
            let copied = "\(controlDirectory)/outputs/\(plan.copyIndex(of: entry.path) ?? -1)"
            let exists = fm.fileExists(atPath: copied)
            switch entry.kind {
            case .parameter(let p):
                var q = Parameter(name: p.name)
                q.globalName = p.globalName
                if exists, let text = try? String(contentsOfFile: copied, encoding: .utf8) {
                    var v = text
                    while v.hasSuffix("\n") { v.removeLast() }
                    q.value = AnyString(v)
                } else if let d = p.valueFrom?.default ?? p.default {
                    q.value = d
                } else if exitCode == 0 {
                    errors.append("output parameter '\(p.name)': \(entry.path) does not exist; create it in the step or give valueFrom.default")
                    continue
                } else {
                    continue
                }
                params.append(q)
            case .artifact(let a):
                guard exists else {
                    if !a.optional && exitCode == 0 {
                        errors.append("output artifact '\(a.artifact.name)': \(entry.path) does not exist; create it in the step or mark it optional")
                    }
                    continue
                }
                guard let store = stores.store(for: a.location) else {
                    errors.append("output artifact '\(a.artifact.name)': no artifact repository is configured")
                    continue
                }
                do {
                    try ArtifactUploader.upload(path: copied, format: a.archive ? .tarGzip(level: nil) : .none, key: a.key, to: store)
                    var stored = Artifact(name: a.artifact.name, path: a.path)
                    stored.key = a.key
                    // Later steps and `skein artifacts` find it where it went.
                    if let l = a.location { stored.s3 = l.json(key: a.key) }
                    stored.globalName = a.artifact.globalName
                    stored.artifactGC = a.artifact.artifactGC
                    if !a.archive { stored.archive = ArchiveStrategy(none: .object([:])) }
                    artifacts.append(stored)
                } catch {
                    errors.append("output artifact '\(a.artifact.name)': \(error)")
                }
            }
        }
        if let logKey = launch.logKey {
            // `archiveLogs`: both streams of the main container, as the artifact `main-logs`.
            let log = "\(controlDirectory)/log"
            if let store = stores.repository {
                do {
                    if !fm.fileExists(atPath: log) { _ = fm.createFile(atPath: log, contents: nil) }
                    try ArtifactUploader.upload(path: log, format: .none, key: logKey, to: store)
                    var stored = Artifact(name: "main-logs", path: nil)
                    stored.key = logKey
                    stored.archive = ArchiveStrategy(none: .object([:]))
                    artifacts.append(stored)
                } catch {
                    errors.append("archiving the log (archiveLogs): \(error)")
                }
            } else {
                errors.append("archiveLogs: no artifact repository is configured to keep the log in")
            }
        }
        if !params.isEmpty { outputs.parameters = params }
        if !artifacts.isEmpty { outputs.artifacts = artifacts }
        if let exitCode { outputs.exitCode = String(exitCode) }
        let startError = (try? String(contentsOfFile: "\(controlDirectory)/message", encoding: .utf8)).flatMap { $0.isEmpty ? nil : $0 }
        return Collected(exitCode: exitCode, outputs: outputs, error: errors.isEmpty ? nil : errors.joined(separator: "; "),
                         startError: startError)
    }
}
