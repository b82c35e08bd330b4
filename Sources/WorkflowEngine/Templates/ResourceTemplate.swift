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

    /// Launched again for a node that was already running (see
    /// `WorkflowExecution.relaunchResourceNodes`): the action may have been done before.
    public var resumed = false
    /// The service account the action runs as, as Argo runs its resource pods: the
    /// template's `serviceAccountName`, else the workflow's, else `default`.
    public var serviceAccountName = "default"

    public static let actions: Set<String> = ["create", "apply", "patch", "replace", "delete", "get"]
}

extension WorkflowExecution {
    /// A `resource` template: a node whose work the runtime does against the Kubernetes API
    /// (no pod); it reports back like a step.
    func executeResource(_ req: ExecRequest, _ resolved: ResolvedTemplate, _ inputs: Inputs) -> NodeStatus? {
        let nid = id(of: req.nodeName)
        if let existing = nodes[nid] {
            // A runtime that lost the work in progress (a restarted controller) asks for it again.
            if relaunchResourceNodes.remove(nid) != nil, !existing.phase.isFulfilled,
               case .success(var launch) = resourceLaunch(req, resolved, inputs, nid: nid) {
                launch.resumed = true
                actions.append(.runResource(launch))
            }
            return existing
        }
        if workflowFailure != nil, !req.isExitWork { return nil }
        guard hasStepSlot(req) else { return nil }
        switch resourceLaunch(req, resolved, inputs, nid: nid) {
        case .failure(let f):
            return errorNode(req, resolved: resolved, message: f.message)
        case .success(let launch):
            let node = createStepNode(req, resolved, inputs)
            actions.append(.runResource(launch))
            return node
        }
    }

    /// What the runtime needs to carry out the node's resource template.
    func resourceLaunch(_ req: ExecRequest, _ resolved: ResolvedTemplate, _ inputs: Inputs, nid: String)
        -> Result<ResourceLaunch, EngineFailure>
    {
        let scope = localScope(req, inputs: inputs)
        let r = resolved.template.resource ?? .null
        let action = r["action"]?.stringValue ?? ""
        guard ResourceLaunch.actions.contains(action) else {
            return .failure(EngineFailure("resource.action '\(action)' is not one of \(ResourceLaunch.actions.sorted().joined(separator: ", "))"))
        }
        do {
            func text(_ key: String) throws(EngineFailure) -> String? {
                guard let v = r[key]?.stringValue else { return nil }
                return try substitute(v, scope: scope, field: "resource.\(key)")
            }
            guard let manifest = try text("manifest"), !manifest.isEmpty else {
                if r["manifestFrom"] != nil {
                    return .failure(EngineFailure("resource.manifestFrom is not supported yet: give the object in resource.manifest"))
                }
                return .failure(EngineFailure("resource.manifest is missing: give the object to \(action)"))
            }
            var launch = ResourceLaunch(nodeID: nid, nodeName: req.nodeName, action: action, manifest: manifest,
                                        mergeStrategy: r["mergeStrategy"]?.stringValue,
                                        successCondition: try text("successCondition"), failureCondition: try text("failureCondition"),
                                        setOwnerReference: r["setOwnerReference"] == .bool(true),
                                        outputParameters: resolved.template.outputs?.parameters ?? [])
            launch.serviceAccountName = resolved.template.serviceAccountName ?? spec.serviceAccountName ?? "default"
            return .success(launch)
        } catch {
            return .failure(error)
        }
    }
}
