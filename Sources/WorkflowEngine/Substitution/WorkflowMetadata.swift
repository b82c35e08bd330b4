import WorkflowModel
import WorkflowExpressions

/// The labels and annotations a started workflow carries, decided once by the engine so both
/// runtimes agree: its own metadata, then `spec.workflowMetadata.labels` and `annotations`,
/// then `labelsFrom` (each an expression over the workflow's variables), then the label naming
/// the WorkflowTemplate or ClusterWorkflowTemplate it runs (`workflowTemplateRef`).
extension WorkflowExecution {
    /// The workflow's labels once started, as `workflow.labels.*` sees them.
    public var workflowLabels: [String: String] { resolvedMetadata().labels }
    /// The workflow's annotations once started, as `workflow.annotations.*` sees them.
    public var workflowAnnotations: [String: String] { resolvedMetadata().annotations }

    /// The label groups the engine writes template labels under.
    public static let labelGroups = ["argoproj.io", "skein.dev"]

    /// The labels that say how far a workflow got, as Argo's CLI and UI filter on them:
    /// `workflows.GROUP/phase` and `workflows.GROUP/completed` ("true" once it ended).
    public static func phaseLabels(_ phase: String, groups: [String] = labelGroups) -> [String: String] {
        var l: [String: String] = [:]
        let done = ["Succeeded", "Failed", "Error"].contains(phase)
        for g in groups {
            l["workflows.\(g)/phase"] = phase
            l["workflows.\(g)/completed"] = done ? "true" : "false"
        }
        return l
    }

    func resolvedMetadata() -> WorkflowMetadataValues {
        if let m = metadataCache { return m }
        var labels = workflow.metadata.labels ?? [:]
        var annotations = workflow.metadata.annotations ?? [:]
        let extra = spec.workflowMetadata
        for (k, v) in extra?["labels"]?.objectValue ?? [:] { if let s = v.stringValue { labels[k] = s } }
        for (k, v) in extra?["annotations"]?.objectValue ?? [:] { if let s = v.stringValue { annotations[k] = s } }
        if let ref = workflow.spec.workflowTemplateRef {
            let kind = ref.clusterScope == true ? "cluster-workflow-template" : "workflow-template"
            for g in Self.labelGroups { labels["workflows.\(g)/\(kind)"] = ref.name }
        }
        // labelsFrom sees the labels above (set first, so its expressions can read them).
        metadataCache = WorkflowMetadataValues(labels: labels, annotations: annotations)
        for (key, from) in (extra?["labelsFrom"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let source = from["expression"]?.stringValue else { continue }
            do throws(EngineFailure) {
                let value = try evaluateExpression(source, scope: Scope(), dialect: .expr)
                guard case .string(let s) = value else {
                    throw EngineFailure("gave '\(value.text)', not a string, and a label's value must be one")
                }
                labels[key] = s
            } catch {
                if startFailure == nil {
                    startFailure = "spec.workflowMetadata.labelsFrom.\(key): \(error.message) (fix: make the expression give a string, e.g. string(...))"
                }
            }
        }
        let done = WorkflowMetadataValues(labels: labels, annotations: annotations)
        metadataCache = done
        return done
    }
}

struct WorkflowMetadataValues: Equatable {
    var labels: [String: String]
    var annotations: [String: String]
}
