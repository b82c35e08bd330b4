public import SkeinJSON

/// The default artifact repository in S3, in the shape of Argo's `artifactRepository.s3`
/// (the workflow-controller ConfigMap's): `bucket`, `endpoint` (host[:port], or a URL),
/// `region`, `insecure` (plain HTTP), `keyPrefix`, and the keys from Secrets in the step's
/// namespace (`accessKeySecret`, `secretKeySecret`, `sessionTokenSecret`: `{name, key}`).
public struct S3Repository: Sendable, Equatable {
    public typealias SecretKey = S3Location.SecretKeyRef

    public var bucket: String
    public var endpoint: String?
    public var region: String?
    public var insecure: Bool
    public var keyPrefix: String?
    public var accessKeySecret: SecretKey?
    public var secretKeySecret: SecretKey?
    public var sessionTokenSecret: SecretKey?
    /// createBucketIfNotPresent, encryptionOptions, caSecret.
    public var options = S3Options()
    /// Argo's `keyFormat`: where each step's artifacts go, with workflow variables.
    public var keyFormat: String?

    public init(bucket: String, endpoint: String? = nil, region: String? = nil, insecure: Bool = false, keyPrefix: String? = nil,
                accessKeySecret: SecretKey? = nil, secretKeySecret: SecretKey? = nil, sessionTokenSecret: SecretKey? = nil) {
        self.bucket = bucket
        self.endpoint = endpoint
        self.region = region
        self.insecure = insecure
        self.keyPrefix = keyPrefix
        self.accessKeySecret = accessKeySecret
        self.secretKeySecret = secretKeySecret
        self.sessionTokenSecret = sessionTokenSecret
    }

    /// The endpoint as a URL: `http://` when `insecure`, else `https://`; nil for AWS itself.
    public var endpointURL: String? { S3Location.endpointURL(endpoint, insecure: insecure) }

    /// Argo's `s3:` object; problems name the field and the fix.
    public static func parse(_ v: JSONValue, field: String = "artifactRepository.s3") throws(ParseError) -> S3Repository {
        guard let o = v.objectValue else { throw ParseError("\(field) must be a map with at least `bucket`") }
        let known: Set<String> = ["bucket", "endpoint", "region", "insecure", "keyPrefix", "keyFormat", "accessKeySecret", "secretKeySecret",
                                  "sessionTokenSecret", "useSDKCreds", "roleARN", "createBucketIfNotPresent", "encryptionOptions", "caSecret"]
        for k in o.keys.sorted() where !known.contains(k) {
            throw ParseError("\(field): unknown field '\(k)'", fix: "the fields are \(known.sorted().joined(separator: ", "))")
        }
        guard let bucket = o["bucket"]?.stringValue, !bucket.isEmpty else {
            throw ParseError("\(field).bucket is missing", fix: "name the bucket artifacts go to, e.g. bucket: my-artifacts")
        }
        var repo: S3Repository
        do {
            repo = S3Repository(bucket: bucket, endpoint: o["endpoint"]?.stringValue, region: o["region"]?.stringValue,
                                insecure: try S3Location.insecureFlag(o, field: field), keyPrefix: o["keyPrefix"]?.stringValue,
                                accessKeySecret: try S3Location.secretRef(o["accessKeySecret"], "accessKeySecret", field: field),
                                secretKeySecret: try S3Location.secretRef(o["secretKeySecret"], "secretKeySecret", field: field),
                                sessionTokenSecret: try S3Location.secretRef(o["sessionTokenSecret"], "sessionTokenSecret", field: field))
        } catch {
            throw ParseError(error.description)
        }
        repo.keyFormat = o["keyFormat"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        do {
            repo.options = try S3Options.parse(o, field: field)
        } catch {
            throw ParseError(error.description)
        }
        for unsupported in ["roleARN"] where o[unsupported] != nil {
            throw ParseError("\(field).\(unsupported) is not supported yet", fix: "leave it out (keys come from the Secrets, or the pod's web identity or instance role)")
        }
        return repo
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var fix: String?
        public init(_ message: String, fix: String? = nil) { self.message = message; self.fix = fix }
        public var description: String { message + (fix.map { ": \($0)" } ?? "") }
    }

    /// Argo's `s3:` object for this repository.
    public var json: JSONValue {
        var o: [String: JSONValue] = ["bucket": .string(bucket)]
        if let endpoint { o["endpoint"] = .string(endpoint) }
        if let region { o["region"] = .string(region) }
        if insecure { o["insecure"] = true }
        if let keyPrefix { o["keyPrefix"] = .string(keyPrefix) }
        if let keyFormat { o["keyFormat"] = .string(keyFormat) }
        for (name, ref) in [("accessKeySecret", accessKeySecret), ("secretKeySecret", secretKeySecret), ("sessionTokenSecret", sessionTokenSecret)] {
            if let ref { o[name] = ["name": .string(ref.name), "key": .string(ref.key)] }
        }
        options.merge(into: &o)
        return .object(o)
    }
}
