// Temporary: the agreed API, replaced when the Artifacts module merges.
public protocol ArtifactStore: Sendable {
    func put(file localPath: String, key: String) throws(ArtifactError)
    func get(key: String, toFile localPath: String) throws(ArtifactError)
    func exists(key: String) throws(ArtifactError) -> Bool
    func delete(key: String) throws(ArtifactError)
    var description: String { get }
}
public struct ArtifactError: Error, Sendable, CustomStringConvertible { public var message: String; public var description: String { message } }
public struct LocalDirectoryStore: ArtifactStore {
    public init(root: String) {}
    public func put(file localPath: String, key: String) throws(ArtifactError) {}
    public func get(key: String, toFile localPath: String) throws(ArtifactError) {}
    public func exists(key: String) throws(ArtifactError) -> Bool { false }
    public func delete(key: String) throws(ArtifactError) {}
    public var description: String { "" }
}
public enum ArchiveFormat: Sendable { case tarGzip(level: Int?), none }
public enum ArtifactSource: Sendable { case raw(String), http(url: String, headers: [(name: String, value: String)]), store(key: String) }
public enum ArtifactFetcher { public static func fetch(_ source: ArtifactSource, from store: (any ArtifactStore)?, to destination: String, unpack: Bool) throws(ArtifactError) {} }
public enum ArtifactUploader { public static func upload(path: String, format: ArchiveFormat, key: String, to store: any ArtifactStore) throws(ArtifactError) {} }
