import WorkflowModel

extension WorkflowExecution {
    /// Container and script templates: one step (a pod, or a host process locally).
    func executeLeaf(_ req: ExecRequest, _ resolved: ResolvedTemplate, _ inputs: Inputs) -> NodeStatus? {
        let nid = id(of: req.nodeName)
        if let existing = nodes[nid] {
            // pendingTimeout: a step whose pod is still Pending that long fails (Argo 4.1).
            if existing.phase == .pending, let text = resolved.template.pendingTimeout, let secs = Durations.seconds(text),
               let start = existing.startedAt {
                let limit = start.adding(secs)
                if now >= limit {
                    let message = "Pod was pending for longer than its pendingTimeout (\(text))"
                    actions.append(.stopStep(nodeID: nid, reason: message))
                    setPhase(nid, .failed, message: message)
                    return nodes[nid]
                }
                wake(nid, at: limit)
            }
            // The step's own deadline stays armed whatever woke it earlier.
            if !existing.phase.isFulfilled, let d = deadlines[nid], d > now { wake(nid, at: d) }
            if !existing.phase.isFulfilled, let deadline = wakeAt[nid] ?? deadlines[nid], deadline <= now {
                actions.append(.stopStep(nodeID: nid, reason: "Step exceeded its deadline"))
                setPhase(nid, .failed, message: "Step exceeded its deadline")
                publishGlobalOutputs(of: nid)
            }
            return nodes[nid]
        }
        if workflowFailure != nil, !req.isExitWork {
            return nil
        }
        guard hasStepSlot(req) else { return nil }
        let podName = NodeNaming.podName(workflow: name, nodeName: req.nodeName, templateName: resolved.name)
        var scope = localScope(req, inputs: inputs, podName: podName)
        // `{{outputs.artifacts.NAME.path}}` and `{{outputs.parameters.NAME.path}}`: where the
        // step should write its outputs.
        for a in resolved.template.outputs?.artifacts ?? [] {
            if let path = a.path { scope.vars["outputs.artifacts.\(a.name).path"] = (try? substitute(path, scope: scope, field: "outputs")) ?? path }
        }
        for p in resolved.template.outputs?.parameters ?? [] {
            if let path = p.valueFrom?.path { scope.vars["outputs.parameters.\(p.name).path"] = (try? substitute(path, scope: scope, field: "outputs")) ?? path }
        }
        let launch: StepLaunch
        do {
            launch = try buildLaunch(req, resolved, inputs, scope: scope, podName: podName, nodeID: nid)
        } catch {
            return errorNode(req, resolved: resolved, message: error.message)
        }
        let node = createStepNode(req, resolved, inputs)
        let globals = launch.outputParameters.compactMap { p in p.globalName.map { (p.name, $0) } }
            + launch.outputArtifacts.compactMap { a in a.artifact.globalName.map { (WorkflowExecution.artifactGlobalKey(a.artifact.name), $0) } }
        if !globals.isEmpty { declaredGlobals[launch.nodeID] = Dictionary(globals, uniquingKeysWith: { a, _ in a }) }
        actions.append(.startStep(launch))
        if let d = launch.deadline {
            deadlines[nid] = d
            wake(nid, at: d)
        }
        return node
    }

    /// Whether `spec.parallelism` leaves room for one more step; if not, the parent waits
    /// (it is visited again when a step finishes).
    func hasStepSlot(_ req: ExecRequest) -> Bool {
        if let limit = spec.parallelism, activePods >= limit {
            if let p = req.parentID { blocked.insert(p) }
            return false
        }
        return true
    }

    /// The Pending node of a step a runtime carries out (a pod, or a resource step), counted
    /// as active for `parallelism`.
    func createStepNode(_ req: ExecRequest, _ resolved: ResolvedTemplate, _ inputs: Inputs) -> NodeStatus {
        var node = createNode(name: req.nodeName, displayName: req.displayName, type: .pod, templateName: resolved.name,
                              boundaryID: req.boundaryID, parentID: req.parentID, phase: .pending,
                              inputs: inputs, templateRef: resolved.ref)
        node.startedAt = now
        nodes[node.id] = node
        activePods += 1
        // A pod that is never observed again (never scheduled) must still time out.
        if let text = resolved.template.pendingTimeout, let secs = Durations.seconds(text) { wake(node.id, at: now.adding(secs)) }
        return node
    }

