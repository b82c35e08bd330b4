import Foundation
public import WorkflowModel
public import WorkflowEngine
import Sandbox
import Artifacts
import Executor

/// What a local run reports while it goes: step logs, status changes, notices.
public protocol RunObserver: Sendable {
    func stepLog(step: String, line: String, isError: Bool)
    func statusChanged(_ workflow: Workflow)
    func notice(_ text: String)
}

/// Runs a workflow on this machine: the engine decides, this carries out its actions with
/// host processes, and feeds back what happened.
public actor LocalRun {
    enum Event: Sendable {
        case observation(Observation)
        case tick
        case interrupt(String)
        case resume([String: String])
    }

    let execution: WorkflowExecution
    var workflow: Workflow
    let settings: RunSettings
    let observer: any RunObserver
    let events: AsyncStream<Event>
    let continuation: AsyncStream<Event>.Continuation
    var processes: [String: SandboxProcess] = [:]
    var stepTasks: [String: Task<Void, Never>] = [:]
    var timerDue: Double?
    let volumes: [String: JSONValue]

    public init(workflow: Workflow, templates: TemplateLibrary, configMaps: ConfigMapData = ConfigMapData(),
                settings: RunSettings, observer: any RunObserver) {
        self.workflow = workflow
        self.execution = WorkflowExecution(workflow: workflow, library: templates, configMaps: configMaps)
        if let ref = settings.artifactRepositoryRef { execution.recordArtifactRepository(ref) }
        execution.archiveLogsByDefault = ArtifactRepositories.archivesLogs(settings.artifactRepositoryRef)
        execution.transientErrorPattern = ProcessInfo.processInfo.environment["TRANSIENT_ERROR_PATTERN"]
        self.settings = settings
        self.observer = observer
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
        var vols: [String: JSONValue] = [:]
        for v in workflow.spec.volumes ?? [] { if let n = v["name"]?.stringValue { vols[n] = v } }
        for claim in workflow.spec.volumeClaimTemplates ?? [] {
            if let n = claim["metadata"]?["name"]?.stringValue { vols[n] = .object(["name": .string(n), "claim": .object([:])]) }
        }
        volumes = vols
    }

    /// Ctrl-C: stop running steps and fail the workflow.
    public nonisolated func interrupt(_ message: String = "Stopped by user (interrupt)") {
        continuation.yield(.interrupt(message))
    }

    /// Resume every suspended node, with values for their `valueFrom.supplied` outputs.
    public nonisolated func resumeSuspended(supplying parameters: [String: String] = [:]) {
        continuation.yield(.resume(parameters))
    }

    /// This host's name, from gethostname (no resolver lookup).
    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    static func clock() -> Timestamp { Timestamp(seconds: Date().timeIntervalSince1970) }

    /// Run to the end and return the workflow with its final status.
    public func run() async -> Workflow {
        var pending: [Observation] = []
        var finished = false
        // The lifecycle fields as the controller reads them: `suspend` holds everything until
        // resumed (SIGUSR1 here, as for suspend steps); `shutdown` given in the file stops the
        // run at once (`Terminate`, no exit handler) or before anything starts (`Stop`).
        if workflow.spec.suspend == true, workflow.spec.shutdown == nil {
            observer.notice("the workflow is suspended (spec.suspend: true): nothing starts until it is resumed; "
                            + "resume with: kill -USR1 \(ProcessInfo.processInfo.processIdentifier)")
            waiting: while true {
                switch await nextEvent() {
                case .resume?:
                    observer.notice("resumed")
                    break waiting
                case .interrupt(let message)?:
                    _ = execution.terminate(message: message, now: LocalRun.clock())
                    finished = true
                    break waiting
                case nil:
                    finished = true
                    break waiting
                default:
                    continue
                }
            }
        }
        switch workflow.spec.shutdown {
        case "Terminate"?:
            _ = execution.terminate(message: "Stopped with strategy 'Terminate'", now: LocalRun.clock())
            finished = true
        case "Stop"?:
            execution.requestStop(message: "Stopped with strategy 'Stop'")
        default:
            break
        }
        while !finished {
            let now = LocalRun.clock()
            let execution = self.execution
            let actions = LargeStack.run { execution.reconcile(observations: pending, now: now) }
            pending = []
            finished = perform(actions)
            workflow.status = execution.status
            observer.statusChanged(workflow)
            if finished { break }
            guard let event = await nextEvent() else { break }
            switch event {
            case .observation(let o): pending.append(o)
            case .tick: break
            case .resume(let parameters): pending.append(.resume(parameters: parameters))
            case .interrupt(let message):
                let stops = execution.terminate(message: message, now: LocalRun.clock())
                _ = perform(stops)
                workflow.status = execution.status
                observer.statusChanged(workflow)
                finished = true
            }
        }
        await drainProcesses()
        workflow.status = execution.status
        collectArtifacts()
        // The labels and annotations the controller would put on the object.
        workflow.metadata.labels = execution.workflowLabels
            .merging(WorkflowExecution.phaseLabels(workflow.status?.phase?.rawValue ?? "Unknown")) { _, p in p }
        workflow.metadata.annotations = execution.workflowAnnotations.isEmpty ? workflow.metadata.annotations : execution.workflowAnnotations
        if !settings.keepRunDirectory { try? FileManager.default.removeItem(atPath: settings.runDirectory) }
        return workflow
    }

    /// artifactGC `OnWorkflowCompletion`: those artifacts are deleted as the run ends (a local
    /// run is never deleted, so `OnWorkflowDeletion` keeps them).
    func collectArtifacts() {
        let items = ArtifactGC.items(spec: workflow.spec, nodes: workflow.status?.nodes ?? [:]).filter { $0.strategy == .onWorkflowCompletion }
        guard !items.isEmpty else { return }
        let stores = settings.stores
        var failures: [String] = []
        for item in items {
            guard let store = stores.store(for: item.location) else { continue }
            do {
                try store.delete(key: item.key)
            } catch {
                failures.append("artifact \(item.name) of \(item.node): \(error)")
            }
        }
        observer.notice("artifactGC: deleted \(items.count - failures.count) of \(items.count) artifacts (OnWorkflowCompletion)"
                        + (failures.isEmpty ? "" : "; " + failures.joined(separator: "; ")))
    }

    func nextEvent() async -> Event? {
        for await e in events { return e }
        return nil
    }

    /// Carry out the engine's actions; true once the workflow finished.
    func perform(_ actions: [Action]) -> Bool {
        var done = false
        for a in actions {
            switch a {
            case .startStep(let launch): start(launch)
            case .stopStep(let nodeID, _): stop(nodeID)
            case .deleteStepPod: break
            case .runResource(let launch):
                continuation.yield(.observation(.step(launch.nodeID, phase: .error,
                                                      message: "resource templates need a Kubernetes cluster (skein controller); "
                                                          + "`skein run` runs container, script, steps, dag and suspend templates")))
            case .requeue(let after): schedule(after: after)
            case .workflowFinished: done = true
            }
        }
        return done
    }

    func schedule(after: Double) {
        let due = Date().timeIntervalSince1970 + after
        if let existing = timerDue, existing <= due, existing > Date().timeIntervalSince1970 { return }
        timerDue = due
        let c = continuation
        Task {
            try? await Task.sleep(nanoseconds: Durations.delayNanoseconds(after) + 1_000_000)
            c.yield(.tick)
        }
    }

    func stop(_ nodeID: String) {
        guard let p = processes[nodeID] else { return }
        p.signal(SIGTERM)
        Task {
            try? await Task.sleep(nanoseconds: 5_000_000_000)
            p.signal(SIGKILL)
        }
    }

    func register(_ nodeID: String, _ p: SandboxProcess) { processes[nodeID] = p }

    func finished(_ nodeID: String) {
        processes[nodeID] = nil
        stepTasks[nodeID] = nil
    }

    func drainProcesses() async {
        let tasks = Array(stepTasks.values)
        for t in tasks { await t.value }
    }

    func start(_ launch: StepLaunch) {
        let runner = StepRunner(launch: launch, settings: settings, volumes: volumes,
                                log: { [observer] step, line, isError in observer.stepLog(step: step, line: line, isError: isError) })
        let c = continuation
        let stores = settings.stores
        let task = Task {
            await self.runStep(runner, launch: launch, continuation: c, stores: stores)
            self.finished(launch.nodeID)
        }
        stepTasks[launch.nodeID] = task
    }

    func runStep(_ runner: StepRunner, launch: StepLaunch, continuation c: AsyncStream<Event>.Continuation,
                 stores: ArtifactStores) async
    {
        let nodeID = launch.nodeID
        let prepared: (SandboxSpec, controlHost: String, plan: OutputPlan)
        let process: SandboxProcess
        do {
            prepared = try runner.prepare()
            process = try Sandbox.spawn(prepared.0)
        } catch {
            c.yield(.observation(.step(nodeID, phase: .error, message: "\(error)", finishedAt: LocalRun.clock())))
            return
        }
        register(nodeID, process)
        c.yield(.observation(.step(nodeID, phase: .running, startedAt: LocalRun.clock())))
        // A step runs on this host: {{steps.X.ip}} is the loopback address, hostNodeName the host's name.
        c.yield(.observation(.placed(nodeID, hostNodeName: LocalRun.hostName, podIP: "127.0.0.1")))
        let step = launch.displayName
        let log = runner.log
        async let outDone: Void = { for await line in process.stdoutLines() { log(step, line, false) } }()
        async let errDone: Void = { for await line in process.stderrLines() { log(step, line, true) } }()
        // The step's own N/M (ARGO_PROGRESS_FILE), read twice a second while it runs and once at its end.
        let progressFile = runner.progressFile
        let progressWatch = Task {
            var last: String?
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 500_000_000)
                if let p = ProgressReporter.read(progressFile), p != last {
                    last = p
                    c.yield(.observation(.progress(nodeID, p)))
                }
            }
        }
        let exit = await process.wait()
        _ = await (outDone, errDone)
        progressWatch.cancel()
        if let p = ProgressReporter.read(progressFile) { c.yield(.observation(.progress(nodeID, p))) }
        let collected = OutputCollector.collect(launch: launch, controlDirectory: prepared.controlHost, stores: stores)
        let phase: NodePhase
        var message: String?
        switch exit {
        case .exited(let code):
            if code == 0 {
                phase = collected.error == nil ? .succeeded : .error
                message = collected.error
            } else {
                phase = .failed
                message = collected.startError ?? runner.terminationMessage ?? "Error (exit code \(code))"
            }
        case .signaled(let sig):
            phase = .failed
            message = "terminated by signal \(sig)"
        }
        let exitCode: Int? = {
            if let e = collected.exitCode { return e }
            if case .exited(let code) = exit { return Int(code) }
            return nil
        }()
        c.yield(.observation(.step(nodeID, phase: phase, exitCode: exitCode, outputs: collected.outputs, message: message,
                                   finishedAt: LocalRun.clock())))
    }
}
