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
    /// Observations made off the worker (resource steps), by workflow key.
    private let inbox = Mutex<[String: [Observation]]>([:])

    func post(_ o: Observation, key: String) {
        inbox.withLock { $0[key, default: []].append(o) }
        requeue(key, .zero)
    }

    init(client: KubeClient, settings: ControllerSettings, informers: ControllerInformers, logger: Logger,
         metrics: ControllerMetrics, requeue: @escaping @Sendable (String, Duration) -> Void) {
        self.metrics = metrics
        self.client = client
        self.settings = settings
        self.informers = informers
        self.logger = logger
        self.requeue = requeue
        var podSettings = PodBuilder.Settings(executorImage: settings.executorImage,
                                              executorImagePullPolicy: settings.executorImagePullPolicy,
                                              group: settings.group, artifactVolume: settings.artifactVolume)
        podSettings.reportTimeout = settings.reportTimeout
        podSettings.s3Repository = settings.s3Repository
        podSettings.images = settings.images
        podSettings.identity = settings.identity
        builder = PodBuilder(settings: podSettings)
        statusWriter = StatusWriter(client: client, resource: settings.workflows)
        events = WorkflowEvents(client: client, policy: settings.events, group: settings.group, logger: logger)
    }

    let events: WorkflowEvents

    /// Workflows the controller holds state for (live or finished).
    var trackedCount: Int { states.withLock { $0.count } }

    static func clock() -> Timestamp { Timestamp(seconds: Date().timeIntervalSince1970) }

    func reconcile(_ key: String) async throws {
        guard let object = informers.workflows.store.get(key), object["metadata"]?["deletionTimestamp"] == nil else {
            states.withLock { _ = $0.removeValue(forKey: key) }
            // Being deleted: its artifacts first (artifactGC), then the finalizer comes off.
            if let object = informers.workflows.store.get(key) { try await collectArtifactsAtDeletion(object, key: key) }
            return
        }
        let uid = object.uid ?? ""
        // `skein retry` rewrote the status and then set a new retry token: start over from it.
        let retryToken = object.annotations[settings.retryAnnotation]
        let state: WorkflowState = states.withLock { s in
            if let existing = s[key], existing.uid == uid, existing.retryToken == retryToken { return existing }
            let fresh = WorkflowState(uid: uid)
            fresh.retryToken = retryToken
            fresh.awaitingRetriedPodsGone = s[key] != nil && s[key]?.uid == uid
            s[key] = fresh
            return fresh
        }
        // The object is the truth: a version this controller never saw is newer than what it
        // wrote, and a status there other than the one stored means someone else wrote it.
        if let version = object.resourceVersion, !state.knownVersions.contains(version) {
            state.remember(version)
            if state.execution != nil || state.finished, let stored = state.storedStatus, object["status"] != stored {
                logger.warning("the workflow's status changed under the controller; carrying on from what it shows",
                               metadata: ["workflow": "\(key)", "resourceVersion": "\(version)"])
                states.withLock { _ = $0.removeValue(forKey: key) }
                requeue(key, .zero)
                return
            }
            state.expectedVersion = version
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
            if settings.parallelism > 0 || settings.namespaceParallelism > 0 {
                // Taking a slot and counting the taken ones happen under one lock, so two
                // workers cannot both take the last slot.
                let namespace = object.namespace ?? "default"
                // One that already runs (a restarted controller meets it again) keeps running.
                let started = object["status"]?["phase"]?.stringValue == "Running"
                let waiting: String? = states.withLock { s in
                    let active = s.values.filter { $0.holdsSlot }
                    if started {
                        state.namespace = namespace
                        state.admitted = true
                        return nil
                    }
                    if settings.parallelism > 0, active.count >= settings.parallelism {
                        return "waiting: \(active.count) workflows are running, the most the controller runs at once (parallelism)"
                    }
                    if settings.namespaceParallelism > 0 {
                        let here = active.filter { $0.namespace == namespace }.count
                        if here >= settings.namespaceParallelism {
                            return "waiting: \(here) workflows are running in namespace \(namespace), the most it runs at once (namespaceParallelism)"
                        }
                    }
                    state.namespace = namespace
                    state.admitted = true
                    return nil
                }
                if let message = waiting {
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
                try await syncMetadata(object, labels: [:], annotations: [:], phase: "Error", state: state)
                state.finished = true
                logger.info("workflow is invalid", metadata: ["workflow": "\(key)", "error": "\(message)"])
                return
            case .ready(let execution):
                if execution.needsArtifactGCFinalizer, !Self.finalizers(object).contains(artifactGCFinalizer) {
                    // artifactGC: the finalizer is on before anything is stored. The status
                    // write that follows expects the version the patch made.
                    let patched = try await addArtifactGCFinalizer(object)
                    if let v = patched?.resourceVersion {
                        state.remember(v)
                        state.expectedVersion = v
                    }
                }
                state.execution = execution
                state.lastStatus = object["status"]
                state.storedStatus = object["status"]
                if settings.events != .none { state.eventSnapshot = WorkflowEvents.Snapshot(execution.status) }
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

        if state.awaitingRetriedPodsGone {
            // The pods of the nodes `skein retry` removed are deleted, but the informer may
            // not have seen it yet: they must not pass for the new attempts' pods.
            let stale = informers.pods.store.byIndex(ControllerInformers.byWorkflow, key).contains { pod in
                guard let nid = pod.annotations[settings.nodeIDAnnotation] else { return false }
                return execution.node(id: nid) == nil
            }
            if stale {
                requeue(key, .milliseconds(200))
                return
            }
            state.awaitingRetriedPodsGone = false
        }

        // Observe.
        let finishedSeen = metrics.takeFinishedSeen(workflow: key)
        var observations = state.pending + inbox.withLock { $0.removeValue(forKey: key) ?? [] }
        state.pending = []
        if let text = object.annotations[settings.resumeAnnotation], text != state.resumeSeen {
            // `skein resume`: the suspend nodes that were waiting when it ran.
            state.resumeSeen = text
            observations += WorkflowReconciler.resumed(text, nodes: execution.status.nodes ?? [:])
        }
        var podByNode: [String: JSONValue] = [:]
        for pod in informers.pods.store.byIndex(ControllerInformers.byWorkflow, key) {
            guard let nid = pod.annotations[settings.nodeIDAnnotation] else { continue }
            podByNode[nid] = pod
            state.seenPods.insert(nid)
            state.podNames[nid] = pod.name
        }
        for (nid, pod) in podByNode {
            guard let node = execution.node(id: nid), !node.phase.isFulfilled else { continue }
            // Where it runs, once the scheduler has said (for hostNodeName, ip and retry anti-affinity).
            let host = pod["spec"]?["nodeName"]?.stringValue, ip = pod["status"]?["podIP"]?.stringValue
            if (host != nil && host != node.hostNodeName) || (ip != nil && ip != node.podIP) {
                observations.append(.placed(nid, hostNodeName: host, podIP: ip))
            }
            // A running step's own N/M, from its wait container (ARGO_PROGRESS_FILE) or set on the pod by the step.
            if let progress = pod.annotations[StepProgress.annotation], progress != node.progress {
                observations.append(.progress(nid, progress))
            }
            let result = informers.taskResults.store.get(namespace: namespace, name: nid)
            let o = StepObservation.observe(nodeID: nid, pod: pod, taskResult: result, now: WorkflowReconciler.clock(),
                                            grace: settings.resultGrace)
            // Its task result may still be on its way: look again shortly.
            if StepObservation.awaitsResult(pod: pod, taskResult: result) { requeue(key, .seconds(1)) }
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
            let resourceTemplates = Set((execution.workflow.spec.templates ?? []).filter { $0.resource != nil }.compactMap(\.name))
            for node in execution.status.nodes?.values.map({ $0 }) ?? [] where node.type == .pod && !node.phase.isFulfilled {
                guard podByNode[node.id] == nil else { continue }
                if node.templateRef == nil, let t = node.templateName, resourceTemplates.contains(t) {
                    // Carried on where it was: the action again (a create finds the object it
                    // made before), then the wait for its conditions.
                    execution.relaunchResource(nodeID: node.id)
                } else {
                    observations.append(PodObservation.observe(nodeID: node.id, pod: nil))
                }
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
            if shutdown == "Stop" {
                execution.requestStop(message: object.annotations[settings.stopMessageAnnotation] ?? "Stopped with strategy 'Stop'")
            }
            actions = LargeStack.run { execution.reconcile(observations: observations, now: now) }
        }

        for nid in execution.takeResourceNodesNotRelaunched() {
            // Not reached again (the workflow is being terminated, say): its outcome is unknown.
            state.pending.append(.step(nid, phase: .error,
                                       message: "the controller restarted while this resource step was running; its outcome is unknown"))
            requeue(key, .zero)
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
                requeue(key, Durations.delay(after) + .milliseconds(1))
            case .runResource(let launch):
                startResource(launch, workflow: execution.workflow, namespace: namespace, key: key, uid: uid)
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
            let repository = execution.artifactRepositoryRef
            let outcomes = await withTaskGroup(of: (StepLaunch, CreateOutcome).self) { group in
                for launch in launches {
                    group.addTask { (launch, await self.createPod(launch, workflow: workflow, repository: repository, namespace: namespace)) }
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
        // Not while some pods could not be created yet: a stored node without its pod would
        // pass, for a restarted controller, for a pod deleted under it (an Error). Held back,
        // a restarted controller derives those steps again and creates their pods (their
        // names are deterministic, so one that was created is found, not made twice).
        if status != state.lastStatus && state.unstarted.isEmpty {
            guard try await writeFenced(status, onto: object, key: key, state: state) else { return }
            state.lastStatus = status
            if settings.events != .none {
                let stored = execution.status
                events.record(events.events(from: state.eventSnapshot, to: stored, workflow: object))
                state.eventSnapshot = WorkflowEvents.Snapshot(stored)
            }
        }
        if state.lastStatus != nil {
            // The labels follow the stored status. The Running phase label waits until the
            // workflow has run for a second: most short workflows then need one label write
            // (at their end) instead of two.
            let runningFor = now.seconds - (state.runningSince ?? now.seconds)
            if execution.phase == .running, !execution.phase.isCompleted, runningFor < 1, !state.syncedRunning {
                // Asked for on every such reconcile: one that comes between may consume a delayed key.
                if state.runningSince == nil { state.runningSince = now.seconds }
                requeue(key, .milliseconds(Int64(max(1, (1 - runningFor) * 1000))))
            } else {
                try await syncMetadata(object, labels: execution.workflowLabels, annotations: execution.workflowAnnotations,
                                       phase: execution.phase.rawValue, state: state)
                if execution.phase == .running { state.syncedRunning = true }
            }
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
                    requeue(key, Durations.delay(due - now.seconds) + .milliseconds(1))
                }
            }
        }
        if !state.pending.isEmpty { requeue(key, .zero) }
        if !state.unstarted.isEmpty { throw ReconcileError.podsNotCreated(state.unstarted.count) }
    }

    enum ReconcileError: Error, CustomStringConvertible {
        case podsNotCreated(Int)
        var description: String {
            switch self {
            case .podsNotCreated(let n): return "could not create \(n) pod\(n == 1 ? "" : "s") yet; retrying"
            }
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
    /// The status as the server stored it at the last write (or as read when the execution
    /// was built): an object showing another, at a version this controller does not know,
    /// was written by someone else.
    var storedStatus: JSONValue?
    /// The `resourceVersion` the next status write expects (see `StatusWriter.write`).
    var expectedVersion: String?
    /// The labels and annotations last put on the object (see `syncMetadata`).
    var syncedMetadata: JSONValue?
    /// When this controller first saw the workflow Running, and whether its Running labels were written.
    var runningSince: Double?
    var syncedRunning = false
    /// The latest versions this controller read or wrote. The informer showing one of them
    /// lags behind; any other version is newer than all of them (writes are fenced).
    var knownVersions: [String] = []

    func remember(_ version: String) {
        guard !knownVersions.contains(version) else { return }
        knownVersions.append(version)
        if knownVersions.count > 16 { knownVersions.removeFirst() }
    }
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

    /// Counted against `parallelism` / `namespaceParallelism` (until it finishes).
    var admitted = false
    var namespace = ""
    var holdsSlot: Bool { admitted && !finished }
    /// The `skein retry` token this state was built after.
    var retryToken: String?
    /// Rebuilt after a retry: wait until the informer no longer shows the removed nodes' pods.
    var awaitingRetriedPodsGone = false
    /// The `skein resume` annotation last acted on.
    var resumeSeen: String?
    /// Phases as of the last status write, for Events.
    var eventSnapshot = WorkflowEvents.Snapshot()

    init(uid: String) { self.uid = uid }
}

extension WorkflowReconciler {
    /// Writes the status with the version it expects. On a conflict, the object is read
    /// again: if its status is still the one stored last (only the spec or metadata moved
    /// on), the write is made again on the new version; otherwise someone else wrote the
    /// status, the workflow's state is dropped and rebuilt from the object, and this returns
    /// false (the reconcile stops; the rebuild is queued).
    func writeFenced(_ status: JSONValue, onto object: JSONValue, key: String, state: WorkflowState) async throws -> Bool {
        var expected = state.expectedVersion ?? object.resourceVersion
        for attempt in 0..<2 {
            do {
                let written = try await statusWriter.write(status, onto: object, resourceVersion: expected)
                if let v = written.resourceVersion {
                    state.expectedVersion = v
                    state.remember(v)
                }
                state.storedStatus = written.status ?? status
                return true
            } catch KubeError.conflict {
                if attempt == 1 { break }
                let fresh = try await client.get(settings.workflows, object.name ?? "", namespace: object.namespace ?? "default")
                guard fresh.uid == object.uid, fresh["status"] == state.storedStatus, let v = fresh.resourceVersion else { break }
                state.remember(v)
                expected = v
            }
        }
        logger.warning("the workflow's status changed under the controller; carrying on from what it shows",
                       metadata: ["workflow": "\(key)"])
        states.withLock { _ = $0.removeValue(forKey: key) }
        requeue(key, .zero)
        return false
    }

    /// The resume observations a `skein resume` annotation asks for: suspend nodes still
    /// waiting that started before it ran (and match its node selector, if any). Acting on
    /// the same annotation again (after a restart) resumes nothing that was not already due.
    static func resumed(_ annotation: String, nodes: [String: NodeStatus]) -> [Observation] {
        guard let v = try? JSONValue.parseJSON(annotation),
              let at = v["at"]?.stringValue.flatMap({ Timestamp(rfc3339: $0) }) else { return [] }
        var selector: NodeFieldSelector?
        if let text = v["nodeFieldSelector"]?.stringValue, !text.isEmpty {
            guard let s = try? NodeFieldSelector(text) else { return [] }
            selector = s
        }
        var parameters: [String: String] = [:]
        for (k, value) in v["parameters"]?.objectValue ?? [:] { if let s = value.stringValue { parameters[k] = s } }
        return nodes.values
            .filter { n in n.type == .suspend && !n.phase.isFulfilled && (n.startedAt ?? at) <= at && (selector?.matches(n) ?? true) }
            .map(\.id).sorted().map { Observation.resume($0, parameters: parameters) }
    }
}
