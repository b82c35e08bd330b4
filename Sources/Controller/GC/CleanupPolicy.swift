import KubeAPI
import SkeinJSON
import WorkflowEngine
import WorkflowModel

/// `spec.podGC` and `spec.ttlStrategy`, read from the live workflow: which pods to delete
/// when, and when to delete the workflow itself (with its pods and task results, through
/// their owner references).
struct CleanupPolicy {
    enum PodStrategy: String {
        case onPodCompletion = "OnPodCompletion"
        case onPodSuccess = "OnPodSuccess"
        case onWorkflowCompletion = "OnWorkflowCompletion"
        case onWorkflowSuccess = "OnWorkflowSuccess"
    }

    var podStrategy: PodStrategy?
    var podSelector: LabelSelector?
    /// `deleteDelayDuration`, in seconds.
    var podDelay: Double = 0
    var secondsAfterCompletion: Double?
    var secondsAfterSuccess: Double?
    var secondsAfterFailure: Double?

    init(spec: JSONValue?) {
        if let gc = spec?["podGC"] {
            podStrategy = gc["strategy"]?.stringValue.flatMap(PodStrategy.init(rawValue:))
            if let sel = gc["labelSelector"] {
                let labels = (sel["matchLabels"]?.objectValue ?? [:]).compactMapValues(\.scalarText)
                let expressions = (sel["matchExpressions"]?.arrayValue ?? []).map { e in
                    (key: e["key"]?.stringValue ?? "", op: e["operator"]?.stringValue ?? "",
                     values: (e["values"]?.arrayValue ?? []).compactMap(\.scalarText))
                }
                podSelector = try? LabelSelector(object: labels, expressions: expressions)
            }
            if let text = gc["deleteDelayDuration"]?.scalarText { podDelay = WorkflowExecution.parseDuration(text) ?? 0 }
        }
        func seconds(_ key: String) -> Double? {
            guard let v = spec?["ttlStrategy"]?[key] else { return nil }
            if case .int(let i) = v { return Double(i) }
            return v.scalarText.flatMap(Double.init)
        }
        secondsAfterCompletion = seconds("secondsAfterCompletion")
        secondsAfterSuccess = seconds("secondsAfterSuccess")
        secondsAfterFailure = seconds("secondsAfterFailure")
    }

    /// Whether a finished step's pod goes as soon as its step has finished (plus the delay).
    func deletesPod(afterStep phase: NodePhase, labels: [String: String]) -> Bool {
        guard podSelector?.matches(labels) ?? true else { return false }
        switch podStrategy {
        case .onPodCompletion?: return phase.isFulfilled
        case .onPodSuccess?: return phase == .succeeded
        default: return false
        }
    }

    /// Whether a pod of the workflow goes once the workflow has finished in `phase` (plus the
    /// delay): every pod for the workflow strategies (and OnPodCompletion's leftovers), the
    /// succeeded ones for OnPodSuccess.
    func deletesPod(afterWorkflow phase: WorkflowPhase, podPhase: String?, labels: [String: String]) -> Bool {
        guard podSelector?.matches(labels) ?? true else { return false }
        switch podStrategy {
        case .onWorkflowCompletion?, .onPodCompletion?: return true
        case .onWorkflowSuccess?: return phase == .succeeded
        case .onPodSuccess?: return podPhase == "Succeeded"
        case nil: return false
        }
    }

    /// Seconds after finishing in `phase` when the workflow itself is deleted, if ever.
    func timeToLive(after phase: WorkflowPhase) -> Double? {
        let specific = phase == .succeeded ? secondsAfterSuccess : secondsAfterFailure
        return specific ?? secondsAfterCompletion
    }
}
