import WorkflowExpressions
import WorkflowModel

extension WorkflowExecution {
    /// Execute a template as the node `req.nodeName`: create it if new, advance it if it
    /// (or something under it) changed, and return it. Nil when it cannot start yet (no
    /// parallelism slot).
    @discardableResult
    func execute(_ req: ExecRequest) -> NodeStatus? {
        let node = executeNode(req)
        guard let flag = req.nodeFlag, let node, node.nodeFlag != flag else { return node }
        // Argo's nodeFlag: a hook's node is `hooked`, each attempt of a retry `retried`.
        nodes[node.id]?.nodeFlag = flag
        return nodes[node.id]
    }

    func executeNode(_ req: ExecRequest) -> NodeStatus? {
        executeDepth += 1
        defer { executeDepth -= 1 }
        let nid = id(of: req.nodeName)
        if let existing = nodes[nid] {
            if let p = req.parentID, parentOf[nid] == nil { parentOf[nid] = p }
            if existing.phase.isFulfilled && !hasPendingExitWork(existing, req) { return existing }
            if !fullWalk && !dirty.contains(nid) { return existing }
        }
        if executeDepth > WorkflowExecution.maxDepth, nodes[nid] == nil {
            return errorNode(req, message: "Maximum recursion depth exceeded: more than \(WorkflowExecution.maxDepth) templates nested; a template that calls itself needs a `when` that ends the recursion")
        }
        let resolved: ResolvedTemplate
        do {
            resolved = try resolve(req.holder, in: req.templateScope)
        } catch {
            return errorNode(req, message: error.message)
        }
        let inputs: Inputs
        do {
            inputs = try mergeInputs(template: resolved.template, arguments: req.arguments)
        } catch {
            return errorNode(req, resolved: resolved, message: error.message)
        }
        // The template's retryStrategy, else the workflow's (which Argo applies to every template).
        if resolved.template.retryStrategy ?? spec.retryStrategy != nil, req.retryAttempt == nil {
            return scoped(executeRetry(req, resolved, inputs), req)
        }
        let node: NodeStatus?
        switch resolved.template.kind {
        case .container, .script:
            node = executeLeaf(req, resolved, inputs)
        case .steps:
            node = executeSteps(req, resolved, inputs)
        case .dag:
            node = executeDAG(req, resolved, inputs)
        case .suspend:
            node = executeSuspend(req, resolved, inputs)
        case .resource:
            node = executeResource(req, resolved, inputs)
        case .some(let other):
            node = errorNode(req, resolved: resolved,
                             message: "\(other.rawValue) templates need a Kubernetes cluster; `skein run` runs container, script, steps, dag and suspend templates")
        case .none:
            node = errorNode(req, resolved: resolved, message: "template '\(resolved.name ?? "?")' has none of container, script, steps, dag, suspend or resource")
        }
        guard let node = scoped(node, req) else { return nil }
        return runExitWork(node, req, resolved)
    }

    /// The node with its `templateScope`: the scope its request's template name was looked up in.
    func scoped(_ node: NodeStatus?, _ req: ExecRequest) -> NodeStatus? {
        guard var node, node.templateScope == nil, nodes[node.id] != nil else { return node }
        node.templateScope = scopeLabel(req.templateScope)
        nodes[node.id]?.templateScope = node.templateScope
        return node
    }

    /// An Error node for a template that cannot run, with the reason.
    func errorNode(_ req: ExecRequest, resolved: ResolvedTemplate? = nil, message: String) -> NodeStatus {
        let nid = id(of: req.nodeName)
        if let existing = nodes[nid] {
            setPhase(nid, .error, message: message)
            return nodes[nid] ?? existing
        }
        let type: NodeType = resolved.map { nodeType(for: $0.template) } ?? .pod
        return createNode(name: req.nodeName, displayName: req.displayName, type: type == .pod ? .skipped : type,
                          templateName: resolved?.name ?? req.holderName, boundaryID: req.boundaryID,
                          parentID: req.parentID, phase: .error, message: message, templateScope: req.templateScope)
    }

    func nodeType(for t: Template) -> NodeType {
        switch t.kind {
        case .steps: return .steps
        case .dag: return .dag
        case .suspend: return .suspend
        default: return .pod
        }
    }

