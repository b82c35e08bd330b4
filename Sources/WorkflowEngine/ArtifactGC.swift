public import SkeinJSON
public import WorkflowModel

/// Argo's `artifactGC`: which stored output artifacts are deleted, and when. An artifact's own
/// `artifactGC.strategy` wins over the workflow's `spec.artifactGC.strategy`; `Never` (or
/// none) keeps it. Both runtimes delete what this lists: `skein run` the
/// `OnWorkflowCompletion` ones when the run ends (a local run is never deleted), the
/// controller those at completion and the `OnWorkflowDeletion` ones before the workflow's
/// finalizer lets it go. Archived logs (`main-logs`) are not collected.
public enum ArtifactGC {
    public enum Strategy: String, Sendable, Hashable, CaseIterable {
        case onWorkflowCompletion = "OnWorkflowCompletion"
        case onWorkflowDeletion = "OnWorkflowDeletion"
        case never = "Never"
    }

    /// One artifact to delete: its key and, for an S3 location of its own, that location.
    public struct Item: Sendable, Hashable {
        public var node: String
        public var name: String
        public var key: String
        public var location: S3Location?
        public var strategy: Strategy

        public init(node: String, name: String, key: String, location: S3Location?, strategy: Strategy) {
            self.node = node
            self.name = name
            self.key = key
            self.location = location
            self.strategy = strategy
        }

        public var json: JSONValue {
            var o: [String: JSONValue] = ["node": .string(node), "name": .string(name), "key": .string(key)]
            if let location { o["s3"] = location.json(key: key) }
            return .object(o)
        }

        public init?(json: JSONValue) {
            guard let node = json["node"]?.stringValue, let name = json["name"]?.stringValue, let key = json["key"]?.stringValue else { return nil }
            self.init(node: node, name: name, key: key, location: (try? S3Location.parse(json["s3"], field: "s3")) ?? nil, strategy: .never)
        }
    }

    /// A strategy as written; nil (with `problem`) for one Argo does not have.
    static func strategy(_ v: JSONValue?) -> Strategy? {
        guard let text = v?["strategy"]?.stringValue, !text.isEmpty else { return nil }
        return Strategy(rawValue: text)
    }

    /// The first strategy that is not Argo's, as `field: 'X' is not ...`, for the workflow's
    /// error.
    public static func problem(spec: WorkflowSpec, templates: [Template]) -> String? {
        let names = Strategy.allCases.map(\.rawValue).joined(separator: ", ")
        if let text = spec.artifactGC?["strategy"]?.stringValue, !text.isEmpty, Strategy(rawValue: text) == nil {
            return "spec.artifactGC.strategy '\(text)' is not one of \(names)"
        }
        for t in templates {
            for a in t.outputs?.artifacts ?? [] {
                if let text = a.artifactGC?["strategy"]?.stringValue, !text.isEmpty, Strategy(rawValue: text) == nil {
                    return "template \(t.name ?? "?"): outputs.artifacts.\(a.name).artifactGC.strategy '\(text)' is not one of \(names)"
                }
            }
        }
        return nil
    }

    /// Whether anything of the workflow may need collecting at deletion or completion (then
    /// the controller puts its finalizer on the workflow).
    public static func isNeeded(spec: WorkflowSpec, templates: [Template]) -> Bool {
        let top = strategy(spec.artifactGC) ?? .never
        for t in templates {
            for a in t.outputs?.artifacts ?? [] where (strategy(a.artifactGC) ?? top) != .never { return true }
        }
        return false
    }

    /// `spec.artifactGC.forceFinalizerRemoval`: let the workflow go even when collecting failed.
    public static func forcesFinalizerRemoval(_ spec: WorkflowSpec) -> Bool {
        spec.artifactGC?["forceFinalizerRemoval"] == .bool(true)
    }

    /// The stored output artifacts of the nodes with a strategy other than Never, in node
    /// order. A node's artifacts carry the `artifactGC` of their declaration.
    public static func items(spec: WorkflowSpec, nodes: [String: NodeStatus]) -> [Item] {
        let top = strategy(spec.artifactGC) ?? .never
        var out: [Item] = []
        for n in nodes.values.sorted(by: { $0.id < $1.id }) where n.type == .pod {
            for a in n.outputs?.artifacts ?? [] where a.name != "main-logs" {
                guard let key = a.key else { continue }
                let s = strategy(a.artifactGC) ?? top
                guard s != .never else { continue }
                out.append(Item(node: n.name, name: a.name, key: key, location: (try? S3Location.parse(a.s3, field: "s3")) ?? nil, strategy: s))
            }
        }
        return out
    }
}
