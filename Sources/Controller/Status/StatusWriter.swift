import Foundation
public import KubeAPI
public import KubeClient
public import SkeinJSON
public import WorkflowModel

/// Writes a workflow's status through the status subresource: one write for however many
/// node changes a reconcile made, nothing when nothing changed, and a stale
/// `resourceVersion` (409) answered by re-reading the object and writing again, since
/// the controller's status is the one that counts.
public struct StatusWriter: Sendable {
    let client: KubeClient
    let resource: ResourceType

    public init(client: KubeClient, resource: ResourceType) {
        self.client = client
        self.resource = resource
    }

    /// The status as the object carries it: the model's fields plus `duration` (for the
    /// DURATION column of `kubectl get wf`) once it has finished; large node maps compressed
    /// (see `NodeCompression`).
    public static func encode(_ status: WorkflowStatus) -> JSONValue {
        guard case .object(var o)? = try? JSONValueEncoding.encode(status) else { return [:] }
        // Only once finished: a running duration would change, and cost a write, every reconcile.
        if let start = status.startedAt, let end = status.finishedAt {
            o["duration"] = .string(formatDuration(max(0, end.seconds - start.seconds)))
        }
        return NodeCompression.compress(.object(o))
    }

    /// `kubectl`-style short durations: 45s, 3m12s, 2h5m, 3d4h.
    public static func formatDuration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(s % 60)s" }
        if s < 86400 { return "\(s / 3600)h\((s % 3600) / 60)m" }
        return "\(s / 86400)d\((s % 86400) / 3600)h"
    }

    /// Writes `status` onto `object`; returns the object as stored.
    public func write(_ status: JSONValue, onto object: JSONValue, attempts: Int = 5) async throws -> JSONValue {
        var current = object
        var attempt = 0
        while true {
            attempt += 1
            var updated = current
            updated.set(path: ["status"], to: status)
            do {
                return try await client.updateStatus(resource, updated, namespace: object.namespace)
            } catch KubeError.conflict(let s) {
                guard attempt < attempts else { throw KubeError.conflict(s) }
                current = try await client.get(resource, object.name ?? "", namespace: object.namespace)
            }
        }
    }
}
