import WorkflowModel

extension WorkflowExecution {
    /// `suspend`: wait for the duration, or until resumed.
    func executeSuspend(_ req: ExecRequest, _ resolved: ResolvedTemplate, _ inputs: Inputs) -> NodeStatus? {
        let nid = id(of: req.nodeName)
        if nodes[nid] == nil {
            if workflowFailure != nil, !req.isExitWork { return nil }
            createNode(name: req.nodeName, displayName: req.displayName, type: .suspend, templateName: resolved.name,
                       boundaryID: req.boundaryID, parentID: req.parentID, inputs: inputs, templateRef: resolved.ref)
        }
        guard let node = nodes[nid] else { return nil }
        let scope = localScope(req, inputs: inputs)
        if node.phase.isFulfilled {
            fillSuspendOutputs(nid, resolved.template, scope: scope)
            return nodes[nid]
        }
        if resumedSuspends.remove(nid) != nil {
            setPhase(nid, .succeeded)
            fillSuspendOutputs(nid, resolved.template, scope: scope)
            return nodes[nid]
        }
        if let d = resolved.template.suspend?.duration {
            let text: String
            do {
                text = try substitute(d.value, scope: scope, field: "suspend.duration")
            } catch {
                setPhase(nid, .error, message: error.message)
                return nodes[nid]
            }
            guard let secs = WorkflowExecution.parseDuration(text) else {
                setPhase(nid, .error, message: Durations.problem(text, field: "suspend.duration", example: "20s, 5m or 1h")
                    ?? "suspend.duration '\(text)' is not a duration")
                return nodes[nid]
            }
            let until = (node.startedAt ?? now).adding(secs)
            if now >= until {
                setPhase(nid, .succeeded)
                fillSuspendOutputs(nid, resolved.template, scope: scope)
            } else {
                wake(nid, at: until)
            }
        }
        return nodes[nid]
    }

    /// A resumed suspend node's outputs: supplied values, else the parameter's default.
    func fillSuspendOutputs(_ nid: String, _ t: Template, scope: Scope) {
        guard var n = nodes[nid], let declared = t.outputs?.parameters, !declared.isEmpty else { return }
        let given = n.outputs?.parameters ?? []
        var out: [Parameter] = []
        for p in declared {
            var q = Parameter(name: p.name)
            q.globalName = p.globalName
            // A value given on resume fills an output that says it is supplied (Argo's
            // `node set --output-parameter` refuses the others).
            if p.valueFrom?.supplied != nil, let v = given.first(where: { $0.name == p.name })?.value {
                q.value = v
            } else if let d = p.valueFrom?.default ?? p.default {
                q.value = AnyString((try? substitute(d.value, scope: scope, field: "outputs.parameters")) ?? d.value)
            } else if let v = p.value {
                q.value = v
            } else {
                continue
            }
            out.append(q)
        }
        var outputs = n.outputs ?? Outputs()
        outputs.parameters = out
        n.outputs = outputs
        nodes[nid] = n
        publishGlobalOutputs(of: nid)
    }

    func suppliedOutputs(of n: NodeStatus, _ parameters: [String: String]) -> Outputs? {
        guard !parameters.isEmpty else { return n.outputs }
        var o = n.outputs ?? Outputs()
        o.parameters = parameters.sorted { $0.key < $1.key }.map { Parameter(name: $0.key, value: $0.value) }
        return o
    }
}
