import WorkflowExpressions
import WorkflowModel

extension WorkflowExecution {
    /// Drive the workflow: the entrypoint, then the exit handler, then the final phase.
    func advance() {
        let rootID = id(of: name)
        guard let entry = spec.entrypoint, !entry.isEmpty else {
            finishWorkflow(.error, message: "spec.entrypoint is not set; name the template to run first")
            return
        }
        var root = nodes[rootID]
        _ = resolvedMetadata()   // labelsFrom may find a problem before the first step
        if root == nil, let why = startFailure {
            finishWorkflow(.error, message: why)
            return
        }
        if root == nil || !(root?.phase.isFulfilled ?? false) {
            if workflowFailure == nil || root != nil {
                var req = ExecRequest(nodeName: name, displayName: name, holder: .name(entry),
                                      arguments: workflowArguments, templateScope: workflowScope, boundaryID: nil, parentID: nil)
                req.hooks = nil
                root = execute(req)
            }
        }
        runWorkflowHooks()
        if workflowFailure != nil, let r = nodes[rootID], !r.phase.isFulfilled {
            setPhase(rootID, .failed, message: workflowFailure?.message)
        }
        let mainPhase: NodePhase
        let mainMessage: String?
        if let r = nodes[rootID] {
            guard r.phase.isFulfilled else { return }
            mainPhase = r.phase
            mainMessage = r.message
        } else if let f = workflowFailure {
            mainPhase = f.phase
            mainMessage = f.message
        } else {
            return
        }
        if activePods > 0 { return }
        let phase = workflowPhase(of: mainPhase)
        let failureMessage = phase == .succeeded ? nil : (workflowFailure?.message ?? mainMessage)
        // The exit handler (`onExit`, or the `exit` hook) sees how the workflow went.
        let exitHook = spec.hooks?["exit"]
        if let handler = spec.onExit ?? exitHook?.template ?? exitHook?.templateRef?.template {
            var req = ExecRequest(nodeName: "\(name).onExit", displayName: "\(name).onExit", holder: .name(handler),
                                  arguments: spec.hooks?["exit"]?.arguments ?? Arguments(), templateScope: workflowScope,
                                  boundaryID: nil, parentID: nil)
            if spec.onExit == nil, let ref = spec.hooks?["exit"]?.templateRef { req.holder = .ref(ref) }
            req.isExitWork = true
            req.nodeFlag = NodeFlag(hooked: true)
            req.extraVariables = exitVariables(phase: phase)
            // Every template the handler calls, at any depth, sees them (as in Argo, where they
            // become global parameters once the workflow's main part is done).
            exitGlobals = req.extraVariables
            let scope = Scope().with(req.extraVariables)
            if nodes[id(of: req.nodeName)] == nil {
                switch workflowExitCondition(&req, scope: scope) {
                case .success(true): break
                case .success(false):
                    finishWorkflow(phase, message: failureMessage)
                    return
                case .failure(let why):
                    hookErrorNode(req, message: why.message)
                    finishWorkflow(phase == .succeeded ? .error : phase,
                                   message: phase == .succeeded ? "exit handler failed: \(why.message)" : failureMessage)
                    return
                }
            } else if let args = try? resolveArguments(req.arguments, scope: scope, field: "spec.hooks.exit.arguments") {
                req.arguments = args
            }
            guard let exitNode = execute(req), exitNode.phase.isFulfilled, activePods == 0 else { return }
            if phase == .succeeded, exitNode.phase.isFailure {
                finishWorkflow(exitNode.phase == .error ? .error : .failed, message: "exit handler failed: \(exitNode.message ?? "")")
                return
            }
        }
        finishWorkflow(phase, message: failureMessage)
    }

    /// Whether the workflow's exit handler starts: its `exit` hook's `expression`, then its
    /// arguments, resolved into `req`.
    func workflowExitCondition(_ req: inout ExecRequest, scope: Scope) -> Result<Bool, EngineFailure> {
        if spec.onExit == nil, let e = spec.hooks?["exit"]?.expression, !e.isEmpty {
            let condition = hookCondition(e, hookNode: req.nodeName, scope: scope)
            guard case .success(true) = condition else { return condition }
        }
        do {
            req.arguments = try resolveArguments(req.arguments, scope: scope, field: "spec.hooks.exit.arguments")
        } catch {
            return .failure(error)
        }
        return .success(true)
    }

