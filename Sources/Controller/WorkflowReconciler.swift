import Foundation
import Prometheus
import KubeAPI
import KubeClient
import Logging
import SkeinJSON
import Synchronization
import WorkflowEngine
import WorkflowModel

/// One workflow's reconcile: observe (its pods and task results, from the informers) →
/// engine → perform (create and delete pods, write the status). Only the worker holding a
/// workflow's key runs it, so a workflow's state is never touched by two at once.
final class WorkflowReconciler: Sendable {
    let client: KubeClient
    let settings: ControllerSettings
    let informers: ControllerInformers
    let builder: PodBuilder
    let statusWriter: StatusWriter
    let logger: Logger
    let metrics: ControllerMetrics
    let requeue: @Sendable (String, Duration) -> Void
    private let states = Mutex<[String: WorkflowState]>([:])

    init(client: KubeClient, settings: ControllerSettings, informers: ControllerInformers, logger: Logger,
         metrics: ControllerMetrics, requeue: @escaping @Sendable (String, Duration) -> Void) {
        self.metrics = metrics
        self.client = client
        self.settings = settings
        self.informers = informers
        self.logger = logger
        self.requeue = requeue
        builder = PodBuilder(settings: .init(executorImage: settings.executorImage,
                                             executorImagePullPolicy: settings.executorImagePullPolicy,
                                             group: settings.group, artifactVolume: settings.artifactVolume))
        statusWriter = StatusWriter(client: client, resource: settings.workflows)
    }

    /// Workflows the controller holds state for (live or finished).
    var trackedCount: Int { states.withLock { $0.count } }

    static func clock() -> Timestamp { Timestamp(seconds: Date().timeIntervalSince1970) }

