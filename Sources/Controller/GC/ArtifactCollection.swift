import Foundation
import KubeAPI
import KubeClient
import Logging
import SkeinJSON
import WorkflowEngine
import WorkflowModel

/// `artifactGC`: a workflow whose artifacts may be collected carries the finalizer
/// `workflows.GROUP/artifact-gc` from its start. When it completes, a pod
/// (`skein executor gc`, see `PodBuilder.artifactGCPod`) deletes the `OnWorkflowCompletion`
/// artifacts; when it is deleted, another deletes the `OnWorkflowDeletion` ones (and the
/// completion ones not yet deleted); then the finalizer comes off and the API server removes
/// the workflow. A pod that fails leaves the condition `ArtifactGCError` with its message and
/// keeps the finalizer, unless `spec.artifactGC.forceFinalizerRemoval` says to let it go.
/// Why pods: they reach the repository as the workflow's steps do (the same volume, the
/// same Secrets, the workflow's service account), which the controller itself cannot.
extension WorkflowReconciler {
    var artifactGCFinalizer: String { "workflows.\(settings.group)/artifact-gc" }
    /// Set on the workflow once its completion stage is done (its pod may be collected later).
    var artifactGCCompletedAnnotation: String { "workflows.\(settings.group)/artifact-gc-completed" }

    enum ArtifactGCStage: String {
        case completion, deletion
    }

