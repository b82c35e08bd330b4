import WorkflowExpressions
import WorkflowModel

extension WorkflowExecution {
    /// A `dag` template: tasks start when what they depend on is done and their `depends`
    /// holds; the DAG's phase comes from its target (leaf) tasks.
    func executeDAG(_ req: ExecRequest, _ resolved: ResolvedTemplate, _ inputs: Inputs) -> NodeStatus? {
        let nid = id(of: req.nodeName)
        if nodes[nid] == nil {
            createNode(name: req.nodeName, displayName: req.displayName, type: .dag, templateName: resolved.name,
                       boundaryID: req.boundaryID, parentID: req.parentID, inputs: inputs, templateRef: resolved.ref)
        }
        guard let dag = resolved.template.dag else { return nodes[nid] }
        let (expired, deadline) = checkDeadline(nid, resolved.template, inherited: req.deadline)
        if expired { return nodes[nid] }
        var scope = localScope(req, inputs: inputs)
        scope.item = nil

        let st: DAGState
        var rebuilt = false
        if let existing = dagStates[nid] {
            st = existing
        } else {
            do {
                let target = try dag.target.map { (t) throws(EngineFailure) in try substitute(t, scope: scope, field: "dag.target") }
                st = try buildDAGState(dagName: req.nodeName, dag: dag, targetText: target)
            } catch {
                setPhase(nid, .error, message: error.message)
                finishComposite(nid)
                return nodes[nid]
            }
            dagStates[nid] = st
            rebuilt = true
        }
        scope.siblings = .tasks(dagNodeName: req.nodeName, names: st.taskNames)
        let failFast = dag.failFast ?? resolved.template.failFast ?? true
        let ctx = TaskContext(dagName: req.nodeName, dagID: nid, scope: scope, templateScope: resolved.scope,
                              deadline: deadline, isExitWork: req.isExitWork, limit: resolved.template.parallelism)

        // Re-check started tasks: all of them after a rebuild, else only those that changed.
        var toCheck: [Int] = []
        if rebuilt || fullWalk {
            toCheck = st.topoOrder.filter { st.state[$0] == .started }
        } else {
            for d in dirty { if let t = st.byNodeID[d], st.state[t] == .started { toCheck.append(t) } }
            toCheck.sort()
        }
        for t in toCheck {
            guard let node = runTask(t, st, ctx) else { continue }
            if node.phase.isFulfilled { taskFinished(t, node, st, failFast: failFast) }
        }
        // Start what is ready.
        var deferred: [Int] = []
        while let t = st.popReady() {
            if st.state[t] != .waiting { continue }
            if st.failFastTriggered {
                continue
            }
            if let limit = ctx.limit, st.active.count >= limit {
                deferred.append(t)
                continue
            }
            let outcome = st.deps[t].isEmpty || st.depends[t].evaluate { name in
                guard let i = st.index[name] else { return TaskOutcome(phase: .pending, daemoned: false, childPhases: []) }
                var o = self.outcome(of: st.nodeIDs[i])
                o.continuesOnFailed = st.tasks[i].continueOn?.failed ?? false
                o.continuesOnError = st.tasks[i].continueOn?.error ?? false
                return o
            }
            if !outcome {
                let task = st.tasks[t]
                let tname = "\(req.nodeName).\(task.name)"
                let n = createNode(name: tname, displayName: task.name, type: .skipped, templateName: task.template,
                                   boundaryID: nid, parentID: nid, phase: .omitted,
                                   message: "omitted: depends condition not met", templateRef: task.templateRef,
                                   templateScope: ctx.templateScope)
                linkTask(t, n.id, st, ctx)
                st.state[t] = .started
                taskFinished(t, n, st, failFast: failFast)
                continue
            }
            guard let node = runTask(t, st, ctx) else {
                deferred.append(t)
                continue
            }
            st.state[t] = .started
            st.active.insert(t)
            if node.phase.isFulfilled { taskFinished(t, node, st, failFast: failFast) }
        }
        st.ready.append(contentsOf: deferred)
        if !deferred.isEmpty { blocked.insert(nid) }

        let finished = st.isComplete || (st.failFastTriggered && st.active.isEmpty)
        guard finished else { return nodes[nid] }
        let phase = assessDAGPhase(st, failFast: failFast)
        dagStates[nid] = nil
        if var n = nodes[nid] {
            n.outboundNodes = st.targets.flatMap { t in nodes[st.nodeIDs[t]] == nil ? [] : outboundNodes(of: st.nodeIDs[t]) }
            nodes[nid] = n
        }
        if let (p, message) = phase {
            setPhase(nid, p, message: message)
            finishComposite(nid)
        } else {
            completeComposite(nid, template: resolved.template, scope: scope)
        }
        return nodes[nid]
    }

