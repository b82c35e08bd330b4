/// A place artifacts are kept between steps: keys are relative paths such as
/// "wf-abc/wf-abc-123/out.tgz", values are whole files.
public protocol ArtifactStore: Sendable {
    /// Copies the file at `localPath` into the store under `key`, replacing what was there.
    func put(file localPath: String, key: String) throws(ArtifactError)
    /// Copies the value of `key` to the file `localPath`.
    func get(key: String, toFile localPath: String) throws(ArtifactError)
    func exists(key: String) throws(ArtifactError) -> Bool
    /// Removes `key`; a key that is not there is not an error.
    func delete(key: String) throws(ArtifactError)
    var description: String { get }
}
