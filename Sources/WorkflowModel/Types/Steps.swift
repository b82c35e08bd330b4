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

// Read by hand (see ValueDecodable): each field in declaration order, as the synthesized
// Decodable reads them, so the first wrong field is the one reported.

extension TemplateRef: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.name = try f.required("name")
        self.template = try f.required("template")
        self.clusterScope = try f.optional("clusterScope")
    }
}

extension ContinueOn: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.failed = try f.optional("failed")
        self.error = try f.optional("error")
    }
}

extension Sequence: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.count = try f.optional("count")
        self.start = try f.optional("start")
        self.end = try f.optional("end")
        self.format = try f.optional("format")
    }
}

extension LifecycleHook: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.template = try f.optional("template")
        self.templateRef = try f.optional("templateRef")
        self.arguments = try f.optional("arguments")
        self.expression = try f.optional("expression")
    }
}

extension WorkflowStep: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.name = try f.required("name")
        self.template = try f.optional("template")
        self.templateRef = try f.optional("templateRef")
        self.inline = try f.optional("inline")
        self.arguments = try f.optional("arguments")
        self.when = try f.optional("when")
        self.withItems = try f.optional("withItems")
        self.withParam = try f.optional("withParam")
        self.withSequence = try f.optional("withSequence")
        self.continueOn = try f.optional("continueOn")
        self.onExit = try f.optional("onExit")
        self.hooks = try f.optional("hooks")
        self.dependencies = try f.optional("dependencies")
        self.depends = try f.optional("depends")
    }
}

extension DAGTemplate: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.target = try f.optional("target")
        self.failFast = try f.optional("failFast")
        self.tasks = try f.required("tasks")
    }
}

extension StepGroup: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        steps = try [WorkflowStep](value: value)
    }
}