    func reconcile(_ key: String) async throws {
        guard let object = informers.workflows.store.get(key), object["metadata"]?["deletionTimestamp"] == nil else {
            states.withLock { _ = $0.removeValue(forKey: key) }
            return
        }
        let uid = object.uid ?? ""
        let state: WorkflowState = states.withLock { s in
            if let existing = s[key], existing.uid == uid { return existing }
            let fresh = WorkflowState(uid: uid)
            s[key] = fresh
            return fresh
        }
        if state.finished {
            try await cleanUp(object, key: key, state: state)
            return
        }
        if state.execution == nil {
            if let phase = object["status"]?["phase"]?.stringValue, ["Succeeded", "Failed", "Error"].contains(phase) {
                state.finished = true
                try await cleanUp(object, key: key, state: state)
                return
            }
            if settings.parallelism > 0 {
                let running = states.withLock { $0.values.filter { $0.execution != nil && !$0.finished }.count }
                if running >= settings.parallelism {
                    let message = "waiting: \(running) workflows are running, the most the controller runs at once (--parallelism)"
                    if object["status"]?["message"]?.stringValue != message {
                        var status = WorkflowStatus()
                        status.phase = .pending
                        status.message = message
                        try await statusWriter.write(StatusWriter.encode(status), onto: object)
                    }
                    requeue(key, .milliseconds(500))
                    return
                }
            }
            switch await prepare(object, key: key) {
            case .invalid(let message):
                try await writeInvalid(object, message: message)
                state.finished = true
                logger.info("workflow is invalid", metadata: ["workflow": "\(key)", "error": "\(message)"])
                return
            case .ready(let execution):
                state.execution = execution
                state.lastStatus = object["status"]
            }
        }
        guard let execution = state.execution else { return }
        let namespace = object.namespace ?? "default"
        // Lifecycle fields are read from the live object: users change them while it runs.
        let shutdown = object["spec"]?["shutdown"]?.stringValue
        if object["spec"]?["suspend"] == .bool(true), shutdown == nil {
            // Suspended: nothing new starts; what runs goes on, and is observed on resume.
            return
        }

        // Observe.
        let finishedSeen = metrics.takeFinishedSeen(workflow: key)
        var observations = state.pending
        state.pending = []
        var podByNode: [String: JSONValue] = [:]
        for pod in informers.pods.store.byIndex(ControllerInformers.byWorkflow, key) {
            guard let nid = pod.annotations[settings.nodeIDAnnotation] else { continue }
            podByNode[nid] = pod
            state.seenPods.insert(nid)
            state.podNames[nid] = pod.name
        }
        for (nid, pod) in podByNode {
            guard let node = execution.node(id: nid), !node.phase.isFulfilled else { continue }
            let result = informers.taskResults.store.get(namespace: namespace, name: nid)
            let o = StepObservation.observe(nodeID: nid, pod: pod, taskResult: result)
            if case .step(let phase, _, _, let message, _, _) = o.kind, phase == node.phase, !phase.isFulfilled,
               message == nil || message == node.message {
                continue
            }
            observations.append(o)
        }
        for nid in state.seenPods where podByNode[nid] == nil {
            state.seenPods.remove(nid)
            if let node = execution.node(id: nid), !node.phase.isFulfilled {
                observations.append(PodObservation.observe(nodeID: nid, pod: nil))
            }
        }
        if state.firstReconcile {
            // Pods that went away while no controller was watching.
            for node in execution.status.nodes?.values.map({ $0 }) ?? [] where node.type == .pod && !node.phase.isFulfilled {
                if podByNode[node.id] == nil { observations.append(PodObservation.observe(nodeID: node.id, pod: nil)) }
            }
            state.firstReconcile = false
        }

        // Decide.
        let now = WorkflowReconciler.clock()
        let actions: [Action]
        if shutdown == "Terminate" {
            // Stop everything now; no exit handler.
            actions = LargeStack.run { execution.terminate(message: "Stopped with strategy 'Terminate'", now: now) }
        } else {
            // Stop: stop the steps, then run the exit handler.
            if shutdown == "Stop" { execution.requestStop(message: "Stopped with strategy 'Stop'") }
            actions = LargeStack.run { execution.reconcile(observations: observations, now: now) }
        }

        // Perform.
        var launches = Array(state.unstarted.values)
        state.unstarted = [:]
        var finishedNow = false
        for action in actions {
            switch action {
            case .startStep(let launch): launches.append(launch)
            case .stopStep(let nodeID, _), .deleteStepPod(let nodeID):
                if let name = state.podNames[nodeID] { await deletePod(name, namespace: namespace) }
            case .requeue(let after):
                requeue(key, .milliseconds(Int64(max(0, after) * 1000) + 1))
            case .runResource(let nodeID, _):
                state.pending.append(.step(nodeID, phase: .error,
                                           message: "resource templates are not run by the controller yet"))
            case .workflowFinished:
                finishedNow = true
            }
        }
        if !launches.isEmpty && !state.claimsCreated {
            // volumeClaimTemplates: the workflow's claims exist before its first pod.
            for claim in builder.claims(of: execution.workflow) {
                do {
                    _ = try await client.create(.persistentVolumeClaims, claim, namespace: namespace)
                } catch KubeError.alreadyExists {
                } catch let e as KubeError {
                    if case .invalid(let s) = e {
                        for l in launches { state.pending.append(.step(l.nodeID, phase: .error, message: "volumeClaimTemplates: \(s.message)")) }
                        launches = []
                        break
                    }
                    // Try again on the next reconcile, with these steps still to start.
                    for l in launches { state.unstarted[l.nodeID] = l }
                    throw e
                }
            }
            state.claimsCreated = true
        }
        if !launches.isEmpty {
            let workflow = execution.workflow
            let outcomes = await withTaskGroup(of: (StepLaunch, CreateOutcome).self) { group in
                for launch in launches {
                    group.addTask { (launch, await self.createPod(launch, workflow: workflow, namespace: namespace)) }
                }
                var all: [(StepLaunch, CreateOutcome)] = []
                for await o in group { all.append(o) }
                return all
            }
            if let seen = finishedSeen, outcomes.contains(where: { if case .created = $0.1 { true } else { false } }) {
                metrics.stepStartLatency.record(ContinuousClock.now - seen)
            }
            for (launch, outcome) in outcomes {
                state.podNames[launch.nodeID] = launch.podName
                switch outcome {
                case .created: break
                case .failed(let message):
                    state.pending.append(.step(launch.nodeID, phase: .error, message: message))
                case .retry:
                    state.unstarted[launch.nodeID] = launch
                }
            }
        }

        if execution.phase.isCompleted { finishedNow = true }
        // Record.
        let status = StatusWriter.encode(execution.status, cache: &state.nodeCache)
        if status != state.lastStatus {
            try await statusWriter.write(status, onto: object)
            state.lastStatus = status
        }
        if finishedNow {
            // Only once the final status is stored (a failed write comes back here); then the
            // execution is no longer needed.
            state.finished = true
            state.execution = nil
            state.nodeCache = StatusWriter.NodeCache()
            state.podNames = [:]
            state.seenPods = []
            var stored = object
            stored.set(path: ["status"], to: status)
            try await cleanUp(stored, key: key, state: state)
            return
        }
        // podGC OnPodCompletion / OnPodSuccess: finished steps' pods go (after the delay).
        let policy = CleanupPolicy(spec: object["spec"])
        if policy.podStrategy == .onPodCompletion || policy.podStrategy == .onPodSuccess {
            for (nid, pod) in podByNode where pod["metadata"]?["deletionTimestamp"] == nil {
                guard let node = execution.node(id: nid), policy.deletesPod(afterStep: node.phase, labels: pod.labels),
                      let name = pod.name else { continue }
                let due = (node.finishedAt?.seconds ?? now.seconds) + policy.podDelay
                if due <= now.seconds {
                    await deletePod(name, namespace: namespace)
                } else {
                    requeue(key, .milliseconds(Int64((due - now.seconds) * 1000) + 1))
                }
            }
        }
        if !state.pending.isEmpty { requeue(key, .zero) }
        if !state.unstarted.isEmpty { throw ReconcileError.podsNotCreated(state.unstarted.count) }
    }