    func buildLaunch(_ req: ExecRequest, _ resolved: ResolvedTemplate, _ inputs: Inputs, scope: Scope,
                     podName: String, nodeID: String) throws(EngineFailure) -> StepLaunch
    {
        var t = resolved.template
        if let c = t.container { t.container = try substitute(c, scope: scope, field: "container") }
        if let s = t.script { t.script = try substitute(s, scope: scope, field: "script") }
        if let v = t.volumes { t.volumes = try v.map { (x) throws(EngineFailure) in try substitute(x, scope: scope, field: "volumes") } }
        if let p = t.podSpecPatch { t.podSpecPatch = try substitute(p, scope: scope, field: "podSpecPatch") }
        if let m = t.metadata { t.metadata = try substitute(m, scope: scope, field: "metadata") }

        var inputArtifacts: [InputArtifact] = []
        for a in inputs.artifacts ?? [] {
            guard let rawPath = a.path else {
                throw EngineFailure("inputs.artifacts.\(a.name) has no path; say where the step reads it")
            }
            let path = try substitute(rawPath, scope: scope, field: "inputs.artifacts.\(a.name).path")
            let source: InputArtifact.Source
            var location: S3Location?
            if let key = a.key {
                source = .stored(key: key)
                // Stored in a location of its own when the producer's record says so.
                if a.s3?["key"]?.stringValue == key { location = try s3Location(a.s3, field: "inputs.artifacts.\(a.name).s3") }
            } else if let raw = a.raw {
                source = .raw(data: try substitute(raw.data, scope: scope, field: "inputs.artifacts.\(a.name).raw.data"))
            } else if let http = a.http {
                source = .http(url: try substitute(http.url, scope: scope, field: "inputs.artifacts.\(a.name).http.url"),
                               headers: http.headers ?? [])
            } else if let raw = a.s3 {
                // `s3: {key}` reads that key of the artifact repository; with a `bucket`, the
                // object of that bucket.
                let s3 = try substitute(raw, scope: scope, field: "inputs.artifacts.\(a.name).s3")
                guard let k = s3["key"]?.scalarText, !k.isEmpty else {
                    throw EngineFailure("inputs.artifacts.\(a.name).s3.key is missing; name the object to read")
                }
                source = .stored(key: k)
                location = try s3Location(s3, field: "inputs.artifacts.\(a.name).s3")
            } else if a.optional == true {
                source = .none
            } else if a.gcs != nil || a.git != nil || a.hdfs != nil || a.oss != nil || a.azure != nil || a.artifactory != nil {
                throw EngineFailure("inputs.artifacts.\(a.name): this artifact repository kind is not supported yet; use raw, http or an artifact from an earlier step")
            } else {
                throw EngineFailure("inputs.artifacts.\(a.name) was not supplied; pass it with `from`, `raw` or `http`, or mark it optional")
            }
            var input = InputArtifact(name: a.name, path: path, source: source, mode: a.mode)
            input.location = location
            input.unzip = a.archive?.zip != nil
            input.optional = a.optional ?? false
            input.recurseMode = a.recurseMode ?? false
            if let sub = a.subPath {
                input.subPath = try substitute(sub, scope: scope, field: "inputs.artifacts.\(a.name).subPath")
            }
            inputArtifacts.append(input)
        }

        var outputArtifacts: [OutputArtifact] = []
        for a in t.outputs?.artifacts ?? [] {
            guard let rawPath = a.path else {
                throw EngineFailure("outputs.artifacts.\(a.name) has no path; say which file or directory to save")
            }
            let path = try substitute(rawPath, scope: scope, field: "outputs.artifacts.\(a.name).path")
            let archive = a.archive?.none == nil
            // The namespace first: same-named workflows of two namespaces keep apart.
            var key = try keyBase(podName: podName, scope: scope) + "/\(a.name)" + (archive ? ".tgz" : "")
            var location: S3Location?
            if let raw = a.s3 {
                // `s3: {key}` stores under that key of the repository, as given; with a
                // `bucket`, as that object of that bucket.
                let s3 = try substitute(raw, scope: scope, field: "outputs.artifacts.\(a.name).s3")
                location = try s3Location(s3, field: "outputs.artifacts.\(a.name).s3")
                guard let k = s3["key"]?.scalarText, !k.isEmpty else {
                    throw EngineFailure("outputs.artifacts.\(a.name).s3.key is missing; name the object to store it as, e.g. key: \"{{workflow.name}}/\(a.name).tgz\"")
                }
                key = k
            }
            var output = OutputArtifact(artifact: a, path: path, key: key, archive: archive, optional: a.optional ?? false)
            output.location = location
            outputArtifacts.append(output)
        }

        var outputParameters: [Parameter] = []
        for p in t.outputs?.parameters ?? [] {
            var q = p
            if let path = p.valueFrom?.path {
                q.valueFrom?.path = try substitute(path, scope: scope, field: "outputs.parameters.\(p.name).valueFrom.path")
            }
            outputParameters.append(q)
        }

        var deadline = req.deadline
        if let ts = t.timeout {
            let text = try substitute(ts, scope: scope, field: "timeout")
            guard let secs = WorkflowExecution.parseDuration(text) else {
                throw EngineFailure(Durations.problem(text, field: "timeout") ?? "timeout '\(text)' is not a duration")
            }
            deadline = min(deadline ?? now.adding(secs), now.adding(secs))
        }
        if let ads = t.activeDeadlineSeconds {
            let secs: Double
            switch ads {
            case .int(let i): secs = Double(i)
            case .string(let s):
                let text = try substitute(s, scope: scope, field: "activeDeadlineSeconds")
                guard let v = Double(text) else { throw EngineFailure("activeDeadlineSeconds '\(text)' is not a number of seconds") }
                secs = v
            }
            deadline = min(deadline ?? now.adding(secs), now.adding(secs))
        }
        var launch = StepLaunch(nodeID: nodeID, nodeName: req.nodeName, displayName: req.displayName, podName: podName,
                                template: t, inputArtifacts: inputArtifacts, outputArtifacts: outputArtifacts,
                                outputParameters: outputParameters, deadline: deadline, captureResult: resultMayBeRead)
        launch.avoidNodes = req.avoidNodes
        if archivesLogs(t) { launch.logKey = try keyBase(podName: podName, scope: scope) + "/main.log" }
        return launch
    }

