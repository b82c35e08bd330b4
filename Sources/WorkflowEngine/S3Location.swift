public import SkeinJSON

/// An S3 location of an artifact's own (Argo's `s3:` with a `bucket`), not the runtime's
/// artifact repository: the bucket, how to reach it and the Secrets that hold its keys.
/// The object key travels beside it (`InputArtifact.Source.stored`, `OutputArtifact.key`)
/// and is used as is, without the repository's prefix.
public struct S3Location: Sendable, Hashable {
    /// A key of a Secret in the step's namespace.
    public struct SecretKeyRef: Sendable, Hashable {
        public var name: String
        public var key: String
        public init(name: String, key: String) { self.name = name; self.key = key }

        /// The variable the executor containers get the value in (`SKEIN_SECRET_` and the
        /// name and key in upper case, other characters as `_`, with a checksum so two
        /// references never share a variable).
        public var environmentVariable: String {
            let text = name + "/" + key
            var word = ""
            for u in text.unicodeScalars {
                switch u {
                case "a"..."z": word.unicodeScalars.append(Unicode.Scalar(u.value - 32)!)
                case "A"..."Z", "0"..."9": word.unicodeScalars.append(u)
                default: word += "_"
                }
            }
            var hash: UInt32 = 2_166_136_261
            for b in text.utf8 { hash = (hash ^ UInt32(b)) &* 16_777_619 }
            return "SKEIN_SECRET_\(word)_\(String(hash, radix: 16, uppercase: true))"
        }
    }

    public var bucket: String
    /// host[:port], or a URL; nil for AWS's own endpoint of the region.
    public var endpoint: String?
    public var region: String?
    public var insecure: Bool
    public var accessKeySecret: SecretKeyRef?
    public var secretKeySecret: SecretKeyRef?
    public var sessionTokenSecret: SecretKeyRef?
    public var options = S3Options()

    public init(bucket: String, endpoint: String? = nil, region: String? = nil, insecure: Bool = false,
                accessKeySecret: SecretKeyRef? = nil, secretKeySecret: SecretKeyRef? = nil, sessionTokenSecret: SecretKeyRef? = nil,
                options: S3Options = S3Options()) {
        self.options = options
        self.bucket = bucket
        self.endpoint = endpoint
        self.region = region
        self.insecure = insecure
        self.accessKeySecret = accessKeySecret
        self.secretKeySecret = secretKeySecret
        self.sessionTokenSecret = sessionTokenSecret
    }

    /// The endpoint as a URL: `http://` when `insecure`, else `https://`.
    public var endpointURL: String? { Self.endpointURL(endpoint, insecure: insecure) }

    public var secrets: [SecretKeyRef] { [accessKeySecret, secretKeySecret, sessionTokenSecret].compactMap { $0 } + options.secrets }

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The location an artifact's `s3:` names, or nil when it has no `bucket` (a key-only
    /// artifact, in the runtime's repository). `field` starts the messages.
    public static func parse(_ s3: JSONValue?, field: String) throws(Problem) -> S3Location? {
        guard let o = s3?.objectValue else { return nil }
        guard let bucketValue = o["bucket"] else {
            if o["endpoint"] != nil || o["accessKeySecret"] != nil || o["secretKeySecret"] != nil {
                throw Problem(description: "\(field).bucket is missing: an S3 location of its own needs the bucket (or give only `key` to use the artifact repository)")
            }
            return nil
        }
        guard let bucket = bucketValue.scalarText, !bucket.isEmpty else {
            throw Problem(description: "\(field).bucket must be the bucket's name")
        }
        let insecure = try insecureFlag(o, field: field)
        if o["roleARN"] != nil {
            throw Problem(description: "\(field).roleARN is not supported yet; leave it out (the keys come from accessKeySecret and secretKeySecret, or the pod's web identity)")
        }
        let options: S3Options
        do {
            options = try S3Options.parse(o, field: field)
        } catch {
            throw Problem(description: error.description)
        }
        return S3Location(bucket: bucket, endpoint: o["endpoint"]?.scalarText, region: o["region"]?.scalarText, insecure: insecure,
                          accessKeySecret: try secretRef(o["accessKeySecret"], "accessKeySecret", field: field),
                          secretKeySecret: try secretRef(o["secretKeySecret"], "secretKeySecret", field: field),
                          sessionTokenSecret: try secretRef(o["sessionTokenSecret"], "sessionTokenSecret", field: field), options: options)
    }

    /// `{name, key}` of a Secret, the value of the field `name` (nil when absent).
    static func secretRef(_ v: JSONValue?, _ name: String, field: String) throws(Problem) -> SecretKeyRef? {
        guard let s = v else { return nil }
        guard let n = s["name"]?.stringValue, !n.isEmpty, let k = s["key"]?.stringValue, !k.isEmpty else {
            throw Problem(description: "\(field).\(name) needs `name` and `key` (a Secret in the workflow's namespace and its key)")
        }
        return SecretKeyRef(name: n, key: k)
    }

    /// `insecure`: true, false, or the same as text.
    static func insecureFlag(_ o: [String: JSONValue], field: String) throws(Problem) -> Bool {
        switch o["insecure"] {
        case nil: return false
        case .bool(let b)?: return b
        case .string(let s)? where s == "true" || s == "false": return s == "true"
        default: throw Problem(description: "\(field).insecure must be true or false")
        }
    }

    /// An endpoint as a URL: `http://` when insecure, else `https://`; nil for AWS itself.
    static func endpointURL(_ endpoint: String?, insecure: Bool) -> String? {
        guard let e = endpoint, !e.isEmpty else { return nil }
        if e.hasPrefix("http://") || e.hasPrefix("https://") { return e }
        return (insecure ? "http://" : "https://") + e
    }

    /// Argo's `s3:` object for this location and `key`, as recorded in a node's outputs.
    public func json(key: String) -> JSONValue {
        var o: [String: JSONValue] = ["bucket": .string(bucket), "key": .string(key)]
        if let endpoint { o["endpoint"] = .string(endpoint) }
        if let region { o["region"] = .string(region) }
        if insecure { o["insecure"] = true }
        for (name, ref) in [("accessKeySecret", accessKeySecret), ("secretKeySecret", secretKeySecret), ("sessionTokenSecret", sessionTokenSecret)] {
            if let ref { o[name] = ["name": .string(ref.name), "key": .string(ref.key)] }
        }
        options.merge(into: &o)
        return .object(o)
    }
}
