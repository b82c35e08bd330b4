/// A place in a user's file: 1-based line and column.
public struct SourcePosition: Sendable, Hashable {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

/// Where a diagnostic points: the file, the position when known, and the field path.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var position: SourcePosition?
    public var path: FieldPath?

    public init(file: String, position: SourcePosition? = nil, path: FieldPath? = nil) {
        self.file = file
        self.position = position
        self.path = path
    }

    /// `wf.yaml:12:7: spec.templates[2].dag` (the parts that are known).
    public var description: String {
        var s = file
        if let p = position { s += ":\(p.line):\(p.column)" }
        if let path { s += ": \(path)" }
        return s
    }
}
