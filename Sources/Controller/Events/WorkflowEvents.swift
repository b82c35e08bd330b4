import Foundation
import KubeAPI
import KubeClient
import Logging
import SkeinJSON
import WorkflowModel

/// Which Kubernetes Events the controller records about workflows (`kubectl describe wf`,
/// `kubectl get events`). Each is an API write, so the default is the ones that need
/// attention: a workflow or a step that failed.
public enum EventPolicy: String, Sendable, CaseIterable {
    /// None at all.
    case none
    /// `WorkflowFailed` and `WorkflowNodeFailed` / `WorkflowNodeError` (type Warning).
    case failures
    /// Also `WorkflowRunning`, `WorkflowSucceeded`, `WorkflowNodeRunning`, `WorkflowNodeSucceeded`.
    case all
}

/// Turns phase changes of a workflow and its nodes into Events, with Argo's reasons.
struct WorkflowEvents: Sendable {
    let client: KubeClient
    let policy: EventPolicy
    let group: String
    let logger: Logger

    /// The phases last reported, to tell what changed.
    struct Snapshot: Sendable {
        var workflow: WorkflowPhase?
        var nodes: [String: NodePhase] = [:]

        init() {}
        init(_ status: WorkflowStatus) {
            workflow = status.phase
            for (id, n) in status.nodes ?? [:] { nodes[id] = n.phase }
        }
    }

    /// The events for the changes from `old` to `status`, as objects to create.
    func events(from old: Snapshot, to status: WorkflowStatus, workflow: JSONValue) -> [JSONValue] {
        guard policy != .none else { return [] }
        var out: [JSONValue] = []
        let all = policy == .all
        for (id, node) in (status.nodes ?? [:]).sorted(by: { ($0.value.startedAt?.seconds ?? 0, $0.key) < ($1.value.startedAt?.seconds ?? 0, $1.key) })
        where old.nodes[id] != node.phase {
            let message = node.message.map { ": \($0)" } ?? ""
            let notes: [String: JSONValue] = [
                "workflows.\(group)/node-name": .string(node.name), "workflows.\(group)/node-type": .string(node.type.rawValue),
            ]
            switch node.phase {
            case .running where all:
                out.append(event(workflow, "WorkflowNodeRunning", "Running node \(node.name)", warning: false, annotations: notes))
            case .succeeded where all:
                out.append(event(workflow, "WorkflowNodeSucceeded", "Succeeded node \(node.name)", warning: false, annotations: notes))
            case .failed:
                out.append(event(workflow, "WorkflowNodeFailed", "Failed node \(node.name)\(message)", warning: true, annotations: notes))
            case .error:
                out.append(event(workflow, "WorkflowNodeError", "Error node \(node.name)\(message)", warning: true, annotations: notes))
            default:
                break
            }
        }
        if let phase = status.phase, phase != old.workflow {
            switch phase {
            case .running where all:
                out.append(event(workflow, "WorkflowRunning", "Workflow Running", warning: false))
            case .succeeded where all:
                out.append(event(workflow, "WorkflowSucceeded", "Workflow completed", warning: false))
            case .failed, .error:
                out.append(event(workflow, "WorkflowFailed", status.message ?? "Workflow \(phase.rawValue)", warning: true))
            default:
                break
            }
        }
        return out
    }

    func event(_ wf: JSONValue, _ reason: String, _ message: String, warning: Bool,
               annotations: [String: JSONValue] = [:]) -> JSONValue {
        let now = Timestamp(seconds: Date().timeIntervalSince1970.rounded(.down)).description
        var metadata: [String: JSONValue] = [
            "generateName": .string("\(wf.name ?? "workflow")."), "namespace": .string(wf.namespace ?? "default"),
        ]
        if !annotations.isEmpty { metadata["annotations"] = .object(annotations) }
        var involved: [String: JSONValue] = [
            "apiVersion": .string("\(group)/v1alpha1"), "kind": "Workflow",
            "name": .string(wf.name ?? ""), "namespace": .string(wf.namespace ?? "default"),
        ]
        if let uid = wf.uid { involved["uid"] = .string(uid) }
        return [
            "apiVersion": "v1", "kind": "Event", "metadata": .object(metadata),
            "involvedObject": .object(involved),
            "reason": .string(reason), "message": .string(String(message.prefix(1024))),
            "type": warning ? "Warning" : "Normal",
            "source": ["component": "skein-controller"],
            "reportingComponent": "skein-controller",
            "reportingInstance": .string(ProcessInfo.processInfo.hostName),
            "firstTimestamp": .string(now), "lastTimestamp": .string(now), "count": 1,
        ]
    }

    /// Creates them in order, off the caller's path; a failure is logged (events are best effort).
    func record(_ events: [JSONValue]) {
        guard !events.isEmpty else { return }
        let client = client
        let logger = logger
        Task {
            for e in events {
                do {
                    _ = try await client.create(.events, e, namespace: e.namespace)
                } catch {
                    logger.warning("cannot record event \(e["reason"]?.stringValue ?? ""): \(error)")
                }
            }
        }
    }
}
