public import WorkflowEngine
import Artifacts
import SkeinJSON

/// `skein executor gc`: deletes a workflow's artifacts (`artifactGC`) in a pod the controller
/// starts, which reaches the repository as the workflow's steps do (the same volume, or the
/// same keys from the same Secrets). `SKEIN_GC` lists them (`ArtifactGC.Item.json`).
public enum ArtifactGarbageCollector {
    public struct Outcome: Sendable {
        public var deleted: [ArtifactGC.Item] = []
        /// One line per artifact that could not be deleted: which, where, and why.
        public var failures: [String] = []
    }

    public static func run(environment env: [String: String]) -> Outcome {
        var outcome = Outcome()
        guard let text = env["SKEIN_GC"], let list = (try? JSONValue.parseJSON(text))?.arrayValue else {
            outcome.failures.append("SKEIN_GC is not set or not a list of artifacts: `skein executor gc` runs in a pod the controller starts")
            return outcome
        }
        let stores: ArtifactStores
        do {
            stores = ArtifactStores(repository: try ArtifactStores.repository(environment: env), environment: env)
        } catch {
            outcome.failures.append(error.description)
            return outcome
        }
        for entry in list {
            guard let item = ArtifactGC.Item(json: entry) else {
                outcome.failures.append("SKEIN_GC: not an artifact: \(entry.compactJSON)")
                continue
            }
            guard let store = stores.store(for: item.location) else {
                outcome.failures.append("artifact \(item.name) of \(item.node): no artifact repository is configured")
                continue
            }
            do {
                try store.delete(key: item.key)
                outcome.deleted.append(item)
            } catch {
                outcome.failures.append("artifact \(item.name) of \(item.node) (\(item.key) in \(store.description)): \(error)")
            }
        }
        return outcome
    }
}
