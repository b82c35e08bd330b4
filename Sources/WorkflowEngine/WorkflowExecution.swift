public import WorkflowModel
import WorkflowExpressions

/// One workflow's execution state. Deterministic: the same workflow, observations and times
/// give the same status and actions. It keeps caches between reconciles (DAG bookkeeping,
/// which nodes changed) so a reconcile costs what changed, not the size of the workflow; a
/// fresh instance rebuilds them from the status with one full walk.
public final class WorkflowExecution {
    public let workflow: Workflow
    let spec: WorkflowSpec
    let library: TemplateLibrary
    let name: String

    var nodes: [String: NodeStatus]
    var wfStatus: WorkflowStatus
    var now = Timestamp(seconds: 0)
    var actions: [Action] = []

    /// Nodes to re-visit this reconcile (a descendant changed or a timer fired).
    var dirty: Set<String> = []
    /// Running resource nodes whose work the runtime lost (a restarted controller): their
    /// next visit emits `.runResource` again, with `resumed` set.
    var relaunchResourceNodes: Set<String> = []

    /// Asks for a running resource node's launch again at the next reconcile.
    public func relaunchResource(nodeID: String) {
        relaunchResourceNodes.insert(nodeID)
        dirty.insert(nodeID)
    }

    /// Resource nodes asked for by `relaunchResource` that the last reconcile did not reach;
    /// the requests are dropped.
    public func takeResourceNodesNotRelaunched() -> Set<String> {
        defer { relaunchResourceNodes = [] }
        return relaunchResourceNodes
    }
    /// First reconcile of this instance: visit every unfinished node to rebuild caches.
    var fullWalk = true
    /// Who executes whom: child node id → the node whose visit re-executes it.
    var parentOf: [String: String] = [:]
    /// Timers: node id → when to visit it again.
    var wakeAt: [String: Timestamp] = [:]
    /// Step deadlines (timeout / activeDeadlineSeconds), by node id.
    var deadlines: [String: Timestamp] = [:]
    var dagStates: [String: DAGState] = [:]
    /// Scopes that could not start a child for lack of a parallelism slot.
    var blocked: Set<String> = []
    /// Suspend nodes resumed by an observation, finished by their template on the next visit.
    var resumedSuspends: Set<String> = []
    var activePods = 0
    var globalParameters: [String: String] = [:]
    /// Output parameter name (or `artifactGlobalKey` of an artifact's) → `globalName`, for steps
    /// started by this execution: a runtime reports values by name only.
    var declaredGlobals: [String: [String: String]] = [:]
    static func artifactGlobalKey(_ name: String) -> String { "artifacts/" + name }

    /// The `globalName`s a node's template declares for its outputs (as `declaredGlobals` keeps them).
    func templateGlobals(of node: NodeStatus) -> [String: String]? {
        guard let outputs = declaredTemplate(of: node)?.outputs else { return nil }
        var out: [String: String] = [:]
        for p in outputs.parameters ?? [] { if let g = p.globalName, !g.contains("{{") { out[p.name] = g } }
        for a in outputs.artifacts ?? [] { if let g = a.globalName, !g.contains("{{") { out[Self.artifactGlobalKey(a.name)] = g } }
        return out.isEmpty ? nil : out
    }
    /// Hooks already fired (node name of the hook node).
    var firedHooks: Set<String> = []
    /// Every parent → child link in `nodes`, so adding one is O(1) even for wide fan-outs.
    var links: Set<NodeLink> = []
    /// Workflow-level failure that ends the run early (deadline, stop).
    var workflowFailure: (phase: NodePhase, message: String)?
    /// A stop asked for (`spec.shutdown: Stop`), applied by the next reconcile.
    var stopRequest: String?
    /// Templates being executed inside one another right now (recursion guard).
    var executeDepth = 0
    /// `workflow.status` and `workflow.failures`, once the exit handler runs.
    var exitGlobals: [String: String] = [:]
    /// `workflow.creationTimestamp.*` (see `Strftime`), made once the creation time is known.
    var creationTimeVariables: [String: String]?
    /// Whether any step's `outputs.result` could be read (decided once, see `resultMayBeRead`).
    var resultReadCache: Bool?
    /// Argo's limit on nested templates; deeper recursion fails the node instead of the process.
    static let maxDepth = 100
    /// Most items one loop may expand to: more would be a mistake, and would exhaust memory.
    static let maxLoopItems = 100_000

