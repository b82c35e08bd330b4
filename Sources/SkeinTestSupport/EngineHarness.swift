public import WorkflowEngine
public import WorkflowModel

/// How a simulated step ends: the plain values a runtime would observe.
public struct StepOutcome: Sendable {
    public var phase: NodePhase
    public var exitCode: Int?
    public var result: String?
    public var parameters: [String: String]
    public var message: String?
    /// Output artifacts saved: name → stored key.
    public var artifacts: [String: String] = [:]
    /// Virtual seconds the step runs; `.infinity` runs until the engine stops it.
    public var duration: Double

    public init(phase: NodePhase = .succeeded, exitCode: Int? = nil, result: String? = nil,
                parameters: [String: String] = [:], message: String? = nil, duration: Double = 1) {
        self.phase = phase
        self.exitCode = exitCode ?? (phase == .succeeded ? 0 : 1)
        self.result = result
        self.parameters = parameters
        self.message = message
        self.duration = duration
    }

    public static let success = StepOutcome()
    public static func succeed(result: String? = nil, parameters: [String: String] = [:], artifacts: [String: String] = [:],
                               after duration: Double = 1) -> StepOutcome {
        var o = StepOutcome(phase: .succeeded, result: result, parameters: parameters, duration: duration)
        o.artifacts = artifacts
        return o
    }
    public static func fail(exitCode: Int = 1, after duration: Double = 1) -> StepOutcome {
        StepOutcome(phase: .failed, exitCode: exitCode, message: "Error (exit code \(exitCode))", duration: duration)
    }
    public static let hang = StepOutcome(duration: .infinity)
}

/// One step start the engine asked for, and when (virtual seconds since the start).
public struct LaunchRecord: Sendable {
    public var launch: StepLaunch
    public var at: Double
    public var outcome: StepOutcome
}

/// Drives the pure engine with a simulated runtime and a virtual clock: steps "run" for the
/// durations their outcomes give, requeues jump the clock, nothing sleeps.
public final class EngineHarness {
    public let execution: WorkflowExecution
    public private(set) var launches: [LaunchRecord] = []
    public private(set) var stops: [(nodeID: String, reason: String, at: Double)] = []
    public private(set) var now: Double = 0
    public private(set) var reconciles = 0
    let start = Timestamp(seconds: 1_800_000_000)
    var running: [String: (ends: Double, outcome: StepOutcome, launch: StepLaunch)] = [:]
    var wakeAt: Double?
    var pending: [Observation] = []

    public init(_ workflow: Workflow, templates: [WorkflowTemplate] = [], configMaps: ConfigMapData = ConfigMapData()) {
        execution = WorkflowExecution(workflow: workflow, library: TemplateLibrary(templates), configMaps: configMaps)
    }

    /// Decodes the first Workflow in `yaml` (other documents become the template library).
    public convenience init(yaml: String, file: String = "test.yaml", configMaps: ConfigMapData = ConfigMapData()) throws {
        let docs = try DocumentLoader.load(text: yaml, file: file)
        var workflow: Workflow?
        var templates: [WorkflowTemplate] = []
        for d in docs {
            switch d.kind {
            case .workflow where workflow == nil: workflow = try d.decode(Workflow.self)
            case .workflowTemplate, .clusterWorkflowTemplate: templates.append(try d.decode(WorkflowTemplate.self))
            default: break
            }
        }
        guard var wf = workflow else { throw HarnessError("no Workflow in the test YAML") }
        if wf.metadata.name == nil { wf.metadata.name = "wf" }
        self.init(wf, templates: templates, configMaps: configMaps)
    }

    /// Runs until the workflow completes, nothing is left to do, or `maxRounds` reconciles.
    @discardableResult
    public func run(maxRounds: Int = 10_000, resumeSuspendedAfter: Double? = nil, supplying: [String: String] = [:],
                    _ script: (StepLaunch) -> StepOutcome = { _ in .success }) -> WorkflowPhase {
        while reconciles < maxRounds {
            let obs = pending
            pending = []
            let actions = execution.reconcile(observations: obs, now: start.adding(now))
            reconciles += 1
            wakeAt = nil
            for a in actions {
                switch a {
                case .startStep(let l):
                    let o = script(l)
                    launches.append(LaunchRecord(launch: l, at: now, outcome: o))
                    running[l.nodeID] = (now + o.duration, o, l)
                    pending.append(.step(l.nodeID, phase: .running, startedAt: start.adding(now)))
                case .stopStep(let id, let reason):
                    stops.append((id, reason, now))
                    if running.removeValue(forKey: id) != nil {
                        pending.append(.step(id, phase: .failed, exitCode: 143, message: reason,
                                             finishedAt: start.adding(now)))
                    }
                case .requeue(let after):
                    wakeAt = min(wakeAt ?? .infinity, now + after)
                case .workflowFinished, .deleteStepPod, .runResource:
                    break
                }
            }
            if execution.phase.isCompleted { return execution.phase }
            if !pending.isEmpty { continue }
            // Advance the clock to the next event: a step ending, a requeue, a resume.
            var next = wakeAt ?? .infinity
            for (_, r) in running { next = min(next, r.ends) }
            if let r = resumeSuspendedAfter, r > now, r < next {
                now = r
                pending.append(.resume(parameters: supplying))
                continue
            }
            guard next.isFinite else { break }
            now = max(now, next)
            for (id, r) in running where r.ends <= now {
                running[id] = nil
                var outputs = Outputs()
                outputs.result = r.outcome.result
                outputs.exitCode = r.outcome.exitCode.map(String.init)
                if !r.outcome.parameters.isEmpty {
                    outputs.parameters = r.outcome.parameters.sorted { $0.key < $1.key }.map { Parameter(name: $0.key, value: $0.value) }
                }
                if !r.outcome.artifacts.isEmpty {
                    outputs.artifacts = r.outcome.artifacts.sorted { $0.key < $1.key }.map { name, key in
                        var a = Artifact(name: name)
                        a.key = key
                        // Recorded with its own S3 location, as the runtimes record it.
                        let declared = r.launch.outputArtifacts.first { $0.artifact.name == name }
                        if let l = declared?.location { a.s3 = l.json(key: key) }
                        a.artifactGC = declared?.artifact.artifactGC
                        return a
                    }
                }
                pending.append(.step(id, phase: r.outcome.phase, exitCode: r.outcome.exitCode, outputs: outputs,
                                     message: r.outcome.message, finishedAt: start.adding(now)))
            }
        }
        return execution.phase
    }

    /// Display names of started steps, in start order.
    public var started: [String] { launches.map(\.launch.displayName) }

    public func node(_ displayName: String) -> NodeStatus? {
        execution.status.nodes?.values.first { $0.displayName == displayName }
    }

    public func nodes(_ displayName: String) -> [NodeStatus] {
        (execution.status.nodes?.values.filter { $0.displayName == displayName } ?? []).sorted { $0.name < $1.name }
    }

    public func phase(of displayName: String) -> NodePhase? { node(displayName)?.phase }

    public var message: String? { execution.status.message }

    /// Seconds after the start that the node finished.
    public func finished(_ displayName: String) -> Double? {
        node(displayName)?.finishedAt.map { $0.seconds - start.seconds }
    }
}

public struct HarnessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
