/// Which expression language a source string is written in.
public enum ExpressionDialect: Sendable { case expr, govaluate }

/// A parse or evaluation failure, with the character offset into `source` where known.
public struct ExpressionError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var offset: Int?
    public var fix: String?
    public var source: String
    /// Set when the failure is a name missing from the environment (so `??` may recover from it).
    var isUnknownName = false
    public var description: String { message }
}

extension ExpressionError {
    static func at(_ offset: Int, _ message: String, fix: String? = nil, source: String) -> ExpressionError {
        ExpressionError(message: message, offset: offset, fix: fix, source: source)
    }
}