    /// What `valueFrom.configMapKeyRef` reads (see `ConfigMapData`).
    let configMaps: ConfigMapData
    /// A problem found before the first step (a global parameter's ConfigMap is missing):
    /// the workflow ends in Error before it starts.
    var startFailure: String?
    /// `TRANSIENT_ERROR_PATTERN` of the runtime's environment: messages it matches count as
    /// transient for `retryPolicy: OnTransientError`, as in Argo.
    public var transientErrorPattern: String?
    /// The runtime's artifact repository says `archiveLogs: true`: every step's log is
    /// archived, whatever the workflow and its templates say (as in Argo).
    public var archiveLogsByDefault = false
    /// Set by the controller when `artifactGC` may collect something (`ArtifactGC.isNeeded`).
    public var needsArtifactGCFinalizer = false
    /// The started workflow's labels and annotations (see `resolvedMetadata`).
    var metadataCache: WorkflowMetadataValues?

    public init(workflow: Workflow, library: TemplateLibrary = TemplateLibrary(), configMaps: ConfigMapData = ConfigMapData()) {
        self.workflow = workflow
        self.library = library
        self.configMaps = configMaps
        self.name = workflow.metadata.name ?? "workflow"
        var spec = workflow.spec
        if let ref = spec.workflowTemplateRef, let base = library.lookup(ref.name, clusterScope: ref.clusterScope ?? false) {
            spec = WorkflowExecution.merge(workflowSpec: spec, onto: base.spec)
        }
        self.spec = spec
        self.wfStatus = workflow.status ?? WorkflowStatus()
        self.nodes = wfStatus.nodes ?? [:]
        wfStatus.nodes = nil
        for p in spec.arguments?.parameters ?? [] {
            var value = p.value?.value
            if value == nil, let ref = p.valueFrom?.configMapKeyRef {
                switch configMaps.lookup(ref) {
                case .value(let v): value = v
                case .missing(let why):
                    value = p.valueFrom?.default?.value
                    if value == nil, startFailure == nil {
                        startFailure = "failed to set global parameter \(p.name) from ConfigMap: \(why) (fix: create it in the workflow's namespace, or set valueFrom.default)"
                    }
                }
            }
            globalParameters["workflow.parameters.\(p.name)"] = value ?? p.default?.value ?? ""
        }
        for p in wfStatus.outputs?.parameters ?? [] {
            globalParameters["workflow.outputs.parameters.\(p.name)"] = p.value?.value ?? ""
        }
        for n in nodes.values {
            for c in n.children ?? [] { links.insert(NodeLink(parent: n.id, child: c)) }
        }
        for n in nodes.values where n.type == .pod {
            if !n.phase.isFulfilled, n.startedAt != nil { activePods += 1 }
        }
    }

    /// Conservatively, whether anything in the workflow (or a template it may reference)
    /// could read a step's `result`: true when the word `result` appears in any string of
    /// the spec or the template library. When false, runtimes need not capture stdout,
    /// and the controller can run steps without the executor.
    var resultMayBeRead: Bool {
        if let cached = resultReadCache { return cached }
        /// "result" in the text, by its bytes (the generic `contains` was a fifth of a 10,000-task DAG's run).
        func hasResult(_ text: String) -> Bool {
            let needle: [UInt8] = Array("result".utf8)
            var matched = 0
            for b in text.utf8 {
                if b == needle[matched] {
                    matched += 1
                    if matched == needle.count { return true }
                } else {
                    matched = b == needle[0] ? 1 : 0
                }
            }
            return false
        }
        func mentions(_ v: JSONValue) -> Bool {
            switch v {
            case .string(let s): return hasResult(s)
            case .array(let a): return a.contains(where: mentions)
            case .object(let o): return o.contains { hasResult($0.key) || mentions($0.value) }
            default: return false
            }
        }
        var found = true
        if let encoded = try? JSONValueEncoding.encode(spec) {
            found = mentions(encoded)
            for t in library.namespaced.values where !found {
                found = (try? JSONValueEncoding.encode(t.spec)).map(mentions) ?? true
            }
            for t in library.clusterScoped.values where !found {
                found = (try? JSONValueEncoding.encode(t.spec)).map(mentions) ?? true
            }
        }
        resultReadCache = found
        return found
    }

