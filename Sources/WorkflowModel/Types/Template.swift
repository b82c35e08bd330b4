/// A template: one of container, script, steps, dag, suspend, resource (and the kinds kept
/// as written for other issues: data, http, plugin, containerSet).
public struct Template: Codable, Sendable, Hashable {
    public var name: String?
    public var inputs: Inputs?
    public var outputs: Outputs?
    public var container: JSONValue?
    public var script: JSONValue?
    public var steps: [StepGroup]?
    public var dag: DAGTemplate?
    public var suspend: SuspendTemplate?
    public var resource: JSONValue?
    public var data: JSONValue?
    public var http: JSONValue?
    public var plugin: JSONValue?
    public var containerSet: JSONValue?

    public var retryStrategy: RetryStrategy?
    public var activeDeadlineSeconds: IntOrString?
    public var timeout: String?
    /// Argo 4.1: the longest a step's pod may stay Pending.
    public var pendingTimeout: String?
    public var parallelism: Int?
    public var failFast: Bool?
    public var daemon: Bool?
    public var memoize: JSONValue?
    public var synchronization: JSONValue?
    public var metadata: JSONValue?
    public var podSpecPatch: String?
    public var volumes: [JSONValue]?
    public var initContainers: [JSONValue]?
    public var sidecars: [JSONValue]?
    public var nodeSelector: [String: String]?
    public var affinity: JSONValue?
    public var tolerations: [JSONValue]?
    public var securityContext: JSONValue?
    public var serviceAccountName: String?
    public var automountServiceAccountToken: Bool?
    public var executor: JSONValue?
    public var priorityClassName: String?
    public var schedulerName: String?
    public var hostAliases: [JSONValue]?
    public var archiveLocation: JSONValue?
    public var metrics: JSONValue?

    public init(name: String) { self.name = name }

    /// The kind of work this template does, by which field is set.
    public enum Kind: String, Sendable {
        case container, script, steps, dag, suspend, resource, data, http, plugin, containerSet
    }

    /// Every kind field that is set (a valid template sets exactly one).
    public var kinds: [Kind] {
        var k: [Kind] = []
        if container != nil { k.append(.container) }
        if script != nil { k.append(.script) }
        if steps != nil { k.append(.steps) }
        if dag != nil { k.append(.dag) }
        if suspend != nil { k.append(.suspend) }
        if resource != nil { k.append(.resource) }
        if data != nil { k.append(.data) }
        if http != nil { k.append(.http) }
        if plugin != nil { k.append(.plugin) }
        if containerSet != nil { k.append(.containerSet) }
        return k
    }

    public var kind: Kind? { kinds.first }

    /// Runs in a pod (or a host process): container, script, resource, data, http, plugin, containerSet.
    public var isLeaf: Bool {
        switch kind {
        case .steps, .dag, .suspend, .none: return false
        default: return true
        }
    }
}

public struct SuspendTemplate: Codable, Sendable, Hashable {
    public var duration: AnyString?
    public init(duration: String? = nil) { self.duration = duration.map { AnyString($0) } }
}

// Read by hand (see ValueDecodable). The rules are listed in declaration order, which is
// the order Codable reads them in, so that the first wrong field is the one reported.

extension Template: ValueDecodable {
    static let fields = FieldTable<Template>([
        .optional("name", \.name),
        .optional("inputs", \.inputs),
        .optional("outputs", \.outputs),
        .optional("container", \.container),
        .optional("script", \.script),
        .optional("steps", \.steps),
        .optional("dag", \.dag),
        .optional("suspend", \.suspend),
        .optional("resource", \.resource),
        .optional("data", \.data),
        .optional("http", \.http),
        .optional("plugin", \.plugin),
        .optional("containerSet", \.containerSet),
        .optional("retryStrategy", \.retryStrategy),
        .optional("activeDeadlineSeconds", \.activeDeadlineSeconds),
        .optional("timeout", \.timeout),
        .optional("pendingTimeout", \.pendingTimeout),
        .optional("parallelism", \.parallelism),
        .optional("failFast", \.failFast),
        .optional("daemon", \.daemon),
        .optional("memoize", \.memoize),
        .optional("synchronization", \.synchronization),
        .optional("metadata", \.metadata),
        .optional("podSpecPatch", \.podSpecPatch),
        .optional("volumes", \.volumes),
        .optional("initContainers", \.initContainers),
        .optional("sidecars", \.sidecars),
        .optional("nodeSelector", \.nodeSelector),
        .optional("affinity", \.affinity),
        .optional("tolerations", \.tolerations),
        .optional("securityContext", \.securityContext),
        .optional("serviceAccountName", \.serviceAccountName),
        .optional("automountServiceAccountToken", \.automountServiceAccountToken),
        .optional("executor", \.executor),
        .optional("priorityClassName", \.priorityClassName),
        .optional("schedulerName", \.schedulerName),
        .optional("hostAliases", \.hostAliases),
        .optional("archiveLocation", \.archiveLocation),
        .optional("metrics", \.metrics),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        try Self.fields.read(value, into: &self)
    }
}

extension SuspendTemplate: ValueDecodable {
    static let fields = FieldTable<SuspendTemplate>([
        .optional("duration", \.duration),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        try Self.fields.read(value, into: &self)
    }
}
