import Foundation
public import SkeinJSON
public import WorkflowEngine
import WorkflowModel

/// Turns what a pod reports into what the engine understands about its step: pure, so the
/// rules (which are where Argo users notice differences) are tested with plain values.
///
/// Rules, following Argo's documented behaviour:
/// - `Pending` stays Pending; a container that cannot ever start (invalid image name,
///   bad container config) is an Error with the kubelet's reason and message; image pull
///   back-off stays Pending with the reason as message (the image may appear later).
/// - `Running` is Running until the main container has terminated.
/// - The main container's exit code decides Succeeded/Failed; `OOMKilled` is Failed with
///   that reason; a pod that failed without a main container result (evicted, deadline
///   exceeded, node lost) is an Error (or Failed for an active deadline) with the pod's
///   reason and message, so `retryStrategy.retryPolicy: OnError` can tell them apart.
/// - A pod that disappeared while its step was running is an Error ("pod deleted").
public enum PodObservation {
    /// The container whose exit code is the step's.
    public static let mainContainer = "main"

    public static func observe(nodeID: String, pod: JSONValue?) -> Observation {
        guard let pod else {
            return .step(nodeID, phase: .error, message: "pod deleted")
        }
        let status = pod["status"] ?? .null
        let phase = status["phase"]?.stringValue ?? "Pending"
        let started = status["startTime"]?.stringValue.flatMap(Timestamp.init(rfc3339:))
        let containers = status["containerStatuses"]?.arrayValue ?? []
        let main: JSONValue? = containers.first { $0["name"]?.stringValue == mainContainer }
            ?? (containers.count == 1 ? containers[0] : nil)
        let terminated: JSONValue? = main?["state"]?["terminated"]
        let finished = terminated?["finishedAt"]?.stringValue.flatMap(Timestamp.init(rfc3339:))
        let exitCode: Int? = if case .int(let c)? = terminated?["exitCode"] { c } else { nil }

        func step(_ p: NodePhase, _ message: String? = nil) -> Observation {
            .step(nodeID, phase: p, exitCode: exitCode, message: message, startedAt: started,
                  finishedAt: p.isFulfilled ? finished : nil)
        }

        if pod["metadata"]?["deletionTimestamp"] != nil, phase != "Succeeded" {
            // Deleted by someone else than the engine (whose own deletions follow a decision
            // already made). A step that ended on its own before the deletion keeps its result;
            // one killed by it (SIGTERM 143, SIGKILL 137) or cut short is an Error, which
            // `retryPolicy: OnError` retries, as Argo does.
            if let code = exitCode, code != 137, code != 143 { return finishedMain(code, terminated, step) }
            if phase == "Failed" || exitCode != nil { return step(.error, "pod deleted") }
            return step(.running, "pod is being deleted")
        }

        switch phase {
        case "Pending":
            for c in (status["initContainerStatuses"]?.arrayValue ?? []) + containers {
                guard let waiting = c["state"]?["waiting"], let reason = waiting["reason"]?.stringValue else { continue }
                let text = waiting["message"]?.stringValue.map { "\(reason): \($0)" } ?? reason
                if fatalWaitingReasons.contains(reason) { return step(.error, text) }
                if reason != "ContainerCreating" && reason != "PodInitializing" { return step(.pending, text) }
            }
            // An init container that failed (with restartPolicy Never the pod then fails too).
            return step(.pending, podCondition(status))
        case "Running":
            if let code = exitCode { return finishedMain(code, terminated, step) }
            return step(.running)
        case "Succeeded":
            if let code = exitCode, code != 0 { return finishedMain(code, terminated, step) }
            return step(.succeeded)
        case "Failed":
            if let code = exitCode { return finishedMain(code, terminated, step) }
            let reason = status["reason"]?.stringValue
            let message = status["message"]?.stringValue
            let text = [reason, message].compactMap { $0 }.joined(separator: ": ")
            if reason == "DeadlineExceeded" {
                return step(.failed, text.isEmpty ? "step exceeded its active deadline" : text)
            }
            if let failedInit = (status["initContainerStatuses"]?.arrayValue ?? []).first(where: {
                if case .int(let c)? = $0["state"]?["terminated"]?["exitCode"] { return c != 0 }
                return false
            }) {
                let name = failedInit["name"]?.stringValue ?? "init"
                let t = failedInit["state"]?["terminated"]
                let code: Int = if case .int(let c)? = t?["exitCode"] { c } else { -1 }
                let msg = t?["message"]?.stringValue ?? t?["reason"]?.stringValue ?? "Error"
                return step(.error, "init container \(name) failed (exit code \(code)): \(msg)")
            }
            return step(.error, text.isEmpty ? "pod failed" : text)
        default:
            return step(.error, "pod is in phase \(phase)")
        }
    }

    /// Reasons for which a container will never start without a change to the spec.
    static let fatalWaitingReasons: Set<String> = [
        "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "ErrImageNeverPull",
    ]

    private static func finishedMain(_ code: Int, _ terminated: JSONValue?, _ step: (NodePhase, String?) -> Observation)
        -> Observation
    {
        if code == 0 { return step(.succeeded, nil) }
        let reason = terminated?["reason"]?.stringValue
        let message = terminated?["message"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
        if reason == "OOMKilled" { return step(.failed, "OOMKilled (exit code \(code))") }
        if let m = message, !m.isEmpty { return step(.failed, m) }
        return step(.failed, "Error (exit code \(code))")
    }

    private static func podCondition(_ status: JSONValue) -> String? {
        for c in status["conditions"]?.arrayValue ?? [] where c["status"]?.stringValue == "False" {
            if let m = c["message"]?.stringValue { return m }
            if let r = c["reason"]?.stringValue { return r }
        }
        return nil
    }
}
