import Foundation
import KubeAPI
import KubeClient
import Logging
import SkeinJSON
import WorkflowEngine
import WorkflowModel

extension WorkflowReconciler {
    /// After a workflow has finished: its pods (podGC OnWorkflowCompletion/OnWorkflowSuccess,
    /// and the pod strategies for what is left) and the workflow itself (ttlStrategy) go
    /// once their time has come; until then the workflow is requeued for that time.
    func cleanUp(_ object: JSONValue, key: String, state: WorkflowState) async throws {
        guard let phase = object["status"]?["phase"]?.stringValue.flatMap(WorkflowPhase.init(rawValue:)), phase.isCompleted,
              let finished = object["status"]?["finishedAt"]?.stringValue.flatMap(Timestamp.init(rfc3339:))
        else { return }
        try await collectArtifactsAtCompletion(object, key: key)
        let policy = CleanupPolicy(spec: object["spec"])
        let now = WorkflowReconciler.clock().seconds
        let namespace = object.namespace ?? "default"
        if let ttl = policy.timeToLive(after: phase) {
            let due = finished.seconds + ttl
            if due <= now {
                do {
                    _ = try await client.delete(settings.workflows, object.name ?? "", namespace: namespace)
                } catch KubeError.notFound {}
                return
            }
            requeue(key, Durations.delay(due - now) + .milliseconds(1))
        }
        if policy.podStrategy != nil, !state.podsCollected {
            let due = finished.seconds + policy.podDelay
            if due <= now {
                for pod in informers.pods.store.byIndex(ControllerInformers.byWorkflow, key)
                where pod["metadata"]?["deletionTimestamp"] == nil && pod.labels[builder.artifactGCLabel()] == nil
                    && policy.deletesPod(afterWorkflow: phase, podPhase: pod["status"]?["phase"]?.stringValue, labels: pod.labels) {
                    if let name = pod.name { await deletePod(name, namespace: namespace) }
                }
                state.podsCollected = true
            } else {
                requeue(key, Durations.delay(due - now) + .milliseconds(1))
            }
        }
    }
}
