public import WorkflowModel

/// What a runtime needs to carry out a `resource` template: the action on the manifest
/// (all `{{...}}` resolved), when it counts as done, and the outputs to read from the object.
public struct ResourceLaunch: Sendable, Hashable {
    public var nodeID: String
    public var nodeName: String
    /// create, apply, patch, replace, delete or get.
    public var action: String
    public var manifest: String
    /// For `patch`: strategic (the default), merge or json.
    public var mergeStrategy: String?
    public var successCondition: String?
    public var failureCondition: String?
    /// Make the workflow the object's owner (deleted with it).
    public var setOwnerReference: Bool
    /// `outputs.parameters` read from the object (`valueFrom.jsonPath`).
    public var outputParameters: [Parameter]

    public static let actions: Set<String> = ["create", "apply", "patch", "replace", "delete", "get"]
}

extension WorkflowExecution {
    /// A `resource` template: a node whose work the runtime does against the Kubernetes API
    /// (no pod); it reports back like a step.
    func executeResource(_ req: ExecRequest, _ resolved: ResolvedTemplate, _ inputs: Inputs) -> NodeStatus? {
        let nid = id(of: req.nodeName)
        if let existing = nodes[nid] { return existing }
        if workflowFailure != nil, !req.isExitWork { return nil }
        guard hasStepSlot(req) else { return nil }
        let scope = localScope(req, inputs: inputs)
        let r = resolved.template.resource ?? .null
        let action = r["action"]?.stringValue ?? ""
        guard ResourceLaunch.actions.contains(action) else {
            return errorNode(req, resolved: resolved,
                             message: "resource.action '\(action)' is not one of \(ResourceLaunch.actions.sorted().joined(separator: ", "))")
        }
        let launch: ResourceLaunch
        do {
            func text(_ key: String) throws(EngineFailure) -> String? {
                guard let v = r[key]?.stringValue else { return nil }
                return try substitute(v, scope: scope, field: "resource.\(key)")
            }
            guard let manifest = try text("manifest"), !manifest.isEmpty else {
                return errorNode(req, resolved: resolved, message: "resource.manifest is missing: give the object to \(action)")
            }
            launch = ResourceLaunch(nodeID: nid, nodeName: req.nodeName, action: action, manifest: manifest,
                                    mergeStrategy: r["mergeStrategy"]?.stringValue,
                                    successCondition: try text("successCondition"), failureCondition: try text("failureCondition"),
                                    setOwnerReference: r["setOwnerReference"] == .bool(true),
                                    outputParameters: resolved.template.outputs?.parameters ?? [])
        } catch {
            return errorNode(req, resolved: resolved, message: error.message)
        }
        let node = createStepNode(req, resolved, inputs)
        actions.append(.runResource(launch))
        return node
    }
}
