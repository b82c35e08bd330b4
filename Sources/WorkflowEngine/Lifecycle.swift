public import WorkflowModel

extension WorkflowExecution {
    /// Stop the workflow now (Ctrl-C, `skein terminate`): running steps are stopped,
    /// unfinished nodes fail with the message, and no exit handler runs.
    public func terminate(message: String, now: Timestamp) -> [Action] {
        self.now = now
        actions = []
        guard !phase.isCompleted else { return [] }
        if wfStatus.startedAt == nil { wfStatus.startedAt = now }
        for nid in nodes.keys.sorted() {
            guard let n = nodes[nid], !n.phase.isFulfilled else { continue }
            if n.type == .pod { actions.append(.stopStep(nodeID: nid, reason: message)) }
            setPhase(nid, .failed, message: message)
        }
        finishWorkflow(.failed, message: message)
        return actions
    }
}

extension WorkflowExecution {
    /// `spec.shutdown: Stop`: the next reconcile stops the running steps and fails the
    /// unfinished ones with `message`, starts nothing new, and runs the exit handler (unlike
    /// `terminate`). Asking again once stopped changes nothing.
    public func requestStop(message: String) {
        if workflowFailure == nil, !phase.isCompleted { stopRequest = message }
    }

    func applyStopRequest() {
        guard let message = stopRequest else { return }
        stopRequest = nil
        guard workflowFailure == nil else { return }
        let root = id(of: name)
        // Already stopped before a restart (the root failed with this message): nothing to do.
        if let r = nodes[root], r.phase.isFulfilled, r.message == message { return }
        workflowFailure = (.failed, message)
        stopDescendants(of: root, message: message)
        if let r = nodes[root], !r.phase.isFulfilled { setPhase(root, .failed, message: message) }
        markDirty(root)
    }
}
