/// A failure the engine records on a node (or the workflow): a bad expression, an unknown
/// template, an unresolved variable. It becomes the node's `Error` phase and message; it
/// never escapes as a crash.
public struct EngineFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
