import Foundation
public import KubeAPI
public import KubeClient
public import SkeinJSON
public import WorkflowModel

/// Writes a workflow's status through the status subresource: one write for however many
/// node changes a reconcile made (the reconciler skips it when nothing changed). A write is
/// fenced: it names the `resourceVersion` it expects, so one that was held up (by a slow
/// API server, from a controller since killed or no longer leader) fails with a conflict
/// instead of overwriting newer state; the reconciler then re-reads and decides again.
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

    /// What a write left on the server: the object's new `resourceVersion` and the status
    /// as stored.
    public struct Written: Sendable {
        public var resourceVersion: String?
        public var status: JSONValue?
    }

    /// Replaces the status of `object` with `status` (a JSON patch on the status
    /// subresource: only the status travels). The patch tests the object's uid, so a status
    /// never lands on a new workflow of the same name; with `resourceVersion`, it also sets
    /// it, which the API server takes as a precondition (409 Conflict when the object has
    /// moved on). A write that fails throws; the caller decides again.
    @discardableResult
    public func write(_ status: JSONValue, onto object: JSONValue, resourceVersion: String? = nil) async throws -> Written {
        var ops: [JSONValue] = [["op": "test", "path": "/metadata/uid", "value": .string(object.uid ?? "")]]
        if let rv = resourceVersion {
            ops.append(["op": "replace", "path": "/metadata/resourceVersion", "value": .string(rv)])
        }
        ops.append(["op": "add", "path": "/status", "value": status])
        let answer = try await client.sendJSON(.patch(resource, namespace: object.namespace ?? "default", name: object.name ?? "",
                                                      type: .json, body: Array(JSONValue.array(ops).compactJSON.utf8),
                                                      subresource: "status"))
        return Written(resourceVersion: answer.resourceVersion, status: answer["status"])
    }
}