    /// The current status, with nodes and progress.
    public var status: WorkflowStatus {
        var s = wfStatus
        let p = progressed()
        s.nodes = nodes.isEmpty ? nil : p.nodes
        s.progress = p.workflow.text
        return s
    }

    public var phase: WorkflowPhase { wfStatus.phase ?? .unknown }

    /// Records where the runtime keeps the workflow's artifacts (`status.artifactRepositoryRef`),
    /// once: a workflow keeps the repository it started with.
    public func recordArtifactRepository(_ ref: JSONValue) {
        if wfStatus.artifactRepositoryRef == nil { wfStatus.artifactRepositoryRef = ref }
    }

    /// `status.artifactRepositoryRef`: where the workflow's artifacts go.
    public var artifactRepositoryRef: JSONValue? { wfStatus.artifactRepositoryRef }

    public func node(named nodeName: String) -> NodeStatus? { nodes[id(of: nodeName)] }

    public func node(id: String) -> NodeStatus? { nodes[id] }

    func id(of nodeName: String) -> String { NodeNaming.nodeID(workflow: name, nodeName: nodeName) }

    /// One reconcile: apply what was observed, advance the workflow, and say what to do next.
    public func reconcile(observations: [Observation], now: Timestamp) -> [Action] {
        self.now = now
        actions = []
        if phase.isCompleted { return [] }
        if wfStatus.startedAt == nil {
            wfStatus.startedAt = now
        }
        if wfStatus.phase == nil || wfStatus.phase == .unknown || wfStatus.phase == .pending {
            wfStatus.phase = .running
        }
        for o in observations { apply(o) }
        for (id, t) in wakeAt where t <= now {
            wakeAt[id] = nil
            markDirty(id)
        }
        checkWorkflowDeadline()
        applyStopRequest()
        advance()
        fullWalk = false
        dirty.removeAll(keepingCapacity: true)
        if !phase.isCompleted, let next = wakeAt.values.min() {
            actions.append(.requeue(after: max(0, next.seconds - now.seconds)))
        }
        return actions
    }

    /// Mark a node and every node above it for a visit.
    func markDirty(_ id: String) {
        var cur: String? = id
        while let c = cur, dirty.insert(c).inserted {
            cur = parentOf[c]
        }
    }

    func wake(_ id: String, at t: Timestamp) {
        if let existing = wakeAt[id], existing <= t { return }
        wakeAt[id] = t
    }

    // MARK: - Nodes

    @discardableResult
    func createNode(name nodeName: String, displayName: String, type: NodeType, templateName: String?,
                    boundaryID: String?, parentID: String?, phase: NodePhase = .running,
                    message: String? = nil, inputs: Inputs? = nil, templateRef: TemplateRef? = nil,
                    templateScope: TemplateScope? = nil) -> NodeStatus
    {
        let nid = id(of: nodeName)
        var n = NodeStatus(id: nid, name: nodeName, displayName: displayName, type: type, phase: phase)
        // As Argo's node: the step's `template`, which a `templateRef` step does not have.
        n.templateName = templateRef == nil ? templateName : nil
        n.templateRef = templateRef
        n.templateScope = templateScope.map(scopeLabel)
        n.boundaryID = boundaryID
        n.message = message
        n.inputs = (inputs?.parameters ?? []).isEmpty && (inputs?.artifacts ?? []).isEmpty ? nil : inputs
        n.startedAt = now
        if phase.isFulfilled { n.finishedAt = now }
        nodes[nid] = n
        if let p = parentID { parentOf[nid] = p }
        return n
    }

    /// A node's `templateScope` as Argo writes it: where its template name is looked up
    /// (`local/WORKFLOW`, `namespaced/NAME` or `cluster/NAME`).
    func scopeLabel(_ s: TemplateScope) -> String { s.label ?? "local/\(name)" }

