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
