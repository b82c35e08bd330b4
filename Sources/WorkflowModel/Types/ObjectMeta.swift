/// The parts of Kubernetes' ObjectMeta that Skein reads; the document's own text is kept
/// whole elsewhere, so fields not listed here are not lost.
public struct ObjectMeta: Codable, Sendable, Hashable {
    public var name: String?
    public var generateName: String?
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?
    public var creationTimestamp: String?
    public var labels: [String: String]?
    public var annotations: [String: String]?

    public init(name: String? = nil, generateName: String? = nil, namespace: String? = nil) {
        self.name = name
        self.generateName = generateName
        self.namespace = namespace
    }
}

// Read by hand (see ValueDecodable). The rules are listed in declaration order, which is
// the order Codable reads them in, so that the first wrong field is the one reported.

extension ObjectMeta: ValueDecodable {
    static let fields = FieldTable<ObjectMeta>([
        .optional("name", \.name),
        .optional("generateName", \.generateName),
        .optional("namespace", \.namespace),
        .optional("uid", \.uid),
        .optional("resourceVersion", \.resourceVersion),
        .optional("creationTimestamp", \.creationTimestamp),
        .optional("labels", \.labels),
        .optional("annotations", \.annotations),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        try Self.fields.read(value, into: &self)
    }
}
