import WorkflowModel

extension WorkflowExecution {
    /// A steps/DAG template's own `timeout` or `activeDeadlineSeconds`, combined with what it
    /// inherits. When it has passed, running steps inside are stopped and the node fails.
    func checkDeadline(_ nid: String, _ t: Template, inherited: Timestamp?) -> (expired: Bool, deadline: Timestamp?) {
        guard let node = nodes[nid], let start = node.startedAt else { return (false, inherited) }
        var deadline = inherited
        if let text = t.timeout, let secs = WorkflowExecution.parseDuration(text) {
            deadline = min(deadline ?? start.adding(secs), start.adding(secs))
        }
        if case .int(let secs)? = t.activeDeadlineSeconds {
            deadline = min(deadline ?? start.adding(Double(secs)), start.adding(Double(secs)))
        }
        guard let d = deadline, d != inherited || t.timeout != nil || t.activeDeadlineSeconds != nil else {
            return (false, deadline)
        }
        if now >= d {
            stopDescendants(of: nid, message: "Step exceeded its deadline")
            setPhase(nid, .failed, message: "Step exceeded its deadline")
            finishComposite(nid)
            return (true, d)
        }
        wake(nid, at: d)
        return (false, d)
    }

    /// Stop every running step below a node and fail the unfinished nodes there.
    func stopDescendants(of nid: String, message: String) {
        var stack = nodes[nid]?.children ?? []
        var seen: Set<String> = []
        var below: [String] = []
        // Every node whose boundary chain leads to nid, found by walking children links.
        while let c = stack.popLast() {
            guard seen.insert(c).inserted, let n = nodes[c] else { continue }
            below.append(c)
            stack.append(contentsOf: n.children ?? [])
        }
        for c in below {
            guard let n = nodes[c], !n.phase.isFulfilled else { continue }
            if n.type == .pod { actions.append(.stopStep(nodeID: c, reason: message)) }
            setPhase(c, .failed, message: message)
            wakeAt[c] = nil
        }
    }

    /// `spec.activeDeadlineSeconds`: past it, running steps are stopped and the workflow fails
    /// (exit handlers still run).
    func checkWorkflowDeadline() {
        guard workflowFailure == nil, let ads = spec.activeDeadlineSeconds, let start = wfStatus.startedAt else { return }
        let deadline = start.adding(Double(ads))
        if now >= deadline {
            workflowFailure = (.failed, "Step exceeded its deadline")
            let root = id(of: name)
            stopDescendants(of: root, message: "Step exceeded its deadline")
            if let r = nodes[root], !r.phase.isFulfilled {
                setPhase(root, .failed, message: "Step exceeded its deadline")
            }
            markDirty(root)
        } else {
            wake("__workflow_deadline__", at: deadline)
        }
    }
}