    /// Where a step's artifacts go in the repository: its `keyFormat` resolved (Argo's
    /// variables, `pod.name` and `workflow.creationTimestamp.*` among them), else
    /// `NAMESPACE/WORKFLOW/POD`, the namespace first so that same-named workflows of two
    /// namespaces keep apart.
    func keyBase(podName: String, scope: Scope) throws(EngineFailure) -> String {
        guard let format = wfStatus.artifactRepositoryRef?["artifactRepository"]?["s3"]?["keyFormat"]?.stringValue, !format.isEmpty else {
            return "\(workflow.metadata.namespace ?? "default")/\(name)/\(podName)"
        }
        var withPod = scope
        withPod.vars["pod.name"] = podName
        var key = try substitute(format, scope: withPod, field: "the artifact repository's keyFormat")
        while key.hasSuffix("/") { key.removeLast() }
        while key.hasPrefix("/") { key.removeFirst() }
        guard !key.isEmpty, !key.split(separator: "/").contains("..") else {
            throw EngineFailure("the artifact repository's keyFormat '\(format)' gives the key '\(key)', which is not a relative path")
        }
        return key
    }

    /// Argo's rule: the repository's `archiveLogs: true` always; otherwise the template's
    /// `archiveLocation.archiveLogs`, else the workflow's `spec.archiveLogs`.
    func archivesLogs(_ t: Template) -> Bool {
        if archiveLogsByDefault { return true }
        if case .bool(let b)? = t.archiveLocation?["archiveLogs"] { return b }
        return spec.archiveLogs ?? false
    }
}

extension WorkflowExecution {
    /// An artifact's own S3 location, problems as the node's error.
    func s3Location(_ s3: JSONValue?, field: String) throws(EngineFailure) -> S3Location? {
        do {
            return try S3Location.parse(s3, field: field)
        } catch {
            throw EngineFailure(error.description)
        }
    }
}
