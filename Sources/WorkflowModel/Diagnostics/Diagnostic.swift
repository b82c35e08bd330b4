/// One problem in a user's input: where it is, what is wrong, and how to fix it.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public var fix: String?

    public init(_ location: SourceLocation, _ message: String, fix: String? = nil) {
        self.location = location
        self.message = message
        self.fix = fix
    }

    public var description: String {
        var s = "\(location): \(message)"
        if let fix { s += " (fix: \(fix))" }
        return s
    }
}

extension Diagnostic {
    /// The problem as a workflow's status message carries it: the field, what is wrong, the fix.
    public var statusText: String {
        var s = location.path.map { "\($0): " } ?? ""
        s += message
        if let fix { s += " (fix: \(fix))" }
        return s
    }

    /// The message of a workflow that fails validation, the same in `skein run` and on the controller.
    public static func invalidWorkflowMessage(_ problems: [Diagnostic]) -> String {
        "invalid workflow: " + problems.map(\.statusText).joined(separator: "; ")
    }
}

/// Several diagnostics at once: lint reports every error, not the first.
public struct Diagnostics: Error, Sendable, CustomStringConvertible {
    public var items: [Diagnostic]
    public init(_ items: [Diagnostic]) { self.items = items }
    public var description: String { items.map(\.description).joined(separator: "\n") }
}
