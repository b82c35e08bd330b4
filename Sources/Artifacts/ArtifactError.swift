/// Why an artifact could not be stored, fetched, packed or unpacked.
///
/// The message names the path, key or URL involved and, where there is one, the fix.
public struct ArtifactError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(_ message: String) {
        self.message = message
    }
}
