/// Where each field of a document was written, kept as a tree mirroring the value so
/// loading stays cheap; looked up only when there is something to report.
public struct PositionTable: Sendable {
    enum Node: Sendable {
        case leaf(SourcePosition)
        /// Keys in document order, each with where it was written and its value's node; looked
        /// up linearly, since positions are only needed to report a problem.
        case map(SourcePosition, [MapEntry])
        case seq(SourcePosition, [Node])

        var position: SourcePosition {
            switch self {
            case .leaf(let p), .map(let p, _), .seq(let p, _): return p
            }
        }
    }

    struct MapEntry: Sendable {
        var name: String
        var key: SourcePosition
        var value: Node
    }

    let root: Node

    init(root: Node) { self.root = root }

    /// A map entry's key position, a list item's start, or the document start for the root.
    public func position(of path: FieldPath) -> SourcePosition? {
        var node = root
        var result = root.position
        for c in path.components {
            switch (c, node) {
            case (.key(let k), .map(_, let entries)):
                guard let e = entries.first(where: { $0.name == k }) else { return nil }
                result = e.key
                node = e.value
            case (.index(let i), .seq(_, let items)):
                guard items.indices.contains(i) else { return nil }
                node = items[i]
                result = node.position
            default:
                return nil
            }
        }
        return result
    }

    /// The position of the path, or of its nearest ancestor that has one.
    public func nearestPosition(of path: FieldPath) -> SourcePosition? {
        var comps = path.components
        while true {
            if let p = position(of: FieldPath(comps)) { return p }
            if comps.isEmpty { return nil }
            comps.removeLast()
        }
    }
}

/// One document of a YAML stream.
public struct YAMLDocument: Sendable {
    public var value: JSONValue
    public var positions: PositionTable
    /// 0-based document number in the file.
    public var index: Int
}
