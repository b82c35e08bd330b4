/// A reference to a template in a WorkflowTemplate or ClusterWorkflowTemplate.
public struct TemplateRef: Codable, Sendable, Hashable {
    public var name: String
    public var template: String
    public var clusterScope: Bool?
    public init(name: String, template: String, clusterScope: Bool? = nil) {
        self.name = name
        self.template = template
        self.clusterScope = clusterScope
    }
}

public struct ContinueOn: Codable, Sendable, Hashable {
    public var failed: Bool?
    public var error: Bool?
    public init(failed: Bool? = nil, error: Bool? = nil) {
        self.failed = failed
        self.error = error
    }
}

public struct Sequence: Codable, Sendable, Hashable {
    public var count: AnyString?
    public var start: AnyString?
    public var end: AnyString?
    public var format: String?
}

/// A lifecycle hook (`hooks: {exit: {...}, running: {expression: ..., template: ...}}`).
public struct LifecycleHook: Codable, Sendable, Hashable {
    public var template: String?
    public var templateRef: TemplateRef?
    public var arguments: Arguments?
    public var expression: String?
}

/// The fields a step (`steps[i][j]`) and a DAG task share: what to run and how.
public struct WorkflowStep: Codable, Sendable, Hashable {
    public var name: String
    public var template: String?
    public var templateRef: TemplateRef?
    public var inline: Template?
    public var arguments: Arguments?
    public var when: String?
    public var withItems: [JSONValue]?
    public var withParam: String?
    public var withSequence: Sequence?
    public var continueOn: ContinueOn?
    public var onExit: String?
    public var hooks: [String: LifecycleHook]?
    // DAG only
    public var dependencies: [String]?
    public var depends: String?

    public init(name: String, template: String? = nil) {
        self.name = name
        self.template = template
    }
}

/// A DAG task has the same shape as a step plus `dependencies` / `depends`.
public typealias DAGTask = WorkflowStep

public struct DAGTemplate: Codable, Sendable, Hashable {
    public var target: String?
    public var failFast: Bool?
    public var tasks: [DAGTask]
    public init(tasks: [DAGTask], target: String? = nil, failFast: Bool? = nil) {
        self.tasks = tasks
        self.target = target
        self.failFast = failFast
    }
}

/// `steps` is a list of groups; each group's steps run in parallel.
public struct StepGroup: Codable, Sendable, Hashable {
    public var steps: [WorkflowStep]
    public init(_ steps: [WorkflowStep]) { self.steps = steps }
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        var steps: [WorkflowStep] = []
        while !c.isAtEnd { steps.append(try c.decode(WorkflowStep.self)) }
        self.steps = steps
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        for s in steps { try c.encode(s) }
    }
}

// Read by hand (see ValueDecodable). The rules are listed in declaration order, which is
// the order Codable reads them in, so that the first wrong field is the one reported.

extension TemplateRef: ValueDecodable {
    static let fields = FieldTable<TemplateRef>([
        .required("name", \.name),
        .required("template", \.template),
        .optional("clusterScope", \.clusterScope),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        self.name = ""
        self.template = ""
        try Self.fields.read(value, into: &self)
    }
}

extension ContinueOn: ValueDecodable {
    static let fields = FieldTable<ContinueOn>([
        .optional("failed", \.failed),
        .optional("error", \.error),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        try Self.fields.read(value, into: &self)
    }
}

extension Sequence: ValueDecodable {
    static let fields = FieldTable<Sequence>([
        .optional("count", \.count),
        .optional("start", \.start),
        .optional("end", \.end),
        .optional("format", \.format),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        try Self.fields.read(value, into: &self)
    }
}

extension LifecycleHook: ValueDecodable {
    static let fields = FieldTable<LifecycleHook>([
        .optional("template", \.template),
        .optional("templateRef", \.templateRef),
        .optional("arguments", \.arguments),
        .optional("expression", \.expression),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        try Self.fields.read(value, into: &self)
    }
}

extension WorkflowStep: ValueDecodable {
    static let fields = FieldTable<WorkflowStep>([
        .required("name", \.name),
        .optional("template", \.template),
        .optional("templateRef", \.templateRef),
        .optional("inline", \.inline),
        .optional("arguments", \.arguments),
        .optional("when", \.when),
        .optional("withItems", \.withItems),
        .optional("withParam", \.withParam),
        .optional("withSequence", \.withSequence),
        .optional("continueOn", \.continueOn),
        .optional("onExit", \.onExit),
        .optional("hooks", \.hooks),
        .optional("dependencies", \.dependencies),
        .optional("depends", \.depends),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        self.name = ""
        try Self.fields.read(value, into: &self)
    }
}

extension DAGTemplate: ValueDecodable {
    static let fields = FieldTable<DAGTemplate>([
        .optional("target", \.target),
        .optional("failFast", \.failFast),
        .required("tasks", \.tasks),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        self.tasks = []
        try Self.fields.read(value, into: &self)
    }
}

extension StepGroup: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        steps = try [WorkflowStep](value: value)
    }
}