    /// Record a phase change; finishing a pod frees a parallelism slot.
    func setPhase(_ nid: String, _ phase: NodePhase, message: String? = nil) {
        guard var n = nodes[nid] else { return }
        let old = n.phase
        if old == phase, message == nil || message == n.message { return }
        n.phase = phase
        if let message { n.message = message }
        if phase.isFulfilled, n.finishedAt == nil { n.finishedAt = now }
        nodes[nid] = n
        if n.type == .pod, old != phase {
            if phase.isFulfilled, !old.isFulfilled {
                activePods = max(0, activePods - 1)
                releaseSlot()
            }
        }
    }

    func addChild(_ parentID: String, _ childID: String) {
        guard nodes[parentID] != nil, links.insert(NodeLink(parent: parentID, child: childID)).inserted else { return }
        // Appended in place: copying the node out and back would copy its children each time.
        if nodes[parentID]?.children == nil { nodes[parentID]?.children = [] }
        nodes[parentID]?.children?.append(childID)
    }

    func releaseSlot() {
        guard !blocked.isEmpty else { return }
        let scopes = blocked
        blocked.removeAll()
        for s in scopes { markDirty(s) }
    }

    // MARK: - Observations

    func apply(_ o: Observation) {
        switch o.kind {
        case .step(let phase, let exitCode, let outputs, let message, let startedAt, let finishedAt):
            guard let nid = o.nodeID, var n = nodes[nid], !n.phase.isFulfilled else { return }
            if let startedAt { n.startedAt = startedAt }
            // A message about waiting (ContainerCreating...) does not outlive the wait.
            if message == nil, phase != n.phase { n.message = nil }
            if phase.isFulfilled {
                var out = outputs ?? n.outputs ?? Outputs()
                if let exitCode { out.exitCode = String(exitCode) }
                // The globalNames the step's template declares; after a restart, read from the template again.
                if let globals = declaredGlobals.removeValue(forKey: nid) ?? templateGlobals(of: n) {
                    if var ps = out.parameters {
                        for i in ps.indices where ps[i].globalName == nil { ps[i].globalName = globals[ps[i].name] }
                        out.parameters = ps
                    }
                    if var arts = out.artifacts {
                        for i in arts.indices where arts[i].globalName == nil {
                            arts[i].globalName = globals[Self.artifactGlobalKey(arts[i].name)]
                        }
                        out.artifacts = arts
                    }
                }
                n.outputs = out.isEmpty ? nil : out
                n.finishedAt = finishedAt ?? now
            }
            nodes[nid] = n
            setPhase(nid, phase, message: message)
            if phase.isFulfilled {
                wakeAt[nid] = nil
                publishGlobalOutputs(of: nid)
            }
            markDirty(nid)
        case .resume(let parameters):
            let targets = o.nodeID.map { [$0] } ?? nodes.values.filter { $0.type == .suspend && !$0.phase.isFulfilled }.map(\.id)
            for nid in targets {
                guard var n = nodes[nid], n.type == .suspend, !n.phase.isFulfilled else { continue }
                n.outputs = suppliedOutputs(of: n, parameters)
                nodes[nid] = n
                // The suspend template finishes the node on its next visit (this reconcile),
                // where its outputs' defaults can be resolved in the step's own scope.
                resumedSuspends.insert(nid)
                wakeAt[nid] = nil
                markDirty(nid)
            }
        case .placed(let host, let ip):
            guard let nid = o.nodeID, var n = nodes[nid] else { return }
            if let host, !host.isEmpty { n.hostNodeName = host }
            if let ip, !ip.isEmpty { n.podIP = ip }
            nodes[nid] = n
        case .progress(let text):
            // Only a valid N/M (0 ≤ N ≤ M, M > 0) of an executable node, as Argo takes it; other text is ignored.
            guard let nid = o.nodeID, var n = nodes[nid], Self.isExecutable(n.type), let p = Progress(text),
                  n.progress != p.text else { return }
            n.progress = p.text
            nodes[nid] = n
            markDirty(nid)
        case .fail(let message):
            guard let nid = o.nodeID, nodes[nid] != nil else { return }
            setPhase(nid, .failed, message: message)
            markDirty(nid)
        }
    }
}

struct NodeLink: Hashable {
    var parent: String
    var child: String
}
