import Foundation
public import Artifacts
public import Executor
public import SkeinJSON

/// How a local run is set up.
public struct RunSettings: Sendable {
    /// Scratch space for steps (private /tmp, control files, volumes); removed afterwards.
    public var runDirectory: String
    public var store: any ArtifactStore
    public var images: ImageMap
    public var emissaryPath: String
    public var environment: [String: String]
    public var workingDirectory: String
    /// Run steps in private mount namespaces (falls back to plain processes when unavailable).
    public var isolate: Bool
    /// Keep the run directory afterwards (for debugging).
    public var keepRunDirectory: Bool
    /// `status.artifactRepositoryRef` when the workflow's `artifactRepositoryRef` chose the
    /// repository (then `store` is that repository).
    public var artifactRepositoryRef: JSONValue?

    /// The repository and the S3 locations artifacts name (keys as the AWS CLI reads them).
    public var stores: ArtifactStores { ArtifactStores(repository: store, environment: environment) }

    public init(runDirectory: String, store: any ArtifactStore, images: ImageMap = ImageMap(), emissaryPath: String,
                environment: [String: String]? = nil,
                workingDirectory: String? = nil,
                isolate: Bool = true, keepRunDirectory: Bool = false)
    {
        self.runDirectory = runDirectory
        self.store = store
        self.images = images
        self.emissaryPath = emissaryPath
        self.environment = environment ?? ProcessInfo.processInfo.environment
        self.workingDirectory = workingDirectory ?? FileManager.default.currentDirectoryPath
        self.isolate = isolate
        self.keepRunDirectory = keepRunDirectory
    }
}
