public import Artifacts
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
        let endpoint = S3Endpoint(url: v["endpoint"]?.stringValue ?? aws.endpointURL, region: v["region"]?.stringValue ?? aws.region,
                                  credentials: aws.credentials)
        return S3Store(client: S3Client(endpoint: endpoint), bucket: bucket, prefix: v["prefix"]?.stringValue ?? "")
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
        let endpoint = S3Endpoint(url: location.endpointURL ?? aws.endpointURL, region: location.region ?? aws.region, credentials: credentials)
        return S3Store(client: S3Client(endpoint: endpoint), bucket: location.bucket)
    }
}