    struct TaskContext {
        var dagName: String
        var dagID: String
        var scope: Scope
        var templateScope: TemplateScope
        var deadline: Timestamp?
        var isExitWork: Bool
        var limit: Int?
    }

    func taskFinished(_ t: Int, _ node: NodeStatus, _ st: DAGState, failFast: Bool) {
        st.markDone(t)
        if failFast, node.phase.isFailure, !continues(st.tasks[t].continueOn, node.phase), !failureHandled(t, st) {
            st.failFastTriggered = true
        }
    }

    /// Whether some dependent's `depends` can run because this task failed (`A.Failed`, `!A`...).
    func failureHandled(_ t: Int, _ st: DAGState) -> Bool {
        let name = st.tasks[t].name
        let actual = outcome(of: st.nodeIDs[t]).phase
        for d in st.dependents[t] {
            let failedOutcome = st.depends[d].evaluate { n in
                n == name ? TaskOutcome(phase: actual, daemoned: false, childPhases: [actual])
                          : TaskOutcome(phase: .succeeded, daemoned: false, childPhases: [.succeeded])
            }
            if failedOutcome { return true }
        }
        return false
    }

    /// What `depends` sees of a task.
    func outcome(of nid: String) -> TaskOutcome {
        guard let n = nodes[nid] else { return TaskOutcome(phase: .pending, daemoned: false, childPhases: []) }
        let kids = n.type == .taskGroup ? (n.children ?? []).compactMap { nodes[$0].map { TaskPhase(rawValue: $0.phase.rawValue) ?? .pending } } : []
        return TaskOutcome(phase: TaskPhase(rawValue: n.phase.rawValue) ?? .pending, daemoned: n.daemoned ?? false, childPhases: kids)
    }

    /// Hang a new task node under what it depends on (for the tree view).
    func linkTask(_ t: Int, _ taskID: String, _ st: DAGState, _ ctx: TaskContext) {
        parentOf[taskID] = ctx.dagID
        if st.deps[t].isEmpty {
            addChild(ctx.dagID, taskID)
        } else {
            for d in st.deps[t] {
                for out in outboundNodes(of: st.nodeIDs[d]) { addChild(out, taskID) }
            }
        }
    }

    /// Run (or re-check) task `t`: a loop becomes a TaskGroup with one child per item.
    func runTask(_ t: Int, _ st: DAGState, _ ctx: TaskContext) -> NodeStatus? {
        let task = st.tasks[t]
        let taskName = "\(ctx.dagName).\(task.name)"
        let tid = st.nodeIDs[t]
        let isNew = nodes[tid] == nil
        let field = "dag.tasks[\(t)] '\(task.name)'"
        let hasLoop = task.withItems != nil || task.withParam != nil || task.withSequence != nil
        let node: NodeStatus?
        if hasLoop {
            node = runTaskGroup(task, name: taskName, taskID: tid, ctx: ctx, field: field)
        } else {
            node = runStep(task, nodeName: taskName, displayName: task.name, scope: ctx.scope, item: nil,
                           boundaryID: ctx.dagID, parentID: ctx.dagID, templateScope: ctx.templateScope,
                           deadline: ctx.deadline, isExitWork: ctx.isExitWork, field: field)
        }
        if isNew, let node { linkTask(t, node.id, st, ctx) }
        return node
    }

