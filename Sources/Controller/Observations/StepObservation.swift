public import SkeinJSON
public import WorkflowEngine
public import WorkflowModel

/// A step's observation from its pod and, for pods with the executor, its task result.
///
/// A pod with a `wait` container reports its outputs in a WorkflowTaskResult; its step is
/// complete only once that has arrived (or the pod ended without one, which is an Error:
/// the outputs are lost). A minimal pod is complete when its container is.
public enum StepObservation {
    /// How long after the wait container ended its task result may still be on its way: the
    /// pod and the task result come through different watches, in no promised order.
    public static let resultGrace = 30.0

    /// `now`: with it, a pod that ended without a task result is still Running until
    /// `grace` seconds after its wait container ended; without it, that is an Error at once.
    public static func observe(nodeID: String, pod: JSONValue?, taskResult: JSONValue?, now: Timestamp? = nil,
                               grace: Double = resultGrace) -> Observation {
        let fromPod = PodObservation.observe(nodeID: nodeID, pod: pod)
        guard let pod, usesExecutor(pod),
              case .step(let phase, let exitCode, _, let message, let startedAt, let finishedAt) = fromPod.kind,
              phase.isFulfilled
        else { return fromPod }
        // Pod-level failures (evicted, deleted, deadline, image errors) stand as they are.
        if phase == .error || mainExitCode(pod) == nil { return fromPod }
        guard let result = taskResult else {
            let podPhase = pod["status"]?["phase"]?.stringValue ?? ""
            if podPhase == "Succeeded" || podPhase == "Failed" {
                if let now, let ended = waitEndedAt(pod) ?? finishedAt, now.seconds < ended.seconds + grace {
                    return .step(nodeID, phase: .running, startedAt: startedAt)
                }
                let why = waitMessage(pod).map { ": \($0)" } ?? ""
                return .step(nodeID, phase: .error, exitCode: exitCode,
                             message: "the step's outputs are lost: the wait container ended without reporting them\(why)",
                             startedAt: startedAt, finishedAt: finishedAt)
            }
            // The main container is done; the wait container is still collecting outputs.
            return .step(nodeID, phase: .running, startedAt: startedAt)
        }
        let outputs = result["outputs"].flatMap { try? JSONValueDecoder().decode(Outputs.self, from: $0) }
        if result["phase"]?.stringValue == "Error" {
            return .step(nodeID, phase: .error, exitCode: exitCode, outputs: outputs,
                         message: result["message"]?.stringValue ?? "the executor reported an error",
                         startedAt: startedAt, finishedAt: finishedAt)
        }
        return .step(nodeID, phase: phase, exitCode: exitCode, outputs: outputs, message: message,
                     startedAt: startedAt, finishedAt: finishedAt)
    }

    /// Whether the pod was built with the executor (it has a `wait` container).
    public static func usesExecutor(_ pod: JSONValue) -> Bool {
        (pod["spec"]?["containers"]?.arrayValue ?? []).contains { $0["name"]?.stringValue == "wait" }
    }

    static func mainExitCode(_ pod: JSONValue) -> Int? {
        for c in pod["status"]?["containerStatuses"]?.arrayValue ?? [] where c["name"]?.stringValue == PodObservation.mainContainer {
            if case .int(let code)? = c["state"]?["terminated"]?["exitCode"] { return code }
        }
        return nil
    }

    /// Whether the pod has ended, with the executor, and its task result has not come (yet).
    public static func awaitsResult(pod: JSONValue, taskResult: JSONValue?) -> Bool {
        guard taskResult == nil, usesExecutor(pod), mainExitCode(pod) != nil else { return false }
        let podPhase = pod["status"]?["phase"]?.stringValue ?? ""
        return podPhase == "Succeeded" || podPhase == "Failed"
    }

    static func waitEndedAt(_ pod: JSONValue) -> Timestamp? {
        for c in pod["status"]?["containerStatuses"]?.arrayValue ?? [] where c["name"]?.stringValue == "wait" {
            return c["state"]?["terminated"]?["finishedAt"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }
        }
        return nil
    }

    static func waitMessage(_ pod: JSONValue) -> String? {
        for c in pod["status"]?["containerStatuses"]?.arrayValue ?? [] where c["name"]?.stringValue == "wait" {
            guard let t = c["state"]?["terminated"] else { return nil }
            if let m = t["message"]?.stringValue, !m.isEmpty { return m }
            if case .int(let code)? = t["exitCode"] { return "exit code \(code)" }
        }
        return nil
    }
}
