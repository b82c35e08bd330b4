import WorkflowModel

extension WorkflowExecution {
    /// A `steps` template: groups run one after another, the steps of a group in parallel.
    func executeSteps(_ req: ExecRequest, _ resolved: ResolvedTemplate, _ inputs: Inputs) -> NodeStatus? {
        let nid = id(of: req.nodeName)
        if nodes[nid] == nil {
            createNode(name: req.nodeName, displayName: req.displayName, type: .steps, templateName: resolved.name,
                       boundaryID: req.boundaryID, parentID: req.parentID, inputs: inputs, templateRef: resolved.ref)
        }
        let (expired, deadline) = checkDeadline(nid, resolved.template, inherited: req.deadline)
        if expired { return nodes[nid] }
        var scope = localScope(req, inputs: inputs)
        scope.item = nil
        var stepMap: [String: [String]] = [:]
        var loops: Set<String> = []
        let groups = resolved.template.steps ?? []
        for (i, group) in groups.enumerated() {
            let sgName = "\(req.nodeName)[\(i)]"
            let sgID = id(of: sgName)
            if nodes[sgID] == nil {
                createNode(name: sgName, displayName: "[\(i)]", type: .stepGroup, templateName: resolved.name,
                           boundaryID: nid, parentID: nid, templateScope: req.templateScope)
                if i == 0 {
                    addChild(nid, sgID)
                } else {
                    for child in nodes[id(of: "\(req.nodeName)[\(i - 1)]")]?.children ?? [] {
                        for out in outboundNodes(of: child) { addChild(out, sgID) }
                    }
                }
            }
            parentOf[sgID] = nid
            scope.siblings = .steps(map: stepMap, loops: loops)
            let sg = executeStepGroup(group, name: sgName, groupID: sgID, stepsID: nid, req: req, resolved: resolved,
                                      scope: scope, deadline: deadline)
            for step in group.steps where step.withItems != nil || step.withParam != nil || step.withSequence != nil {
                loops.insert(step.name)
            }
            for (stepName, ids) in sg.members { stepMap[stepName] = ids }
            guard sg.node.phase.isFulfilled else { return nodes[nid] }
            if sg.node.phase.isFailure {
                setPhase(nid, sg.node.phase, message: sg.node.message)
                finishComposite(nid)
                return nodes[nid]
            }
        }
        scope.siblings = .steps(map: stepMap, loops: loops)
        let lastChildren = groups.isEmpty ? [] : (nodes[id(of: "\(req.nodeName)[\(groups.count - 1)]")]?.children ?? [])
        if var n = nodes[nid] {
            n.outboundNodes = lastChildren.flatMap { outboundNodes(of: $0) }
            nodes[nid] = n
        }
        completeComposite(nid, template: resolved.template, scope: scope)
        return nodes[nid]
    }

    /// The result of visiting a step group: its node and which nodes each step ran as.
    struct StepGroupVisit {
        var node: NodeStatus
        var members: [String: [String]]
    }

    /// Argo's message on the Skipped node of a loop over an empty list.
    static let emptyLoopMessage = "Skipped, empty params"
    /// Argo's message when a template with `failFast: true` stops after a failed child.
    static let failFastMessage = "template has failed or errored children and failFast enabled"

    func executeStepGroup(_ group: StepGroup, name sgName: String, groupID sgID: String, stepsID: String,
                          req: ExecRequest, resolved: ResolvedTemplate, scope: Scope, deadline: Timestamp?) -> StepGroupVisit
    {
        var members: [String: [String]] = [:]
        guard let sgNode = nodes[sgID] else {
            return StepGroupVisit(node: NodeStatus(id: sgID, name: sgName, displayName: "", type: .stepGroup, phase: .error), members: [:])
        }
        if sgNode.phase.isFulfilled {
            for child in sgNode.children ?? [] {
                guard let c = nodes[child] else { continue }
                members[stepName(ofDisplayName: c.displayName), default: []].append(child)
            }
            return StepGroupVisit(node: sgNode, members: members)
        }
        let limit = resolved.template.parallelism
        // Template `failFast`: once a child failed, no new child starts (those running finish).
        let failFast = resolved.template.failFast == true
        var heldBack = false
        var active = 0
        var allDone = true
        var failures: [NodeStatus] = []
        for (j, step) in group.steps.enumerated() {
            let field = "steps[\(j)] '\(step.name)'"
            let items: [LoopItem]?
            do {
                items = try loopItems(step, scope: scope, field: field)
            } catch {
                setPhase(sgID, .error, message: "\(step.name): \(error.message)")
                finishComposite(sgID)
                return StepGroupVisit(node: nodes[sgID] ?? sgNode, members: members)
            }
            if let items, items.isEmpty {
                // A loop over an empty list: one Skipped node for the step, as Argo makes.
                let name = "\(sgName).\(step.name)"
                let cid = id(of: name)
                if nodes[cid] == nil {
                    _ = createNode(name: name, displayName: step.name, type: .skipped, templateName: step.template,
                                   boundaryID: stepsID, parentID: sgID, phase: .skipped, message: Self.emptyLoopMessage,
                                   templateScope: resolved.scope)
                }
                addChild(sgID, cid)
                members[step.name] = [cid]
                continue
            }
            let expansions: [(name: String, display: String, item: LoopItem?)] = items.map { list in
                list.map { ("\(sgName).\(step.name)\($0.label)", "\(step.name)\($0.label)", $0) }
            } ?? [("\(sgName).\(step.name)", step.name, nil)]
            members[step.name] = []
            for e in expansions {
                let cid = id(of: e.name)
                members[step.name, default: []].append(cid)
                if let existing = nodes[cid], existing.phase.isFulfilled, !dirty.contains(cid), !fullWalk {
                    if existing.phase.isFailure, !continues(step.continueOn, existing.phase) { failures.append(existing) }
                    continue
                }
                if nodes[cid] == nil, failFast, !failures.isEmpty {
                    heldBack = true
                    continue
                }
                if nodes[cid] == nil, let limit, active >= limit {
                    allDone = false
                    continue
                }
                var childScope = scope
                childScope.item = e.item?.value
                let child = runStep(step, nodeName: e.name, displayName: e.display, scope: childScope, item: e.item,
                                    boundaryID: stepsID, parentID: sgID, templateScope: resolved.scope, deadline: deadline,
                                    isExitWork: req.isExitWork, field: field)
                guard let child else {
                    allDone = false
                    continue
                }
                addChild(sgID, child.id)
                if !child.phase.isFulfilled {
                    allDone = false
                    active += 1
                } else if child.phase.isFailure, !continues(step.continueOn, child.phase) {
                    failures.append(child)
                }
            }
        }
        if allDone, heldBack {
            setPhase(sgID, .failed, message: Self.failFastMessage)
            finishComposite(sgID)
        } else if allDone {
            if let f = failures.first {
                setPhase(sgID, f.phase == .error ? .error : .failed, message: "child '\(f.id)' \(f.phase == .error ? "errored" : "failed")")
            } else {
                setPhase(sgID, .succeeded)
            }
            finishComposite(sgID)
        }
        return StepGroupVisit(node: nodes[sgID] ?? sgNode, members: members)
    }

