public import Artifacts
public import WorkflowEngine

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
