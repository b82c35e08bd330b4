public struct WorkflowSpec: Codable, Sendable, Hashable {
    public var entrypoint: String?
    public var arguments: Arguments?
    public var templates: [Template]?
    public var onExit: String?
    public var hooks: [String: LifecycleHook]?
    public var parallelism: Int?
    public var activeDeadlineSeconds: Int?
    public var templateDefaults: Template?
    public var workflowTemplateRef: WorkflowTemplateRef?
    public var suspend: Bool?
    public var shutdown: String?
    public var serviceAccountName: String?
    public var automountServiceAccountToken: Bool?
    public var executor: JSONValue?
    public var volumes: [JSONValue]?
    public var volumeClaimTemplates: [JSONValue]?
    public var volumeClaimGC: JSONValue?
    public var nodeSelector: [String: String]?
    public var affinity: JSONValue?
    public var tolerations: [JSONValue]?
    public var securityContext: JSONValue?
    public var imagePullSecrets: [JSONValue]?
    public var hostNetwork: Bool?
    public var dnsPolicy: String?
    public var dnsConfig: JSONValue?
    public var hostAliases: [JSONValue]?
    public var priorityClassName: String?
    public var priority: Int?
    public var schedulerName: String?
    public var podGC: JSONValue?
    public var podPriorityClassName: String?
    public var podSpecPatch: String?
    public var podMetadata: JSONValue?
    public var podDisruptionBudget: JSONValue?
    public var ttlStrategy: JSONValue?
    public var retryStrategy: RetryStrategy?
    public var metrics: JSONValue?
    public var synchronization: JSONValue?
    public var artifactRepositoryRef: JSONValue?
    public var artifactGC: JSONValue?
    public var archiveLogs: Bool?
    public var workflowMetadata: JSONValue?
    public var failFast: Bool?

    public init(entrypoint: String? = nil, templates: [Template]? = nil) {
        self.entrypoint = entrypoint
        self.templates = templates
    }
}

public struct WorkflowTemplateRef: Codable, Sendable, Hashable {
    public var name: String
    public var clusterScope: Bool?
}

public struct CronWorkflowSpec: Codable, Sendable, Hashable {
    public var schedule: String?
    public var schedules: [String]?
    public var timezone: String?
    public var concurrencyPolicy: String?
    public var startingDeadlineSeconds: Int?
    public var successfulJobsHistoryLimit: Int?
    public var failedJobsHistoryLimit: Int?
    public var suspend: Bool?
    public var when: String?
    public var stopStrategy: JSONValue?
    public var workflowMetadata: JSONValue?
    public var workflowSpec: WorkflowSpec
}

// Read by hand (see ValueDecodable): each field in declaration order, as the synthesized
// Decodable reads them, so the first wrong field is the one reported.

extension WorkflowSpec: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.entrypoint = try f.optional("entrypoint")
        self.arguments = try f.optional("arguments")
        self.templates = try f.optional("templates")
        self.onExit = try f.optional("onExit")
        self.hooks = try f.optional("hooks")
        self.parallelism = try f.optional("parallelism")
        self.activeDeadlineSeconds = try f.optional("activeDeadlineSeconds")
        self.templateDefaults = try f.optional("templateDefaults")
        self.workflowTemplateRef = try f.optional("workflowTemplateRef")
        self.suspend = try f.optional("suspend")
        self.shutdown = try f.optional("shutdown")
        self.serviceAccountName = try f.optional("serviceAccountName")
        self.automountServiceAccountToken = try f.optional("automountServiceAccountToken")
        self.executor = try f.optional("executor")
        self.volumes = try f.optional("volumes")
        self.volumeClaimTemplates = try f.optional("volumeClaimTemplates")
        self.volumeClaimGC = try f.optional("volumeClaimGC")
        self.nodeSelector = try f.optional("nodeSelector")
        self.affinity = try f.optional("affinity")
        self.tolerations = try f.optional("tolerations")
        self.securityContext = try f.optional("securityContext")
        self.imagePullSecrets = try f.optional("imagePullSecrets")
        self.hostNetwork = try f.optional("hostNetwork")
        self.dnsPolicy = try f.optional("dnsPolicy")
        self.dnsConfig = try f.optional("dnsConfig")
        self.hostAliases = try f.optional("hostAliases")
        self.priorityClassName = try f.optional("priorityClassName")
        self.priority = try f.optional("priority")
        self.schedulerName = try f.optional("schedulerName")
        self.podGC = try f.optional("podGC")
        self.podPriorityClassName = try f.optional("podPriorityClassName")
        self.podSpecPatch = try f.optional("podSpecPatch")
        self.podMetadata = try f.optional("podMetadata")
        self.podDisruptionBudget = try f.optional("podDisruptionBudget")
        self.ttlStrategy = try f.optional("ttlStrategy")
        self.retryStrategy = try f.optional("retryStrategy")
        self.metrics = try f.optional("metrics")
        self.synchronization = try f.optional("synchronization")
        self.artifactRepositoryRef = try f.optional("artifactRepositoryRef")
        self.artifactGC = try f.optional("artifactGC")
        self.archiveLogs = try f.optional("archiveLogs")
        self.workflowMetadata = try f.optional("workflowMetadata")
        self.failFast = try f.optional("failFast")
    }
}

extension WorkflowTemplateRef: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.name = try f.required("name")
        self.clusterScope = try f.optional("clusterScope")
    }
}

extension CronWorkflowSpec: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.schedule = try f.optional("schedule")
        self.schedules = try f.optional("schedules")
        self.timezone = try f.optional("timezone")
        self.concurrencyPolicy = try f.optional("concurrencyPolicy")
        self.startingDeadlineSeconds = try f.optional("startingDeadlineSeconds")
        self.successfulJobsHistoryLimit = try f.optional("successfulJobsHistoryLimit")
        self.failedJobsHistoryLimit = try f.optional("failedJobsHistoryLimit")
        self.suspend = try f.optional("suspend")
        self.when = try f.optional("when")
        self.stopStrategy = try f.optional("stopStrategy")
        self.workflowMetadata = try f.optional("workflowMetadata")
        self.workflowSpec = try f.required("workflowSpec")
    }
}
