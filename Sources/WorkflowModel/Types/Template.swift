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

// Read by hand (see ValueDecodable): each field in declaration order, as the synthesized
// Decodable reads them, so the first wrong field is the one reported.

extension Template: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.name = try f.optional("name")
        self.inputs = try f.optional("inputs")
        self.outputs = try f.optional("outputs")
        self.container = try f.optional("container")
        self.script = try f.optional("script")
        self.steps = try f.optional("steps")
        self.dag = try f.optional("dag")
        self.suspend = try f.optional("suspend")
        self.resource = try f.optional("resource")
        self.data = try f.optional("data")
        self.http = try f.optional("http")
        self.plugin = try f.optional("plugin")
        self.containerSet = try f.optional("containerSet")
        self.retryStrategy = try f.optional("retryStrategy")
        self.activeDeadlineSeconds = try f.optional("activeDeadlineSeconds")
        self.timeout = try f.optional("timeout")
        self.parallelism = try f.optional("parallelism")
        self.failFast = try f.optional("failFast")
        self.daemon = try f.optional("daemon")
        self.memoize = try f.optional("memoize")
        self.synchronization = try f.optional("synchronization")
        self.metadata = try f.optional("metadata")
        self.podSpecPatch = try f.optional("podSpecPatch")
        self.volumes = try f.optional("volumes")
        self.initContainers = try f.optional("initContainers")
        self.sidecars = try f.optional("sidecars")
        self.nodeSelector = try f.optional("nodeSelector")
        self.affinity = try f.optional("affinity")
        self.tolerations = try f.optional("tolerations")
        self.securityContext = try f.optional("securityContext")
        self.serviceAccountName = try f.optional("serviceAccountName")
        self.automountServiceAccountToken = try f.optional("automountServiceAccountToken")
        self.executor = try f.optional("executor")
        self.priorityClassName = try f.optional("priorityClassName")
        self.schedulerName = try f.optional("schedulerName")
        self.hostAliases = try f.optional("hostAliases")
        self.archiveLocation = try f.optional("archiveLocation")
        self.metrics = try f.optional("metrics")
    }
}

extension SuspendTemplate: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.duration = try f.optional("duration")
    }
}
