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

// Read by hand (see ValueDecodable): each field in declaration order, as the synthesized
// Decodable reads them, so the first wrong field is the one reported.

extension Artifact: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.name = try f.required("name")
        self.path = try f.optional("path")
        self.mode = try f.optional("mode")
        self.from = try f.optional("from")
        self.fromExpression = try f.optional("fromExpression")
        self.optional = try f.optional("optional")
        self.subPath = try f.optional("subPath")
        self.globalName = try f.optional("globalName")
        self.archive = try f.optional("archive")
        self.raw = try f.optional("raw")
        self.http = try f.optional("http")
        self.key = try f.optional("key")
        self.s3 = try f.optional("s3")
        self.gcs = try f.optional("gcs")
        self.git = try f.optional("git")
        self.hdfs = try f.optional("hdfs")
        self.oss = try f.optional("oss")
        self.azure = try f.optional("azure")
        self.artifactory = try f.optional("artifactory")
        self.archiveLogs = try f.optional("archiveLogs")
        self.recurseMode = try f.optional("recurseMode")
        self.deleted = try f.optional("deleted")
        self.artifactGC = try f.optional("artifactGC")
    }
}

extension ArchiveStrategy: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.none = try f.optional("none")
        self.tar = try f.optional("tar")
        self.zip = try f.optional("zip")
    }
}

extension ArchiveStrategy.TarStrategy: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.compressionLevel = try f.optional("compressionLevel")
    }
}

extension RawArtifact: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.data = try f.required("data")
    }
}

extension HTTPArtifact: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.url = try f.required("url")
        self.headers = try f.optional("headers")
    }
}

extension HTTPArtifact.Header: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.name = try f.required("name")
        self.value = try f.required("value")
    }
}
