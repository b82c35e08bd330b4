/// An artifact (a file or directory) passed into or out of a step.
public struct Artifact: Codable, Sendable, Hashable {
    public var name: String
    public var path: String?
    public var mode: Int?
    public var from: String?
    public var fromExpression: String?
    public var optional: Bool?
    public var subPath: String?
    public var globalName: String?
    public var archive: ArchiveStrategy?
    public var raw: RawArtifact?
    public var http: HTTPArtifact?
    /// Where a stored artifact lives in the artifact repository (set on outputs once saved).
    public var key: String?
    // Kept as written: other repositories (S3, GCS, git, ...) are issues of their own.
    public var s3: JSONValue?
    public var gcs: JSONValue?
    public var git: JSONValue?
    public var hdfs: JSONValue?
    public var oss: JSONValue?
    public var azure: JSONValue?
    public var artifactory: JSONValue?
    public var archiveLogs: Bool?
    public var recurseMode: Bool?
    public var deleted: Bool?
    public var artifactGC: JSONValue?

    public init(name: String, path: String? = nil) {
        self.name = name
        self.path = path
    }
}

public struct ArchiveStrategy: Codable, Sendable, Hashable {
    public var none: JSONValue?
    public var tar: TarStrategy?
    public var zip: JSONValue?
    public init(none: JSONValue? = nil, tar: TarStrategy? = nil) {
        self.none = none
        self.tar = tar
    }
    public struct TarStrategy: Codable, Sendable, Hashable {
        public var compressionLevel: Int?
    }
}

public struct RawArtifact: Codable, Sendable, Hashable {
    public var data: String
    public init(data: String) { self.data = data }
}

public struct HTTPArtifact: Codable, Sendable, Hashable {
    public var url: String
    public var headers: [Header]?
    public struct Header: Codable, Sendable, Hashable {
        public var name: String
        public var value: String
    }
}

// Read by hand (see ValueDecodable). The rules are listed in declaration order, which is
// the order Codable reads them in, so that the first wrong field is the one reported.

extension Artifact: ValueDecodable {
    static let fields = FieldTable<Artifact>([
        .required("name", \.name),
        .optional("path", \.path),
        .optional("mode", \.mode),
        .optional("from", \.from),
        .optional("fromExpression", \.fromExpression),
        .optional("optional", \.optional),
        .optional("subPath", \.subPath),
        .optional("globalName", \.globalName),
        .optional("archive", \.archive),
        .optional("raw", \.raw),
        .optional("http", \.http),
        .optional("key", \.key),
        .optional("s3", \.s3),
        .optional("gcs", \.gcs),
        .optional("git", \.git),
        .optional("hdfs", \.hdfs),
        .optional("oss", \.oss),
        .optional("azure", \.azure),
        .optional("artifactory", \.artifactory),
        .optional("archiveLogs", \.archiveLogs),
        .optional("recurseMode", \.recurseMode),
        .optional("deleted", \.deleted),
        .optional("artifactGC", \.artifactGC),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        self.name = ""
        try Self.fields.read(value, into: &self)
    }
}

extension ArchiveStrategy: ValueDecodable {
    static let fields = FieldTable<ArchiveStrategy>([
        .optional("none", \.none),
        .optional("tar", \.tar),
        .optional("zip", \.zip),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        try Self.fields.read(value, into: &self)
    }
}

extension ArchiveStrategy.TarStrategy: ValueDecodable {
    static let fields = FieldTable<ArchiveStrategy.TarStrategy>([
        .optional("compressionLevel", \.compressionLevel),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        try Self.fields.read(value, into: &self)
    }
}

extension RawArtifact: ValueDecodable {
    static let fields = FieldTable<RawArtifact>([
        .required("data", \.data),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        self.data = ""
        try Self.fields.read(value, into: &self)
    }
}

extension HTTPArtifact: ValueDecodable {
    static let fields = FieldTable<HTTPArtifact>([
        .required("url", \.url),
        .optional("headers", \.headers),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        self.url = ""
        try Self.fields.read(value, into: &self)
    }
}

extension HTTPArtifact.Header: ValueDecodable {
    static let fields = FieldTable<HTTPArtifact.Header>([
        .required("name", \.name),
        .required("value", \.value),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        self.name = ""
        self.value = ""
        try Self.fields.read(value, into: &self)
    }
}