    var workflowArguments: Arguments {
        var args = spec.arguments ?? Arguments()
        if let ps = args.parameters {
            args.parameters = ps.map { p in
                var q = p
                if q.value == nil, p.valueFrom?.configMapKeyRef != nil,
                   let resolved = globalParameters["workflow.parameters.\(p.name)"] {
                    // Resolved from its ConfigMap when the execution began.
                    q.value = AnyString(resolved)
                }
                if q.value == nil { q.value = p.default }
                return q
            }
        }
        return args
    }

    func workflowPhase(of p: NodePhase) -> WorkflowPhase {
        switch p {
        case .failed: return .failed
        case .error: return .error
        default: return .succeeded
        }
    }

    /// `workflow.status` and `workflow.failures`, for exit handlers and hooks.
    func exitVariables(phase: WorkflowPhase) -> [String: String] {
        var failures: [JSONValue] = []
        for n in nodes.values.sorted(by: { ($0.finishedAt?.seconds ?? 0, $0.name) < ($1.finishedAt?.seconds ?? 0, $1.name) })
        where n.phase.isFailure && n.type == .pod {
            var f: [String: JSONValue] = [
                "displayName": .string(n.displayName), "message": .string(n.message ?? ""),
                "templateName": .string(n.templateName ?? ""), "phase": .string(n.phase.rawValue),
                "podName": .string(NodeNaming.podName(workflow: name, nodeName: n.name, templateName: n.ranTemplate)),
            ]
            if let t = n.finishedAt { f["finishedAt"] = .string(t.description) }
            failures.append(.object(f))
        }
        return ["workflow.status": phase.rawValue, "workflow.failures": JSONValue.array(failures).compactJSON]
    }

    func finishWorkflow(_ phase: WorkflowPhase, message: String?) {
        wfStatus.phase = phase
        wfStatus.message = message
        wfStatus.finishedAt = now
        wakeAt.removeAll()
        actions.append(.workflowFinished(phase))
    }

    // MARK: - Step exit handlers and lifecycle hooks

    /// A step whose `onExit` handler (or `exit` hook) has not finished is not done yet.
    func hasPendingExitWork(_ node: NodeStatus, _ req: ExecRequest) -> Bool {
        if let hooks = req.hooks, hooks.keys.contains(where: { $0 != "exit" }) {
            // Named hooks are checked once more when the step changes (it may just have finished)
            // and while one of them runs.
            if dirty.contains(node.id) { return true }
            for name in hooks.keys where name != "exit" {
                if let h = nodes[id(of: "\(req.nodeName).hooks.\(name)")], !h.phase.isFulfilled { return true }
            }
        }
        guard req.onExit != nil || req.hooks?["exit"] != nil else { return false }
        guard let exitNode = nodes[id(of: "\(req.nodeName).onExit")] else {
            // An exit hook whose expression is false has nothing to run.
            return req.onExit != nil || exitHookCondition(node, req) != .success(false)
        }
        return !exitNode.phase.isFulfilled
    }

    /// An exit hook may carry an `expression` (Argo 4): it runs only when that holds once the
    /// step has finished.
    func exitHookCondition(_ node: NodeStatus, _ req: ExecRequest) -> Result<Bool, EngineFailure> {
        guard req.onExit == nil, let hook = req.hooks?["exit"], let expression = hook.expression, !expression.isEmpty else {
            return .success(true)
        }
        let scope = (req.stepScope ?? Scope()).with(stepStatusVariables(node, req))
        return hookCondition(expression, hookNode: "\(req.nodeName).onExit", scope: scope)
    }

