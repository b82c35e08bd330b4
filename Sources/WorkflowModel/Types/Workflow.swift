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

// Read by hand (see ValueDecodable): each field in declaration order, as the synthesized
// Decodable reads them, so the first wrong field is the one reported.

extension Workflow: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.apiVersion = try f.required("apiVersion")
        self.kind = try f.required("kind")
        self.metadata = try f.required("metadata")
        self.spec = try f.required("spec")
        self.status = try f.optionalCodable("status")
    }
}

extension WorkflowTemplate: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.apiVersion = try f.required("apiVersion")
        self.kind = try f.required("kind")
        self.metadata = try f.required("metadata")
        self.spec = try f.required("spec")
    }
}

extension CronWorkflow: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.apiVersion = try f.required("apiVersion")
        self.kind = try f.required("kind")
        self.metadata = try f.required("metadata")
        self.spec = try f.required("spec")
    }
}
