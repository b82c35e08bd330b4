public import WorkflowModel

/// What the engine asks a runtime to do. Runtimes carry actions out and report back through
/// `Observation`s; they never decide what runs next.
public enum Action: Sendable, Hashable {
    case startStep(StepLaunch)
    case stopStep(nodeID: String, reason: String)
    case deleteStepPod(nodeID: String)
    case requeue(after: Double)
    case runResource(ResourceLaunch)
    case workflowFinished(WorkflowPhase)
}

/// Everything a runtime needs to run one step: the template with every `{{...}}` resolved,
/// the input artifacts to fetch, and where output artifacts go.
public struct StepLaunch: Sendable, Hashable {
    public var nodeID: String
    public var nodeName: String
    public var displayName: String
    public var podName: String
    /// The template after substitution (container/script fields resolved).
    public var template: Template
    public var inputArtifacts: [InputArtifact]
    public var outputArtifacts: [OutputArtifact]
    /// `outputs.parameters` the runtime reads from files after the step (`valueFrom.path`).
    public var outputParameters: [Parameter]
    /// Absolute deadline for the step (timeout / activeDeadlineSeconds), if any.
    public var deadline: Timestamp?
    /// Whether the step's stdout is needed (`outputs.result`).
    public var captureResult: Bool
    /// Hosts where earlier attempts ran, for a retry with `affinity.nodeAntiAffinity`: the
    /// pod must be scheduled elsewhere.
    public var avoidNodes: [String] = []
    /// Where the main container's log goes in the repository (`archiveLogs`), recorded as
    /// the output artifact `main-logs`; nil when logs are not archived.
    public var logKey: String?

    public init(nodeID: String, nodeName: String, displayName: String, podName: String, template: Template,
                inputArtifacts: [InputArtifact] = [], outputArtifacts: [OutputArtifact] = [],
                outputParameters: [Parameter] = [], deadline: Timestamp? = nil, captureResult: Bool = true)
    {
        self.nodeID = nodeID
        self.nodeName = nodeName
        self.displayName = displayName
        self.podName = podName
        self.template = template
        self.inputArtifacts = inputArtifacts
        self.outputArtifacts = outputArtifacts
        self.outputParameters = outputParameters
        self.deadline = deadline
        self.captureResult = captureResult
    }
}

/// An input artifact resolved to where its content comes from.
public struct InputArtifact: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// A stored artifact (output of an earlier step): its repository key.
        case stored(key: String)
        case raw(data: String)
        case http(url: String, headers: [HTTPArtifact.Header])
        /// Optional and absent: nothing to fetch.
        case none
    }

    public var name: String
    public var path: String
    public var source: Source
    public var mode: Int?
    /// A file or directory inside the fetched artifact to use instead of all of it.
    public var subPath: String?
    /// For `.stored`: the artifact's own S3 location; nil for the runtime's repository.
    public var location: S3Location?
    /// `archive: {zip: {}}`: the artifact is a zip, unpacked at the path.
    public var unzip = false
    /// `recurseMode`: `mode` applies to everything inside a directory artifact too.
    public var recurseMode = false
    /// `optional`: a stored artifact that is not there is left out (its path does not exist).
    public var optional = false

    public init(name: String, path: String, source: Source, mode: Int? = nil) {
        self.name = name
        self.path = path
        self.source = source
        self.mode = mode
    }
}

/// A declared output artifact and the repository key to store it under.
public struct OutputArtifact: Sendable, Hashable {
    public var artifact: Artifact
    public var path: String
    public var key: String
    public var archive: Bool
    public var optional: Bool
    /// The artifact's own S3 location (`key` is then the object's key in it); nil for the
    /// runtime's repository.
    public var location: S3Location?

    public init(artifact: Artifact, path: String, key: String, archive: Bool, optional: Bool) {
        self.artifact = artifact
        self.path = path
        self.key = key
        self.archive = archive
        self.optional = optional
    }
}
