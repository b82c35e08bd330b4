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