    /// After a workflow has finished: its pods (podGC OnWorkflowCompletion/OnWorkflowSuccess,
    /// and the pod strategies for what is left) and the workflow itself (ttlStrategy) go
    /// once their time has come; until then the workflow is requeued for that time.
    func cleanUp(_ object: JSONValue, key: String, state: WorkflowState) async throws {
        guard let phase = object["status"]?["phase"]?.stringValue.flatMap(WorkflowPhase.init(rawValue:)), phase.isCompleted,
              let finished = object["status"]?["finishedAt"]?.stringValue.flatMap(Timestamp.init(rfc3339:))
        else { return }
        let policy = CleanupPolicy(spec: object["spec"])
        let now = WorkflowReconciler.clock().seconds
        let namespace = object.namespace ?? "default"
        if let ttl = policy.timeToLive(after: phase) {
            let due = finished.seconds + ttl
            if due <= now {
                do {
                    _ = try await client.delete(settings.workflows, object.name ?? "", namespace: namespace)
                } catch KubeError.notFound {}
                return
            }
            requeue(key, .milliseconds(Int64((due - now) * 1000) + 1))
        }
        if policy.podStrategy != nil, !state.podsCollected {
            let due = finished.seconds + policy.podDelay
            if due <= now {
                for pod in informers.pods.store.byIndex(ControllerInformers.byWorkflow, key)
                where pod["metadata"]?["deletionTimestamp"] == nil
                    && policy.deletesPod(afterWorkflow: phase, podPhase: pod["status"]?["phase"]?.stringValue, labels: pod.labels) {
                    if let name = pod.name { await deletePod(name, namespace: namespace) }
                }
                state.podsCollected = true
            } else {
                requeue(key, .milliseconds(Int64((due - now) * 1000) + 1))
            }
        }
    }

    enum ReconcileError: Error, CustomStringConvertible {
        case podsNotCreated(Int)
        var description: String { "could not create \(self) pods yet; retrying" }
    }

    enum Prepared {
        case ready(WorkflowExecution)
        case invalid(String)
    }

    /// Lints the workflow (with the templates it may reference) and builds its execution.
    func prepare(_ compressed: JSONValue, key: String) async -> Prepared {
        var object: JSONValue
        do {
            object = try NodeCompression.expand(compressed)
        } catch {
            return .invalid(error.description)
        }
        // A workflow that waited for a slot (--parallelism) starts afresh.
        if object["status"]?["phase"] == "Pending", object["status"]?["nodes"] == nil {
            object.set(path: ["status"], to: nil)
        }
        let file = "workflow \(key)"
        let doc = SourceDocument(object: object, file: file, kind: .workflow)
        let namespace = object.namespace ?? "default"
        // The WorkflowTemplates and ClusterWorkflowTemplates it references (and those they
        // reference), from the informers, or from the API server when the informer has not
        // seen one yet (created just before the workflow).
        var fetched: [TemplateReference: JSONValue] = [:]
        var pending = Array(TemplateReference.all(in: object["spec"]))
        while let ref = pending.popLast(), fetched.count < 200 {
            if fetched[ref] != nil { continue }
            var found = ref.cluster ? informers.clusterWorkflowTemplates.store.get(ref.name)
                : informers.workflowTemplates.store.get(namespace: namespace, name: ref.name)
            if found == nil {
                let resource = ref.cluster ? settings.clusterWorkflowTemplates : settings.workflowTemplates
                found = try? await client.get(resource, ref.name, namespace: ref.cluster ? nil : namespace)
            }
            guard let template = found else { continue }   // lint reports it missing
            fetched[ref] = template
            pending += TemplateReference.all(in: template["spec"]).filter { fetched[$0] == nil }
        }
        var templateDocs: [SourceDocument] = []
        var library: [WorkflowTemplate] = []
        for (ref, t) in fetched.sorted(by: { $0.key.name < $1.key.name }) {
            templateDocs.append(SourceDocument(object: t, file: "\(ref.cluster ? "clusterworkflowtemplate" : "workflowtemplate") \(ref.name)",
                                               kind: ref.cluster ? .clusterWorkflowTemplate : .workflowTemplate))
            if let decoded = try? JSONValueDecoder().decode(WorkflowTemplate.self, from: t) { library.append(decoded) }
        }
        let problems = Linter.lint([doc] + templateDocs).filter { $0.location.file == file }
        if !problems.isEmpty {
            return .invalid(problems.map(WorkflowReconciler.describe).joined(separator: "; "))
        }
        let workflow: Workflow
        do {
            workflow = try doc.decode(Workflow.self)
        } catch {
            return .invalid(WorkflowReconciler.describe(error))
        }
        return .ready(WorkflowExecution(workflow: workflow, library: TemplateLibrary(library)))
    }

