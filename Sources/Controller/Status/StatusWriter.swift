import Foundation
public import KubeAPI
public import KubeClient
public import SkeinJSON
public import WorkflowModel

/// Writes a workflow's status through the status subresource: one write for however many
/// node changes a reconcile made (the reconciler skips it when nothing changed). The
/// controller (one leader) is the status's only writer, so a write replaces the whole
/// status without a `resourceVersion` precondition and cannot meet a stale-version
/// conflict; an error (a 409 or 500 a server sends anyway) leaves the status to be written
/// again by the next reconcile.
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
        var cache = NodeCache()
        return encode(status, cache: &cache)
    }

    /// Encoded nodes of earlier writes: a reconcile re-encodes only the nodes that changed.
    public struct NodeCache: Sendable {
        var nodes: [String: (node: NodeStatus, json: JSONValue)] = [:]
        public init() {}
    }

    public static func encode(_ status: WorkflowStatus, cache: inout NodeCache) -> JSONValue {
        var rest = status
        rest.nodes = nil
        guard case .object(var o)? = try? JSONValueEncoding.encode(rest) else { return [:] }
        if let nodes = status.nodes {
            var out: [String: JSONValue] = [:]
            out.reserveCapacity(nodes.count)
            for (id, node) in nodes {
                if let hit = cache.nodes[id], hit.node == node {
                    out[id] = hit.json
                } else {
                    let json = (try? JSONValueEncoding.encode(node)) ?? .null
                    cache.nodes[id] = (node, json)
                    out[id] = json
                }
            }
            o["nodes"] = .object(out)
        }
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

    /// Replaces the status of `object` with `status` (a JSON patch on the status
    /// subresource: only the status travels, and the answer is not decoded). The patch
    /// first tests the object's uid, so a status never lands on a new workflow of the same
    /// name. A write that fails throws; the caller writes again on its next reconcile.
    public func write(_ status: JSONValue, onto object: JSONValue) async throws {
        let patch: JSONValue = [
            ["op": "test", "path": "/metadata/uid", "value": .string(object.uid ?? "")],
            ["op": "add", "path": "/status", "value": status],
        ]
        _ = try await client.send(.patch(resource, namespace: object.namespace ?? "default", name: object.name ?? "",
                                         type: .json, body: Array(patch.compactJSON.utf8), subresource: "status"))
    }
}