    /// After a step finishes, run its exit handler; while any hook runs, report the step as running.
    func runExitWork(_ node: NodeStatus, _ req: ExecRequest, _ resolved: ResolvedTemplate) -> NodeStatus {
        var effective = node
        let (hooksPending, hookFailure) = runStepHooks(node, req)
        guard node.phase.isFulfilled else { return effective }
        if let hookFailure, !node.phase.isFailure {
            // Argo marks the step whose hook is in error as Error.
            setPhase(node.id, .error, message: hookFailure)
            effective = nodes[node.id] ?? effective
        }
        // A step is done once the hooks it started are done, as Argo waits for them.
        if hooksPending { effective.phase = .running }
        let handler: TemplateHolder?
        var args = Arguments()
        if let onExit = req.onExit {
            handler = .name(onExit)
        } else if let hook = req.hooks?["exit"] {
            handler = hook.templateRef.map { .ref($0) } ?? hook.template.map { .name($0) }
            args = hook.arguments ?? Arguments()
        } else {
            handler = nil
        }
        guard let handler else { return effective }
        let finished = nodes[node.id] ?? node   // `effective` may read Running while hooks run
        let vars = stepStatusVariables(finished, req)
        var scope = (req.stepScope ?? Scope()).with(vars)
        scope.ownStep = (stepName(ofDisplayName: req.displayName), node.id)
        var exitReq = ExecRequest(nodeName: "\(req.nodeName).onExit", displayName: "\(req.displayName).onExit", holder: handler,
                                  arguments: args, templateScope: req.templateScope, boundaryID: req.boundaryID, parentID: node.id)
        exitReq.isExitWork = true
        exitReq.nodeFlag = NodeFlag(hooked: true)
        exitReq.extraVariables = vars
        exitReq.stepScope = scope
        if nodes[id(of: exitReq.nodeName)] == nil {
            switch exitHookCondition(finished, req) {
            case .success(true): break
            case .success(false): return effective
            case .failure(let why):
                return exitHookFailed(exitReq, node: finished, message: why.message, effective)
            }
            do {
                exitReq.arguments = try resolveArguments(args, scope: scope, field: "hooks.exit.arguments")
            } catch {
                // Argo records an exit hook's argument that cannot be resolved on the hook's node.
                return exitHookFailed(exitReq, node: finished, message: error.message, effective)
            }
        } else {
            exitReq.arguments = (try? resolveArguments(args, scope: scope, field: "hooks.exit.arguments")) ?? args
        }
        let exitNode = execute(exitReq)
        if exitNode.map({ !$0.phase.isFulfilled }) ?? true {
            effective.phase = .running
        }
        return effective
    }

    /// An exit hook that cannot start: its node in Error, and the step too (Argo marks the task
    /// whose hook errored), unless the step failed already.
    func exitHookFailed(_ exitReq: ExecRequest, node: NodeStatus, message: String, _ effective: NodeStatus) -> NodeStatus {
        hookErrorNode(exitReq, message: message)
        guard !node.phase.isFailure else { return effective }
        setPhase(node.id, .error, message: message)
        var errored = nodes[node.id] ?? effective
        if effective.phase == .running { errored.phase = .running }
        return errored
    }

    func stepStatusVariables(_ node: NodeStatus, _ req: ExecRequest) -> [String: String] {
        // The step's own status, for hook expressions such as `steps.work.status == "Failed"`
        // (the step is not yet among the siblings its scope was built from).
        let own = stepName(ofDisplayName: req.displayName)
        var v = ["workflow.status": (wfStatus.phase ?? .running).rawValue, "node.status": node.phase.rawValue]
        // The step's own status, exit code and outputs, as `steps.NAME.*` and `tasks.NAME.*`.
        var mine = ["status": node.phase.rawValue, "id": node.id]
        if let code = node.outputs?.exitCode {
            mine["exitCode"] = code
            mine["outputs.exitCode"] = code
        }
        if let r = node.outputs?.result { mine["outputs.result"] = r }
        for p in node.outputs?.parameters ?? [] { mine["outputs.parameters.\(p.name)"] = p.value?.value ?? "" }
        if let t = node.startedAt { mine["startedAt"] = t.description }
        if let t = node.finishedAt { mine["finishedAt"] = t.description }
        for (k, val) in mine {
            v["steps.\(own).\(k)"] = val
            v["tasks.\(own).\(k)"] = val
        }
        return v
    }