    /// A lint problem as the status message shows it: the field, what is wrong, the fix.
    static func describe(_ d: Diagnostic) -> String {
        var s = d.location.path.map { "\($0): " } ?? ""
        s += d.message
        if let fix = d.fix { s += " (fix: \(fix))" }
        return s
    }

    func writeInvalid(_ object: JSONValue, message: String) async throws {
        let now = WorkflowReconciler.clock()
        var status = WorkflowStatus()
        status.phase = .error
        status.message = "invalid workflow: \(message)"
        status.startedAt = now
        status.finishedAt = now
        try await statusWriter.write(StatusWriter.encode(status), onto: object)
    }

    enum CreateOutcome {
        case created
        case failed(String)
        case retry
    }

    func createPod(_ launch: StepLaunch, workflow: Workflow, namespace: String) async -> CreateOutcome {
        let pod: JSONValue
        do {
            pod = try builder.pod(for: launch, workflow: workflow)
        } catch {
            return .failed(error.description)
        }
        do {
            _ = try await client.create(.pods, pod, namespace: namespace)
            metrics.podsCreated.increment()
            return .created
        } catch KubeError.alreadyExists {
            // Created before (by this controller before a restart): the step has started.
            return .created
        } catch let e as KubeError {
            switch e {
            case .invalid(let s), .badRequest(let s), .forbidden(let s):
                return .failed("the pod could not be created: \(s.message)")
            default:
                logger.warning("pod create failed, will retry", metadata: ["pod": "\(launch.podName)", "error": "\(e)"])
                return .retry
            }
        } catch {
            return .retry
        }
    }

    func deletePod(_ name: String, namespace: String) async {
        do {
            _ = try await client.delete(.pods, name, namespace: namespace)
        } catch KubeError.notFound {
        } catch {
            logger.warning("pod delete failed", metadata: ["pod": "\(name)", "error": "\(error)"])
        }
    }
}

/// What the controller remembers of one workflow between reconciles.
/// `@unchecked Sendable`: only the worker holding the workflow's key uses it.
final class WorkflowState: @unchecked Sendable {
    let uid: String
    var execution: WorkflowExecution?
    var finished = false
    var firstReconcile = true
    /// The status last written (or read): no write when the new one equals it.
    var lastStatus: JSONValue?
    /// Observations the controller made itself (a pod that could not be built).
    var pending: [Observation] = []
    /// Steps whose pod create failed for a reason that may pass.
    var unstarted: [String: StepLaunch] = [:]
    var podNames: [String: String] = [:]
    /// Nodes whose pod the informer has shown: when it disappears, the pod was deleted.
    var seenPods: Set<String> = []
    var nodeCache = StatusWriter.NodeCache()
    var claimsCreated = false
    /// podGC of a finished workflow done.
    var podsCollected = false

    init(uid: String) { self.uid = uid }
}

/// A `templateRef` or `workflowTemplateRef`: a template by name, namespaced or cluster-wide.
struct TemplateReference: Hashable {
    var name: String
    var cluster: Bool

    /// Every reference anywhere under `value`.
    static func all(in value: JSONValue?) -> Set<TemplateReference> {
        var out: Set<TemplateReference> = []
        func walk(_ v: JSONValue) {
            switch v {
            case .object(let o):
                for key in ["templateRef", "workflowTemplateRef"] {
                    if let ref = o[key], let name = ref["name"]?.stringValue {
                        out.insert(TemplateReference(name: name, cluster: ref["clusterScope"] == .bool(true)))
                    }
                }
                for child in o.values { walk(child) }
            case .array(let a):
                for child in a { walk(child) }
            default:
                break
            }
        }
        if let value { walk(value) }
        return out
    }
}
