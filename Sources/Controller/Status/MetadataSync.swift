import KubeAPI
import KubeClient
import SkeinJSON
import WorkflowEngine
import WorkflowModel

/// The workflow's labels and annotations as the engine decides them (`workflowMetadata`,
/// `labelsFrom`, the template it runs), plus the phase labels Argo's CLI and UI filter on
/// (`workflows.argoproj.io/phase`, `/completed`), kept current on the object.
extension WorkflowReconciler {
    /// The label groups phase labels go under: Argo's, and this controller's own.
    var phaseLabelGroups: [String] { Array(Set(["argoproj.io", settings.group])).sorted() }

    /// A merge patch for what the object lacks, or nil when it carries everything already.
    static func metadataPatch(_ object: JSONValue, labels: [String: String], annotations: [String: String]) -> JSONValue? {
        let haveLabels = object["metadata"]?["labels"]?.objectValue ?? [:]
        let haveAnnotations = object["metadata"]?["annotations"]?.objectValue ?? [:]
        let missingLabels = labels.filter { haveLabels[$0.key]?.stringValue != $0.value }
        let missingAnnotations = annotations.filter { haveAnnotations[$0.key]?.stringValue != $0.value }
        if missingLabels.isEmpty && missingAnnotations.isEmpty { return nil }
        var metadata: [String: JSONValue] = [:]
        if !missingLabels.isEmpty { metadata["labels"] = .object(missingLabels.mapValues { .string($0) }) }
        if !missingAnnotations.isEmpty { metadata["annotations"] = .object(missingAnnotations.mapValues { .string($0) }) }
        return .object(["metadata": .object(metadata)])
    }

    /// Patches the object's metadata when the phase or the engine's labels moved on. The
    /// status is not touched; when the answer still shows the status this controller stored,
    /// the next status write expects the patch's version.
    func syncMetadata(_ object: JSONValue, labels: [String: String], annotations: [String: String], phase: String,
                      state: WorkflowState) async throws {
        let desired = (labels: labels.merging(WorkflowExecution.phaseLabels(phase, groups: phaseLabelGroups)) { _, p in p },
                       annotations: annotations)
        let wanted = JSONValue.object([
            "labels": .object(desired.labels.mapValues { .string($0) }),
            "annotations": .object(desired.annotations.mapValues { .string($0) }),
        ])
        guard wanted != state.syncedMetadata,
              let patch = Self.metadataPatch(object, labels: desired.labels, annotations: desired.annotations) else {
            state.syncedMetadata = wanted
            return
        }
        let answer = try await client.patch(settings.workflows, object.name ?? "", namespace: object.namespace ?? "default",
                                            type: .merge, patch)
        state.syncedMetadata = wanted
        if let v = answer.resourceVersion {
            state.remember(v)
            if answer["status"] == state.storedStatus { state.expectedVersion = v }
        }
    }
}
