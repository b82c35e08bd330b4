public import SkeinJSON

/// What an S3 location or repository may add to where it is, in Argo's fields:
/// `createBucketIfNotPresent` (the bucket made on the first write), `encryptionOptions`
/// (`enableEncryption` for SSE-S3, with `kmsKeyId` and `kmsEncryptionContext` for SSE-KMS,
/// or `serverSideCustomerKeySecret` for SSE-C with a key from a Secret) and `caSecret` (a CA
/// bundle from a Secret to trust for the endpoint's TLS).
public struct S3Options: Sendable, Hashable {
    public enum Encryption: Sendable, Hashable {
        case s3
        case kms(keyID: String, context: String?)
        /// SSE-C: the 32-byte key is in a Secret.
        case customerKey(S3Location.SecretKeyRef)
    }

    public var createBucket = false
    public var encryption: Encryption?
    public var caSecret: S3Location.SecretKeyRef?

    public init(createBucket: Bool = false, encryption: Encryption? = nil, caSecret: S3Location.SecretKeyRef? = nil) {
        self.createBucket = createBucket
        self.encryption = encryption
        self.caSecret = caSecret
    }

    public var secrets: [S3Location.SecretKeyRef] {
        var out: [S3Location.SecretKeyRef] = []
        if case .customerKey(let ref)? = encryption { out.append(ref) }
        if let caSecret { out.append(caSecret) }
        return out
    }

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The options of an `s3:` object; `field` starts the messages.
    public static func parse(_ o: [String: JSONValue], field: String) throws(Problem) -> S3Options {
        var options = S3Options()
        func ref(_ v: JSONValue?, _ name: String) throws(Problem) -> S3Location.SecretKeyRef? {
            do {
                return try S3Location.secretRef(v, name, field: field)
            } catch {
                throw Problem(description: error.description)
            }
        }
        if let c = o["createBucketIfNotPresent"] {
            guard c.objectValue != nil || c == .bool(true) else {
                throw Problem(description: "\(field).createBucketIfNotPresent must be a map, e.g. {objectLocking: false}")
            }
            if c["objectLocking"] == .bool(true) {
                throw Problem(description: "\(field).createBucketIfNotPresent.objectLocking is not supported yet; leave it out or false")
            }
            options.createBucket = true
        }
        if let e = o["encryptionOptions"] {
            guard e.objectValue != nil else { throw Problem(description: "\(field).encryptionOptions must be a map") }
            let customer = try ref(e["serverSideCustomerKeySecret"], "encryptionOptions.serverSideCustomerKeySecret")
            let enabled = e["enableEncryption"] == .bool(true) || e["enableEncryption"] == .string("true")
            if let customer {
                if enabled {
                    throw Problem(description: "\(field).encryptionOptions: serverSideCustomerKeySecret (SSE-C) and enableEncryption (SSE-S3 or SSE-KMS) exclude each other; give one")
                }
                options.encryption = .customerKey(customer)
            } else if enabled {
                if let id = e["kmsKeyId"]?.stringValue, !id.isEmpty {
                    options.encryption = .kms(keyID: id, context: e["kmsEncryptionContext"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 })
                } else {
                    options.encryption = .s3
                }
            }
        }
        options.caSecret = try ref(o["caSecret"], "caSecret")
        return options
    }

    /// The fields back in Argo's shape, merged into an `s3:` object.
    public func merge(into o: inout [String: JSONValue]) {
        if createBucket { o["createBucketIfNotPresent"] = .object([:]) }
        switch encryption {
        case .s3?: o["encryptionOptions"] = ["enableEncryption": true]
        case .kms(let id, let context)?:
            var e: [String: JSONValue] = ["enableEncryption": true, "kmsKeyId": .string(id)]
            if let context { e["kmsEncryptionContext"] = .string(context) }
            o["encryptionOptions"] = .object(e)
        case .customerKey(let ref)?:
            o["encryptionOptions"] = ["serverSideCustomerKeySecret": ["name": .string(ref.name), "key": .string(ref.key)]]
        case nil: break
        }
        if let caSecret { o["caSecret"] = ["name": .string(caSecret.name), "key": .string(caSecret.key)] }
    }
}
