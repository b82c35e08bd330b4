/// Where each field of a document was written. Kept flat, one entry per written node in
/// document order (a node's descendants follow it), so loading appends to one array per
/// document; looked up only when there is something to report.
public struct PositionTable: Sendable {
    enum Kind: UInt8, Sendable {
        case scalar, map, seq
        /// An alias, or an entry a `<<` merge brought in: it stands for the node at `target`.
        case reference
    }

    struct Entry: Sendable {
        /// The key it was written under, when it is an entry of a mapping.
        var key: String
        var keyLine: Int32
        var keyColumn: Int32
        var line: Int32
        var column: Int32
        /// The index just past this node's descendants.
        var end: Int32
        /// For a reference, the node it stands for (never itself a reference).
        var target: Int32
        var kind: Kind
        /// Written in a mapping but not one of its entries: the value of a `<<` merge key, or a
        /// key's own anchor.
        var hidden: Bool

        var position: SourcePosition { SourcePosition(line: Int(line), column: Int(column)) }
        var keyPosition: SourcePosition { SourcePosition(line: Int(keyLine), column: Int(keyColumn)) }
    }

    var entries: [Entry]

    init(entries: [Entry]) { self.entries = entries }

    /// The node an entry stands for.
    func resolved(_ i: Int) -> Int {
        entries[i].kind == .reference ? Int(entries[i].target) : i
    }

    /// The entries directly under node `i` (a mapping's entries or a list's items), hidden
    /// ones included, in document order.
    func children(of i: Int) -> [Int] {
        var out: [Int] = []
        var c = i + 1
        while c < Int(entries[i].end) {
            out.append(c)
            c = Int(entries[c].end)
        }
        return out
    }

    /// The first entry of mapping `map` written under `key`.
    func entry(_ key: String, in map: Int) -> Int? {
        children(of: map).first { !entries[$0].hidden && entries[$0].key == key }
    }

    /// A map entry's key position, a list item's start, or the document start for the root.
    public func position(of path: FieldPath) -> SourcePosition? {
        guard !entries.isEmpty else { return nil }
        var node = 0
        var result = entries[0].position
        for c in path.components {
            switch (c, entries[node].kind) {
            case (.key(let k), .map):
                guard let e = entry(k, in: node) else { return nil }
                result = entries[e].keyPosition
                node = resolved(e)
            case (.index(let i), .seq):
                let items = children(of: node)
                guard items.indices.contains(i) else { return nil }
                node = resolved(items[i])
                result = entries[node].position
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
