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

// Read by hand (see ValueDecodable): each field in declaration order, as the synthesized
// Decodable reads them, so the first wrong field is the one reported.

extension ObjectMeta: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.name = try f.optional("name")
        self.generateName = try f.optional("generateName")
        self.namespace = try f.optional("namespace")
        self.uid = try f.optional("uid")
        self.resourceVersion = try f.optional("resourceVersion")
        self.creationTimestamp = try f.optional("creationTimestamp")
        self.labels = try f.optional("labels")
        self.annotations = try f.optional("annotations")
    }
}
