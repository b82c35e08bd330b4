public import WorkflowModel

/// Templates from outside the workflow: WorkflowTemplates and ClusterWorkflowTemplates that
/// `templateRef` and `workflowTemplateRef` name.
public struct TemplateLibrary: Sendable {
    public var namespaced: [String: WorkflowTemplate]
    public var clusterScoped: [String: WorkflowTemplate]

    public init(_ templates: [WorkflowTemplate] = []) {
        namespaced = [:]
        clusterScoped = [:]
        for t in templates {
            let name = t.metadata.name ?? ""
            if t.isClusterScoped { clusterScoped[name] = t } else { namespaced[name] = t }
        }
    }

    public func lookup(_ name: String, clusterScope: Bool) -> WorkflowTemplate? {
        clusterScope ? clusterScoped[name] : namespaced[name]
    }
}

/// What the engine decided in one reconcile.
public struct ReconcileResult: Sendable {
    public var status: WorkflowStatus
    public var actions: [Action]
}

/// The pure engine: `reconcile(workflow, observations, now, templates) -> (status, actions)`.
/// It never reads a clock, a file or the network; time and observations are inputs.
public enum Engine {
    /// One-shot form of the contract: rebuilds the execution from the workflow's status.
    public static func reconcile(workflow: Workflow, observations: [Observation], now: Timestamp,
                                 templates: TemplateLibrary = TemplateLibrary()) -> ReconcileResult
    {
        let execution = WorkflowExecution(workflow: workflow, library: templates)
        let actions = execution.reconcile(observations: observations, now: now)
        return ReconcileResult(status: execution.status, actions: actions)
    }
}