    /// A looped task: a TaskGroup node whose children are the iterations.
    func runTaskGroup(_ task: DAGTask, name: String, taskID: String, ctx: TaskContext, field: String) -> NodeStatus? {
        if nodes[taskID] == nil {
            if let when = task.when, !task.whenUsesItem {
                do {
                    if try !evaluateWhen(when, scope: ctx.scope, field: "\(field).when") {
                        return createNode(name: name, displayName: task.name, type: .skipped, templateName: task.template,
                                          boundaryID: ctx.dagID, parentID: ctx.dagID, phase: .skipped,
                                          message: "when '\((try? substitutePartially(when, scope: ctx.scope)) ?? when)' evaluated false", templateRef: task.templateRef,
                                          templateScope: ctx.templateScope)
                    }
                } catch {
                    return createNode(name: name, displayName: task.name, type: .skipped, templateName: task.template,
                                      boundaryID: ctx.dagID, parentID: ctx.dagID, phase: .error, message: error.message)
                }
            }
            // A loop over an empty list is one Skipped node, not a TaskGroup, as Argo makes it.
            if let items = try? loopItems(task, scope: ctx.scope, field: field), items.isEmpty {
                return createNode(name: name, displayName: task.name, type: .skipped, templateName: task.template,
                                  boundaryID: ctx.dagID, parentID: ctx.dagID, phase: .skipped, message: Self.emptyLoopMessage,
                                  templateScope: ctx.templateScope)
            }
            createNode(name: name, displayName: task.name, type: .taskGroup, templateName: task.template,
                       boundaryID: ctx.dagID, parentID: ctx.dagID)
        }
        guard let group = nodes[taskID] else { return nil }
        if group.phase.isFulfilled { return group }
        let items: [LoopItem]
        do {
            items = try loopItems(task, scope: ctx.scope, field: field) ?? []
        } catch {
            setPhase(taskID, .error, message: error.message)
            return nodes[taskID]
        }
        var allDone = true
        var failure: NodeStatus?
        var active = 0
        for item in items {
            let cname = "\(name)\(item.label)"
            let cid = id(of: cname)
            if let existing = nodes[cid], existing.phase.isFulfilled, !dirty.contains(cid), !fullWalk {
                if existing.phase.isFailure, !continues(task.continueOn, existing.phase), failure == nil { failure = existing }
                continue
            }
            if nodes[cid] == nil, let limit = ctx.limit, active >= limit {
                allDone = false
                continue
            }
            var scope = ctx.scope
            scope.item = item.value
            guard let child = runStep(task, nodeName: cname, displayName: "\(task.name)\(item.label)", scope: scope, item: item,
                                      boundaryID: ctx.dagID, parentID: taskID, templateScope: ctx.templateScope,
                                      deadline: ctx.deadline, isExitWork: ctx.isExitWork, field: field)
            else {
                allDone = false
                continue
            }
            addChild(taskID, child.id)
            if !child.phase.isFulfilled {
                allDone = false
                active += 1
            } else if child.phase.isFailure, !continues(task.continueOn, child.phase), failure == nil {
                failure = child
            }
        }
        if allDone {
            if let f = failure {
                setPhase(taskID, f.phase == .error ? .error : .failed, message: "child '\(f.id)' \(f.phase == .error ? "errored" : "failed")")
            } else {
                setPhase(taskID, .succeeded)
            }
            if var g = nodes[taskID] {
                g.outboundNodes = (g.children ?? []).flatMap { outboundNodes(of: $0) }
                nodes[taskID] = g
            }
        }
        return nodes[taskID]
    }

    /// The DAG's phase once its targets are done, as Argo decides it: each target takes the
    /// phase of its branch (an omitted task inherits the phase of what it depended on; a
    /// skipped one has completed, as in Argo's `isCompletedPhase`, so its branch is not a
    /// failure); a failed target fails the DAG unless it continues on failure. Nil means
    /// Succeeded.
    func assessDAGPhase(_ st: DAGState, failFast: Bool) -> (NodePhase, String)? {
        var branch = Array(repeating: NodePhase.succeeded, count: st.tasks.count)
        for t in st.topoOrder {
            guard let n = nodes[st.nodeIDs[t]] else {
                branch[t] = .pending
                continue
            }
            switch n.phase {
            case .succeeded, .failed, .error, .skipped:
                branch[t] = n.phase
            default:
                var p = NodePhase.succeeded
                for d in st.deps[t] where branch[d].isFailure {
                    p = branch[d]
                    break
                }
                branch[t] = p
            }
        }
        for t in st.targets {
            let p = branch[t]
            if p.isFailure && !continues(st.tasks[t].continueOn, p) {
                let culprit = failedAncestor(t, st, branch) ?? t
                return (p, "child '\(st.nodeIDs[culprit])' \(p == .error ? "errored" : "failed")")
            }
        }
        if st.failFastTriggered {
            for t in st.topoOrder {
                if let n = nodes[st.nodeIDs[t]], n.phase.isFailure, !continues(st.tasks[t].continueOn, n.phase) {
                    return (n.phase, "child '\(n.id)' \(n.phase == .error ? "errored" : "failed")")
                }
            }
        }
        return nil
    }

    func failedAncestor(_ t: Int, _ st: DAGState, _ branch: [NodePhase]) -> Int? {
        var cur = t
        while true {
            if let n = nodes[st.nodeIDs[cur]], n.phase.isFailure { return cur }
            guard let next = st.deps[cur].first(where: { branch[$0].isFailure }) else { return nil }
            cur = next
        }
    }
}

extension WorkflowStep {
    /// A `when` that names `{{item...}}` is decided per iteration.
    var whenUsesItem: Bool { when?.contains("item") ?? false }
}