    static func finalizers(_ object: JSONValue) -> [String] {
        (object["metadata"]?["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// Puts the finalizer on a workflow whose artifacts may need collecting.
    @discardableResult
    func addArtifactGCFinalizer(_ object: JSONValue) async throws -> JSONValue? {
        let current = Self.finalizers(object)
        guard !current.contains(artifactGCFinalizer) else { return nil }
        let body: JSONValue = ["metadata": ["finalizers": .array((current + [artifactGCFinalizer]).map { .string($0) })]]
        return try await client.patch(settings.workflows, object.name ?? "", namespace: object.namespace, type: .merge, body)
    }

    func removeArtifactGCFinalizer(_ object: JSONValue) async throws {
        let current = Self.finalizers(object)
        guard current.contains(artifactGCFinalizer) else { return }
        let body: JSONValue = ["metadata": ["finalizers": .array(current.filter { $0 != artifactGCFinalizer }.map { .string($0) }),
                                            "resourceVersion": .string(object.resourceVersion ?? "")]]
        do {
            _ = try await client.patch(settings.workflows, object.name ?? "", namespace: object.namespace, type: .merge, body)
        } catch KubeError.notFound {}
    }

    func gcPodName(_ workflow: String, _ stage: ArtifactGCStage) -> String {
        let suffix = "-artgc-\(stage.rawValue)"
        var prefix = String(workflow.prefix(NodeNaming.maxPodNameLength - suffix.count))
        while prefix.hasSuffix("-") || prefix.hasSuffix(".") { prefix.removeLast() }
        return prefix + suffix
    }

    /// At completion (called while the finished workflow is cleaned up).
    func collectArtifactsAtCompletion(_ object: JSONValue, key: String) async throws {
        guard Self.finalizers(object).contains(artifactGCFinalizer), object.annotations[artifactGCCompletedAnnotation] == nil else { return }
        let wf = try JSONValueDecoder().decode(Workflow.self, from: NodeCompression.expand(object))
        let all = ArtifactGC.items(spec: wf.spec, nodes: wf.status?.nodes ?? [:])
        let now = all.filter { $0.strategy == .onWorkflowCompletion }
        if !now.isEmpty {
            guard try await runStage(.completion, items: now, object: object, workflow: wf, key: key) else { return }
        }
        if all.allSatisfy({ $0.strategy == .onWorkflowCompletion }) {
            // Nothing waits for the deletion: the workflow may go whenever it is deleted.
            try await removeArtifactGCFinalizer(object)
        } else {
            let body: JSONValue = ["metadata": ["annotations": [.init(stringLiteral: artifactGCCompletedAnnotation): "true"]]]
            _ = try await client.patch(settings.workflows, object.name ?? "", namespace: object.namespace, type: .merge, body)
        }
    }

    /// When the workflow is being deleted and still carries the finalizer.
    func collectArtifactsAtDeletion(_ object: JSONValue, key: String) async throws {
        guard Self.finalizers(object).contains(artifactGCFinalizer) else { return }
        let wf = try JSONValueDecoder().decode(Workflow.self, from: NodeCompression.expand(object))
        let completed = object.annotations[artifactGCCompletedAnnotation] != nil
        let items = ArtifactGC.items(spec: wf.spec, nodes: wf.status?.nodes ?? [:])
            .filter { $0.strategy == .onWorkflowDeletion || !completed }
        if !items.isEmpty {
            guard try await runStage(.deletion, items: items, object: object, workflow: wf, key: key) else { return }
        }
        try await removeArtifactGCFinalizer(object)
        logger.info("artifacts collected; the workflow goes", metadata: ["workflow": "\(key)", "artifacts": "\(items.count)"])
    }

    /// Starts the stage's pod or reads how it ended: true once it is done (or failed with
    /// `forceFinalizerRemoval`).
    func runStage(_ stage: ArtifactGCStage, items: [ArtifactGC.Item], object: JSONValue, workflow: Workflow, key: String) async throws -> Bool {
        let namespace = object.namespace ?? "default"
        let name = gcPodName(object.name ?? "", stage)
        var pod = informers.pods.store.get(namespace: namespace, name: name)
        if pod == nil { pod = try? await client.get(.pods, name, namespace: namespace) }
        guard let pod else {
            let spec = builder.artifactGCPod(name: name, stage: stage.rawValue, items: items, workflow: workflow,
                                             repository: object["status"]?["artifactRepositoryRef"])
            do {
                _ = try await client.create(.pods, spec, namespace: namespace)
                logger.info("collecting artifacts", metadata: ["workflow": "\(key)", "stage": "\(stage.rawValue)", "pod": "\(name)"])
            } catch KubeError.alreadyExists {}
            requeue(key, .seconds(1))
            return false
        }
        switch pod["status"]?["phase"]?.stringValue {
        case "Succeeded":
            return true
        case "Failed":
            let message = await gcFailure(pod, namespace: namespace)
            try await recordGCError("artifact GC (\(stage.rawValue)) failed: \(message)", object: object)
            if ArtifactGC.forcesFinalizerRemoval(workflow.spec) {
                logger.warning("artifact GC failed; forceFinalizerRemoval lets the workflow go", metadata: ["workflow": "\(key)", "error": "\(message)"])
                return true
            }
            logger.warning("artifact GC failed; the finalizer stays (fix it, then delete pod \(name) to try again, or set forceFinalizerRemoval)",
                           metadata: ["workflow": "\(key)", "error": "\(message)"])
            return false
        default:
            requeue(key, .seconds(1))
            return false
        }
    }

    /// What the gc pod said: its termination message, else the end of its log.
    func gcFailure(_ pod: JSONValue, namespace: String) async -> String {
        for c in pod["status"]?["containerStatuses"]?.arrayValue ?? [] {
            if let m = c["state"]?["terminated"]?["message"]?.stringValue, !m.isEmpty { return m }
        }
        let log = (try? await client.logs(pod: pod.name ?? "", namespace: namespace, options: LogOptions(container: "main", tailLines: 5))) ?? ""
        let text = log.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "pod \(pod.name ?? "") failed" : text
    }

    /// The condition `ArtifactGCError` on the workflow's status (once per message).
    func recordGCError(_ message: String, object: JSONValue) async throws {
        var conditions = object["status"]?["conditions"]?.arrayValue ?? []
        if conditions.contains(where: { $0["type"] == "ArtifactGCError" && $0["message"]?.stringValue == message }) { return }
        conditions.removeAll { $0["type"] == "ArtifactGCError" }
        conditions.append(["type": "ArtifactGCError", "status": "True", "message": .string(message)])
        _ = try await client.patch(settings.workflows, object.name ?? "", namespace: object.namespace, type: .merge,
                                   ["status": ["conditions": .array(conditions)]], subresource: "status")
    }
}
