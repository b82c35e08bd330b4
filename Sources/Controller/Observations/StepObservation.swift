public import SkeinJSON
public import WorkflowEngine
import WorkflowModel

/// A step's observation from its pod and, for pods with the executor, its task result.
///
/// A pod with a `wait` container reports its outputs in a WorkflowTaskResult; its step is
/// complete only once that has arrived (or the pod ended without one, which is an Error:
/// the outputs are lost). A minimal pod is complete when its container is.
public enum StepObservation {
    public static func observe(nodeID: String, pod: JSONValue?, taskResult: JSONValue?) -> Observation {
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
                let why = waitMessage(pod).map { ": \($0)" } ?? ""
                return .step(nodeID, phase: .error, exitCode: exitCode,
                             message: "the wait container ended without reporting the step's outputs\(why)",
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

    static func waitMessage(_ pod: JSONValue) -> String? {
        for c in pod["status"]?["containerStatuses"]?.arrayValue ?? [] where c["name"]?.stringValue == "wait" {
            guard let t = c["state"]?["terminated"] else { return nil }
            if let m = t["message"]?.stringValue, !m.isEmpty { return m }
            if case .int(let code)? = t["exitCode"] { return "exit code \(code)" }
        }
        return nil
    }
}
