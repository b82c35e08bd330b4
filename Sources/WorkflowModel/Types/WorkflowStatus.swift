/// Phases of a workflow and of its nodes, spelled as Argo spells them.
public enum NodePhase: String, Codable, Sendable, Hashable {
    case pending = "Pending"
    case running = "Running"
    case succeeded = "Succeeded"
    case skipped = "Skipped"
    case failed = "Failed"
    case error = "Error"
    case omitted = "Omitted"

    /// Done: nothing about this node changes any more.
    public var isFulfilled: Bool {
        switch self {
        case .succeeded, .skipped, .failed, .error, .omitted: return true
        case .pending, .running: return false
        }
    }

    public var isFailure: Bool { self == .failed || self == .error }
}

public enum WorkflowPhase: String, Codable, Sendable, Hashable {
    case unknown = ""
    case pending = "Pending"
    case running = "Running"
    case succeeded = "Succeeded"
    case failed = "Failed"
    case error = "Error"

    public var isCompleted: Bool { self == .succeeded || self == .failed || self == .error }
}

public enum NodeType: String, Codable, Sendable, Hashable {
    case pod = "Pod"
    case container = "Container"
    case steps = "Steps"
    case stepGroup = "StepGroup"
    case dag = "DAG"
    case taskGroup = "TaskGroup"
    case retry = "Retry"
    case skipped = "Skipped"
    case suspend = "Suspend"
    case plugin = "Plugin"
    case http = "HTTP"
}

/// Argo's `nodeFlag`: what made a node, for UIs and `argo retry` (a hook's node is `hooked`,
/// each attempt of a retried template `retried`).
public struct NodeFlag: Codable, Sendable, Hashable {
    public var hooked: Bool?
    public var retried: Bool?

    public init(hooked: Bool? = nil, retried: Bool? = nil) {
        self.hooked = hooked == true ? true : nil
        self.retried = retried == true ? true : nil
    }
}

public struct NodeStatus: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var displayName: String
    public var type: NodeType
    /// The step's `template` (Argo leaves it empty when the step names a `templateRef`).
    public var templateName: String?
    public var templateRef: TemplateRef?
    /// The name of the template the node ran: `templateName`, or the template of its `templateRef`.
    public var ranTemplate: String? { templateName ?? templateRef?.template }
    public var templateScope: String?
    public var phase: NodePhase
    public var boundaryID: String?
    public var message: String?
    public var startedAt: Timestamp?
    public var finishedAt: Timestamp?
    public var estimatedDuration: Int?
    public var progress: String?
    public var podIP: String?
    public var daemoned: Bool?
    public var inputs: Inputs?
    public var outputs: Outputs?
    public var children: [String]?
    public var outboundNodes: [String]?
    public var hostNodeName: String?
    public var nodeFlag: NodeFlag?

    public init(id: String, name: String, displayName: String, type: NodeType, phase: NodePhase) {
        self.id = id
        self.name = name
        self.displayName = displayName
        self.type = type
        self.phase = phase
    }
}

public struct WorkflowStatus: Codable, Sendable, Hashable {
    public var phase: WorkflowPhase?
    public var startedAt: Timestamp?
    public var finishedAt: Timestamp?
    public var estimatedDuration: Int?
    public var progress: String?
    public var message: String?
    public var nodes: [String: NodeStatus]?
    public var outputs: Outputs?
    public var conditions: [JSONValue]?
    public var storedTemplates: [String: Template]?
    public var compressedNodes: String?
    /// The artifact repository the workflow's artifacts went to, as Argo records it
    /// (`{default: true, artifactRepository: {archiveLogs, s3: {...}}}`), so clients can
    /// fetch them.
    public var artifactRepositoryRef: JSONValue?

    public init() {}
}
