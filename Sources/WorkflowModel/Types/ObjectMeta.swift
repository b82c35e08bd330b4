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
