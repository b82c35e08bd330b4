/// An input or output parameter (`inputs.parameters[]`, `outputs.parameters[]`, `arguments.parameters[]`).
public struct Parameter: Codable, Sendable, Hashable {
    public var name: String
    public var value: AnyString?
    public var `default`: AnyString?
    public var `enum`: [AnyString]?
    public var valueFrom: ValueFrom?
    public var globalName: String?
    public var description: String?

    public init(name: String, value: String? = nil, default: String? = nil) {
        self.name = name
        self.value = value.map { AnyString($0) }
        self.default = `default`.map { AnyString($0) }
    }
}

/// Where a parameter's value comes from.
public struct ValueFrom: Codable, Sendable, Hashable {
    public var path: String?
    public var expression: String?
    public var parameter: String?
    public var jsonPath: String?
    public var jqFilter: String?
    public var event: String?
    public var `default`: AnyString?
    public var supplied: JSONValue?
    public var configMapKeyRef: JSONValue?
}

public struct Arguments: Codable, Sendable, Hashable {
    public var parameters: [Parameter]?
    public var artifacts: [Artifact]?
    public init(parameters: [Parameter]? = nil, artifacts: [Artifact]? = nil) {
        self.parameters = parameters
        self.artifacts = artifacts
    }
}

public struct Inputs: Codable, Sendable, Hashable {
    public var parameters: [Parameter]?
    public var artifacts: [Artifact]?
    public init(parameters: [Parameter]? = nil, artifacts: [Artifact]? = nil) {
        self.parameters = parameters
        self.artifacts = artifacts
    }
}

public struct Outputs: Codable, Sendable, Hashable {
    public var parameters: [Parameter]?
    public var artifacts: [Artifact]?
    public var result: String?
    public var exitCode: String?
    public init(parameters: [Parameter]? = nil, artifacts: [Artifact]? = nil, result: String? = nil, exitCode: String? = nil) {
        self.parameters = parameters
        self.artifacts = artifacts
        self.result = result
        self.exitCode = exitCode
    }

    public var isEmpty: Bool {
        (parameters ?? []).isEmpty && (artifacts ?? []).isEmpty && result == nil && exitCode == nil
    }
}

// Read by hand (see ValueDecodable): each field in declaration order, as the synthesized
// Decodable reads them, so the first wrong field is the one reported.

extension Parameter: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.name = try f.required("name")
        self.value = try f.optional("value")
        self.`default` = try f.optional("default")
        self.`enum` = try f.optional("enum")
        self.valueFrom = try f.optional("valueFrom")
        self.globalName = try f.optional("globalName")
        self.description = try f.optional("description")
    }
}

extension ValueFrom: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.path = try f.optional("path")
        self.expression = try f.optional("expression")
        self.parameter = try f.optional("parameter")
        self.jsonPath = try f.optional("jsonPath")
        self.jqFilter = try f.optional("jqFilter")
        self.event = try f.optional("event")
        self.`default` = try f.optional("default")
        self.supplied = try f.optional("supplied")
        self.configMapKeyRef = try f.optional("configMapKeyRef")
    }
}

extension Arguments: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.parameters = try f.optional("parameters")
        self.artifacts = try f.optional("artifacts")
    }
}

extension Inputs: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.parameters = try f.optional("parameters")
        self.artifacts = try f.optional("artifacts")
    }
}

extension Outputs: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.parameters = try f.optional("parameters")
        self.artifacts = try f.optional("artifacts")
        self.result = try f.optional("result")
        self.exitCode = try f.optional("exitCode")
    }
}