    /// Named hooks with an `expression`: each runs once, the first time its expression holds.
    /// Returns whether a hook it started is still running, and the first hook that could not
    /// be evaluated once the step had finished.
    func runStepHooks(_ node: NodeStatus, _ req: ExecRequest) -> (pending: Bool, failure: String?) {
        guard let hooks = req.hooks else { return (false, nil) }
        var pending = false
        var failure: String?
        var scope: Scope?   // built once, for the first hook that has not started
        for (hookName, hook) in hooks.sorted(by: { $0.key < $1.key }) where hookName != "exit" {
            let hookNodeName = "\(req.nodeName).hooks.\(hookName)"
            if nodes[id(of: hookNodeName)] == nil {
                let built = scope ?? (req.stepScope ?? Scope()).with(stepStatusVariables(node, req))
                scope = built
                switch hookCondition(hook.expression, hookNode: hookNodeName, scope: built) {
                case .success(true): break
                case .success(false): continue
                case .failure(let why):
                    // While the step runs, what it refers to may not exist yet: asked again later.
                    guard node.phase.isFulfilled else { continue }
                    failure = failure ?? why.message
                    hookErrorNode(hookRequest(hookNodeName, hook, req, parent: node.id), message: why.message)
                    continue
                }
            }
            if let hookNode = execute(hookRequest(hookNodeName, hook, req, parent: node.id)), !hookNode.phase.isFulfilled {
                pending = true
            }
        }
        return (pending, failure)
    }

    /// A hook that cannot start: its node, flagged `hooked`, in Error with the reason.
    func hookErrorNode(_ req: ExecRequest, message: String) {
        let node = errorNode(req, message: message)
        nodes[node.id]?.nodeFlag = req.nodeFlag
    }

    /// Whether a hook's `expression` holds. As in Argo, a named hook needs one, and one that
    /// cannot be evaluated, or is not a boolean, is an error (the reason is returned).
    func hookCondition(_ expression: String?, hookNode: String, scope: Scope) -> Result<Bool, EngineFailure> {
        guard let expression, !expression.isEmpty else {
            return .failure(EngineFailure("Expression required for hook \(hookNode)"))
        }
        do {
            let v = try evaluateExpression(expression, scope: scope, dialect: .expr)
            guard case .bool(let b) = v else {
                return .failure(EngineFailure("unable to cast expression result '\(v.text)' of hook \(hookNode) to bool; the expression must be true or false"))
            }
            return .success(b)
        } catch {
            // Argo's wording, with the hook named.
            let prefix = "expression '\(expression)' failed: "
            let why = error.message.hasPrefix(prefix) ? String(error.message.dropFirst(prefix.count)) : error.message
            return .failure(EngineFailure("unable to evaluate expression '\(expression)' of hook \(hookNode): \(why)"))
        }
    }

    func hookRequest(_ nodeName: String, _ hook: LifecycleHook, _ req: ExecRequest, parent: String) -> ExecRequest {
        let holder: TemplateHolder = hook.templateRef.map { .ref($0) } ?? .name(hook.template ?? "")
        let scope = req.stepScope ?? Scope()
        var r = ExecRequest(nodeName: nodeName, displayName: nodeName.split(separator: ".").suffix(2).joined(separator: "."),
                            holder: holder,
                            arguments: (try? resolveArguments(hook.arguments, scope: scope, field: "hooks")) ?? (hook.arguments ?? Arguments()),
                            templateScope: req.templateScope, boundaryID: req.boundaryID, parentID: parent)
        r.isExitWork = true
        r.nodeFlag = NodeFlag(hooked: true)
        return r
    }

    /// Workflow-level hooks other than `exit`, checked on every reconcile.
    func runWorkflowHooks() {
        guard let hooks = spec.hooks else { return }
        let phase = wfStatus.phase ?? .running
        for (hookName, hook) in hooks.sorted(by: { $0.key < $1.key }) where hookName != "exit" {
            let nodeName = "\(name).hooks.\(hookName)"
            let holder: TemplateHolder = hook.templateRef.map { .ref($0) } ?? .name(hook.template ?? "")
            var r = ExecRequest(nodeName: nodeName, displayName: nodeName, holder: holder, arguments: hook.arguments ?? Arguments(),
                                templateScope: workflowScope, boundaryID: nil, parentID: nil)
            r.isExitWork = true
            r.nodeFlag = NodeFlag(hooked: true)
            if nodes[id(of: nodeName)] != nil {
                execute(r)
                continue
            }
            let scope = Scope().with(["workflow.status": phase.rawValue])
            switch hookCondition(hook.expression, hookNode: nodeName, scope: scope) {
            case .success(true): execute(r)
            case .success(false): continue
            case .failure(let why):
                // Asked again on the next reconcile while the workflow runs; once its main part
                // has finished the error stands, on the hook's node and on the workflow.
                guard let root = nodes[id(of: name)], root.phase.isFulfilled else { continue }
                hookErrorNode(r, message: why.message)
                if !root.phase.isFailure { setPhase(root.id, .error, message: why.message) }
            }
        }
    }
}
