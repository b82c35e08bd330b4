/// The two API groups a document may name: Skein's own and Argo's (accepted on input).
public enum APIGroup {
    public static let skein = "skein.dev/v1alpha1"
    public static let argo = "argoproj.io/v1alpha1"
    public static let accepted = [skein, argo]
}

public struct Workflow: Codable, Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var spec: WorkflowSpec
    public var status: WorkflowStatus?

    public init(metadata: ObjectMeta, spec: WorkflowSpec) {
        apiVersion = APIGroup.skein
        kind = "Workflow"
        self.metadata = metadata
        self.spec = spec
    }
}

/// WorkflowTemplate and ClusterWorkflowTemplate: a library of templates under a name.
public struct WorkflowTemplate: Codable, Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var spec: WorkflowSpec

    public var isClusterScoped: Bool { kind == "ClusterWorkflowTemplate" }

    public init(name: String, spec: WorkflowSpec, clusterScoped: Bool = false) {
        apiVersion = APIGroup.skein
        kind = clusterScoped ? "ClusterWorkflowTemplate" : "WorkflowTemplate"
        metadata = ObjectMeta(name: name)
        self.spec = spec
    }
}

public struct CronWorkflow: Codable, Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var spec: CronWorkflowSpec
}

// Read by hand (see ValueDecodable). The rules are listed in declaration order, which is
// the order Codable reads them in, so that the first wrong field is the one reported.

extension Workflow: ValueDecodable {
    static let fields = FieldTable<Workflow>([
        .required("apiVersion", \.apiVersion),
        .required("kind", \.kind),
        .required("metadata", \.metadata),
        .required("spec", \.spec),
        .optionalCodable("status", \.status),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        self.apiVersion = ""
        self.kind = ""
        self.metadata = ObjectMeta()
        self.spec = WorkflowSpec()
        try Self.fields.read(value, into: &self)
    }
}

extension WorkflowTemplate: ValueDecodable {
    static let fields = FieldTable<WorkflowTemplate>([
        .required("apiVersion", \.apiVersion),
        .required("kind", \.kind),
        .required("metadata", \.metadata),
        .required("spec", \.spec),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        self.apiVersion = ""
        self.kind = ""
        self.metadata = ObjectMeta()
        self.spec = WorkflowSpec()
        try Self.fields.read(value, into: &self)
    }
}

extension CronWorkflow: ValueDecodable {
    static let fields = FieldTable<CronWorkflow>([
        .required("apiVersion", \.apiVersion),
        .required("kind", \.kind),
        .required("metadata", \.metadata),
        .required("spec", \.spec),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        self.apiVersion = ""
        self.kind = ""
        self.metadata = ObjectMeta()
        self.spec = CronWorkflowSpec(workflowSpec: WorkflowSpec())
        try Self.fields.read(value, into: &self)
    }
}