    /// Bind a template's inputs to the arguments given: argument, else the template's own
    /// value, else its default; `enum` checked; missing ones are an error.
    func mergeInputs(template: Template, arguments: Arguments) throws(EngineFailure) -> Inputs {
        var params: [Parameter] = []
        for p in template.inputs?.parameters ?? [] {
            var out = p
            let arg = arguments.parameters?.first(where: { $0.name == p.name })
            var fromConfigMap: String?
            if arg?.value == nil, let ref = p.valueFrom?.configMapKeyRef {
                fromConfigMap = try configMapInput(p, ref: ref)
            }
            guard var value = arg?.value?.value ?? fromConfigMap ?? p.value?.value ?? p.default?.value else {
                if p.valueFrom?.supplied != nil {
                    throw EngineFailure("inputs.parameters.\(p.name): valueFrom.supplied is only for suspend outputs")
                }
                if arg?.value == nil, let ref = arg?.valueFrom?.parameter {
                    throw EngineFailure("failed to resolve \(ref) for inputs.parameters.\(p.name): that step did not run and its output has no default (fix: give the output a valueFrom.default, or this input a default)")
                }
                throw EngineFailure("inputs.parameters.\(p.name) was not supplied; pass it in the step's arguments or give it a default")
            }
            // A template's own value or default may use the workflow's variables (`{{workflow.*}}`,
            // `{{=...}}`); values passed in as arguments were resolved by the caller.
            if arg?.value == nil, fromConfigMap == nil, value.contains("{{") {
                value = try substitute(value, scope: Scope(), field: "inputs.parameters.\(p.name)")
            }
            if let allowed = p.enum, !allowed.isEmpty, !allowed.contains(where: { $0.value == value }) {
                throw EngineFailure("value '\(value)' for inputs.parameters.\(p.name) is not one of the allowed values: \(allowed.map(\.value).joined(separator: ", "))")
            }
            out.value = AnyString(value)
            out.default = nil
            out.enum = nil
            params.append(out)
        }
        var artifacts: [Artifact] = []
        for a in template.inputs?.artifacts ?? [] {
            var out = a
            if let arg = arguments.artifacts?.first(where: { $0.name == a.name }) {
                out.from = arg.from ?? out.from
                out.fromExpression = arg.fromExpression ?? out.fromExpression
                out.raw = arg.raw ?? out.raw
                out.http = arg.http ?? out.http
                out.key = arg.key ?? out.key
                out.s3 = arg.s3 ?? out.s3
                out.git = arg.git ?? out.git
                out.gcs = arg.gcs ?? out.gcs
                out.subPath = arg.subPath ?? out.subPath
                if let optional = arg.optional { out.optional = optional }
            }
            artifacts.append(out)
        }
        return Inputs(parameters: params.isEmpty ? nil : params, artifacts: artifacts.isEmpty ? nil : artifacts)
    }

    /// Variables a template's own fields see.
    func localScope(_ req: ExecRequest, inputs: Inputs, podName: String? = nil) -> Scope {
        var s = Scope()
        for p in inputs.parameters ?? [] { s.vars["inputs.parameters.\(p.name)"] = p.value?.value ?? "" }
        if let ps = inputs.parameters {
            s.vars["inputs.parameters"] = JSONValue.array(ps.map { .object(["name": .string($0.name), "value": .string($0.value?.value ?? "")]) }).compactJSON
        }
        for a in inputs.artifacts ?? [] {
            if let path = a.path { s.vars["inputs.artifacts.\(a.name).path"] = path }
            s.inputArtifacts[a.name] = a
        }
        s.vars["node.name"] = req.nodeName
        if let podName { s.vars["pod.name"] = podName }
        s.vars["retries"] = String(req.retryAttempt ?? 0)
        for (k, v) in req.extraVariables { s.vars[k] = v }
        s.item = req.item
        return s
    }

    /// Parse Argo's duration forms: "30s", "1m", "2h", "1h30m", "500ms", plain seconds.
    public static func parseDuration(_ text: String) -> Double? { Durations.seconds(text) }
}

extension ExecRequest {
    var holderName: String? {
        switch holder {
        case .name(let n): return n
        case .ref(let r): return r.template
        case .inline(let t): return t.name
        }
    }
}
