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

    public init(path: String? = nil, expression: String? = nil, parameter: String? = nil) {
        self.path = path
        self.expression = expression
        self.parameter = parameter
    }
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

// Read by hand (see ValueDecodable). The rules are listed in declaration order, which is
// the order Codable reads them in, so that the first wrong field is the one reported.

extension Parameter: ValueDecodable {
    static let fields = FieldTable<Parameter>([
        .required("name", \.name),
        .optional("value", \.value),
        .optional("default", \.`default`),
        .optional("enum", \.`enum`),
        .optional("valueFrom", \.valueFrom),
        .optional("globalName", \.globalName),
        .optional("description", \.description),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        self.name = ""
        try Self.fields.read(value, into: &self)
    }
}

extension ValueFrom: ValueDecodable {
    static let fields = FieldTable<ValueFrom>([
        .optional("path", \.path),
        .optional("expression", \.expression),
        .optional("parameter", \.parameter),
        .optional("jsonPath", \.jsonPath),
        .optional("jqFilter", \.jqFilter),
        .optional("event", \.event),
        .optional("default", \.`default`),
        .optional("supplied", \.supplied),
        .optional("configMapKeyRef", \.configMapKeyRef),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        try Self.fields.read(value, into: &self)
    }
}

extension Arguments: ValueDecodable {
    static let fields = FieldTable<Arguments>([
        .optional("parameters", \.parameters),
        .optional("artifacts", \.artifacts),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        try Self.fields.read(value, into: &self)
    }
}

extension Inputs: ValueDecodable {
    static let fields = FieldTable<Inputs>([
        .optional("parameters", \.parameters),
        .optional("artifacts", \.artifacts),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        try Self.fields.read(value, into: &self)
    }
}

extension Outputs: ValueDecodable {
    static let fields = FieldTable<Outputs>([
        .optional("parameters", \.parameters),
        .optional("artifacts", \.artifacts),
        .optional("result", \.result),
        .optional("exitCode", \.exitCode),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        try Self.fields.read(value, into: &self)
    }
}