    /// Run one step (or loop iteration, or DAG task): `when` first, then the template.
    func runStep(_ step: WorkflowStep, nodeName: String, displayName: String, scope outer: Scope, item: LoopItem?,
                 boundaryID: String, parentID: String, templateScope: TemplateScope, deadline: Timestamp?,
                 isExitWork: Bool, field: String) -> NodeStatus?
    {
        // `{{steps.name}}` / `{{tasks.name}}`: the current step's or task's own name.
        var scope = outer
        var ownName: (key: String, value: String)?
        switch scope.siblings {
        case .steps: ownName = ("steps.name", step.name)
        case .tasks: ownName = ("tasks.name", step.name)
        case .none: break
        }
        if let ownName { scope.vars[ownName.key] = ownName.value }
        let cid = id(of: nodeName)
        if let existing = nodes[cid], existing.type == .skipped { return existing }
        if nodes[cid] == nil, let when = step.when {
            do {
                if try !evaluateWhen(when, scope: scope, field: "\(field).when") {
                    let resolvedWhen = (try? substitutePartially(when, scope: scope)) ?? when
                    return createNode(name: nodeName, displayName: displayName, type: .skipped, templateName: step.template,
                                      boundaryID: boundaryID, parentID: parentID, phase: .skipped,
                                      message: "when '\(resolvedWhen)' evaluated false", templateRef: step.templateRef,
                                      templateScope: templateScope)
                }
            } catch {
                return createNode(name: nodeName, displayName: displayName, type: .skipped, templateName: step.template,
                                  boundaryID: boundaryID, parentID: parentID, phase: .error, message: error.message,
                                  templateScope: templateScope)
            }
        }
        let args: Arguments
        do {
            args = try resolveArguments(step.arguments, scope: scope, field: "\(field).arguments")
        } catch {
            if let existing = nodes[cid] {
                setPhase(cid, .error, message: error.message)
                return nodes[cid] ?? existing
            }
            return createNode(name: nodeName, displayName: displayName, type: .skipped, templateName: step.template,
                              boundaryID: boundaryID, parentID: parentID, phase: .error, message: error.message)
        }
        var req = ExecRequest(nodeName: nodeName, displayName: displayName, holder: TemplateHolder(step: step),
                              arguments: args, templateScope: templateScope, boundaryID: boundaryID, parentID: parentID)
        req.onExit = step.onExit
        req.hooks = step.hooks
        req.item = item?.value
        req.deadline = deadline
        req.isExitWork = isExitWork
        req.stepScope = scope
        if let ownName { req.extraVariables[ownName.key] = ownName.value }
        return execute(req)
    }

    func continues(_ c: ContinueOn?, _ phase: NodePhase) -> Bool {
        guard let c else { return false }
        if phase == .failed { return c.failed == true }
        if phase == .error { return c.error == true }
        return false
    }

    /// A loop child's display name is `step(0:item)`; the step's name is what precedes `(`.
    func stepName(ofDisplayName d: String) -> String {
        if let i = d.firstIndex(of: "(") { return String(d[..<i]) }
        return d
    }

    /// The nodes a following node hangs under in the tree: a pod itself; a composite's outbound nodes.
    func outboundNodes(of nid: String) -> [String] {
        guard let n = nodes[nid] else { return [nid] }
        switch n.type {
        case .pod, .skipped, .suspend, .container, .http, .plugin:
            return [nid]
        case .taskGroup, .retry:
            let kids = n.children ?? []
            if kids.isEmpty { return [nid] }
            if n.type == .retry, let last = kids.last { return outboundNodes(of: last) }
            return kids.flatMap { outboundNodes(of: $0) }
        case .steps, .dag, .stepGroup:
            if let o = n.outboundNodes, !o.isEmpty { return o }
            return [nid]
        }
    }
}
