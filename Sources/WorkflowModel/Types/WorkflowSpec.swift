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

// Read by hand (see ValueDecodable). The rules are listed in declaration order, which is
// the order Codable reads them in, so that the first wrong field is the one reported.

extension WorkflowSpec: ValueDecodable {
    static let fields = FieldTable<WorkflowSpec>([
        .optional("entrypoint", \.entrypoint),
        .optional("arguments", \.arguments),
        .optional("templates", \.templates),
        .optional("onExit", \.onExit),
        .optional("hooks", \.hooks),
        .optional("parallelism", \.parallelism),
        .optional("activeDeadlineSeconds", \.activeDeadlineSeconds),
        .optional("templateDefaults", \.templateDefaults),
        .optional("workflowTemplateRef", \.workflowTemplateRef),
        .optional("suspend", \.suspend),
        .optional("shutdown", \.shutdown),
        .optional("serviceAccountName", \.serviceAccountName),
        .optional("automountServiceAccountToken", \.automountServiceAccountToken),
        .optional("executor", \.executor),
        .optional("volumes", \.volumes),
        .optional("volumeClaimTemplates", \.volumeClaimTemplates),
        .optional("volumeClaimGC", \.volumeClaimGC),
        .optional("nodeSelector", \.nodeSelector),
        .optional("affinity", \.affinity),
        .optional("tolerations", \.tolerations),
        .optional("securityContext", \.securityContext),
        .optional("imagePullSecrets", \.imagePullSecrets),
        .optional("hostNetwork", \.hostNetwork),
        .optional("dnsPolicy", \.dnsPolicy),
        .optional("dnsConfig", \.dnsConfig),
        .optional("hostAliases", \.hostAliases),
        .optional("priorityClassName", \.priorityClassName),
        .optional("priority", \.priority),
        .optional("schedulerName", \.schedulerName),
        .optional("podGC", \.podGC),
        .optional("podPriorityClassName", \.podPriorityClassName),
        .optional("podSpecPatch", \.podSpecPatch),
        .optional("podMetadata", \.podMetadata),
        .optional("podDisruptionBudget", \.podDisruptionBudget),
        .optional("ttlStrategy", \.ttlStrategy),
        .optional("retryStrategy", \.retryStrategy),
        .optional("metrics", \.metrics),
        .optional("synchronization", \.synchronization),
        .optional("artifactRepositoryRef", \.artifactRepositoryRef),
        .optional("artifactGC", \.artifactGC),
        .optional("archiveLogs", \.archiveLogs),
        .optional("workflowMetadata", \.workflowMetadata),
        .optional("failFast", \.failFast),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        try Self.fields.read(value, into: &self)
    }
}

extension WorkflowTemplateRef: ValueDecodable {
    static let fields = FieldTable<WorkflowTemplateRef>([
        .required("name", \.name),
        .optional("clusterScope", \.clusterScope),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        self.name = ""
        try Self.fields.read(value, into: &self)
    }
}

extension CronWorkflowSpec: ValueDecodable {
    static let fields = FieldTable<CronWorkflowSpec>([
        .optional("schedule", \.schedule),
        .optional("schedules", \.schedules),
        .optional("timezone", \.timezone),
        .optional("concurrencyPolicy", \.concurrencyPolicy),
        .optional("startingDeadlineSeconds", \.startingDeadlineSeconds),
        .optional("successfulJobsHistoryLimit", \.successfulJobsHistoryLimit),
        .optional("failedJobsHistoryLimit", \.failedJobsHistoryLimit),
        .optional("suspend", \.suspend),
        .optional("when", \.when),
        .optional("stopStrategy", \.stopStrategy),
        .optional("workflowMetadata", \.workflowMetadata),
        .required("workflowSpec", \.workflowSpec),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        self.workflowSpec = WorkflowSpec()
        try Self.fields.read(value, into: &self)
    }
}
