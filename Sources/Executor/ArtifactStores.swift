public import Artifacts
import Foundation
public import WorkflowEngine
import SkeinJSON

/// Where a step's artifacts are kept: the runtime's artifact repository, or the S3 location
/// an artifact names as its own. The keys of such a location come from the variables the
/// controller fills from its Secrets (`S3Location.SecretKeyRef.environmentVariable`); where
/// those are not set (`skein run`, which reads no Secrets), from the AWS environment and
/// profile, as the AWS CLI reads them.
public struct ArtifactStores: Sendable {
    public var repository: (any ArtifactStore)?
    public var environment: [String: String]

    public init(repository: (any ArtifactStore)?, environment: [String: String]) {
        self.repository = repository
        self.environment = environment
    }

    /// The repository the controller gives a pod's executor: `SKEIN_ARTIFACT_S3` (where, the
    /// keys in the `AWS_*` variables) or the volume at `SKEIN_ARTIFACT_DIRECTORY`.
    public static func repository(environment env: [String: String]) throws(ArtifactError) -> (any ArtifactStore)? {
        if let s3 = try s3Repository(environment: env) { return s3 }
        return env["SKEIN_ARTIFACT_DIRECTORY"].flatMap { $0.isEmpty ? nil : LocalDirectoryStore(root: $0) }
    }

    /// `SKEIN_ARTIFACT_S3`, when set.
    public static func s3Repository(environment env: [String: String]) throws(ArtifactError) -> S3Store? {
        guard let text = env["SKEIN_ARTIFACT_S3"], !text.isEmpty else { return nil }
        guard let v = try? JSONValue.parseJSON(text), let bucket = v["bucket"]?.stringValue else {
            throw ArtifactError("SKEIN_ARTIFACT_S3 is not an S3 location: \(text)")
        }
        let aws = AWSConfiguration.resolve(environment: env)
        let options: S3Options
        do {
            options = try S3Options.parse(v.objectValue ?? [:], field: "SKEIN_ARTIFACT_S3")
        } catch {
            throw ArtifactError(error.description)
        }
        let endpoint = S3Endpoint(url: v["endpoint"]?.stringValue ?? aws.endpointURL, region: v["region"]?.stringValue ?? aws.region, caBundle: aws.caBundle,
                                  credentials: aws.credentials)
        return try configured(S3Store(client: S3Client(endpoint: endpoint), bucket: bucket, prefix: v["prefix"]?.stringValue ?? ""),
                              options, environment: env, what: "the artifact repository s3://\(bucket)")
    }

    /// The store with its options: the bucket made when missing, the encryption, the CA bundle
    /// (written to a file for libcurl). A Secret's value that is not there (`skein run` reads
    /// no Secrets) is an error naming the variable that would carry it.
    public static func configured(_ store: S3Store, _ options: S3Options, environment env: [String: String], what: String) throws(ArtifactError) -> S3Store {
        var store = store
        store.createBucketIfMissing = options.createBucket
        func value(_ ref: S3Location.SecretKeyRef, _ field: String) throws(ArtifactError) -> String {
            guard let v = env[ref.environmentVariable] else {
                throw ArtifactError("\(what): \(field) (Secret \(ref.name), key \(ref.key)) is not available to this step; on the cluster the controller passes it, with skein run set \(ref.environmentVariable)")
            }
            return v
        }
        switch options.encryption {
        case .s3?: store.client.encryption = .s3
        case .kms(let id, let context)?: store.client.encryption = .kms(keyID: id, context: context)
        case .customerKey(let ref)?:
            let key = Array(try value(ref, "encryptionOptions.serverSideCustomerKeySecret").utf8)
            guard key.count == 32 else {
                throw ArtifactError("\(what): the SSE-C key (Secret \(ref.name), key \(ref.key)) must be 32 bytes, not \(key.count)")
            }
            store.client.encryption = .customerKey(key)
        case nil: break
        }
        if let ca = options.caSecret {
            let pem = try value(ca, "caSecret")
            let path = NSTemporaryDirectory() + "skein-ca-\(getpid())-\(ca.environmentVariable).pem"
            guard FileManager.default.createFile(atPath: path, contents: Data(pem.utf8)) else {
                throw ArtifactError("\(what): cannot write the CA bundle of caSecret to \(path)")
            }
            store.client.endpoint.caBundle = path
        }
        return store
    }

    public func store(for location: S3Location?) -> (any ArtifactStore)? {
        guard let location else { return repository }
        let aws = AWSConfiguration.resolve(environment: environment)
        var credentials = aws.credentials
        if let a = location.accessKeySecret, let s = location.secretKeySecret,
           let id = environment[a.environmentVariable], let secret = environment[s.environmentVariable] {
            credentials = AWSCredentials(accessKeyID: id, secretAccessKey: secret,
                                         sessionToken: location.sessionTokenSecret.flatMap { environment[$0.environmentVariable] })
        }
        let endpoint = S3Endpoint(url: location.endpointURL ?? aws.endpointURL, region: location.region ?? aws.region, caBundle: aws.caBundle, credentials: credentials)
        let store = S3Store(client: S3Client(endpoint: endpoint), bucket: location.bucket)
        do {
            return try Self.configured(store, location.options, environment: environment, what: "s3://\(location.bucket)")
        } catch {
            return FailingStore(error: error, description: "s3://\(location.bucket)")
        }
    }
}

/// A store that could not be set up: every use says why.
struct FailingStore: ArtifactStore {
    let error: ArtifactError
    let description: String
    func put(file localPath: String, key: String) throws(ArtifactError) { throw error }
    func get(key: String, toFile localPath: String) throws(ArtifactError) { throw error }
    func exists(key: String) throws(ArtifactError) -> Bool { throw error }
    func delete(key: String) throws(ArtifactError) { throw error }
}
