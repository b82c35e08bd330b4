internal import CYAML

/// Reads YAML streams with the system libyaml: parser events go straight into `JSONValue`,
/// keeping where each node was written for error messages. Scalars follow Kubernetes' rules
/// (see `YAMLScalar`); anchors, aliases and `<<` merge keys are resolved while loading.
public enum YAMLLoader {
    /// Aliases expanded per file before loading stops: guards against "billion laughs" inputs.
    static let aliasLimit = 100_000

    public static func load(_ text: String, file: String) throws(Diagnostic) -> [YAMLDocument] {
        try load(bytes: Array(text.utf8), file: file)
    }

    public static func load(bytes: [UInt8], file: String) throws(Diagnostic) -> [YAMLDocument] {
        var builder = Builder(file: file, bytes: bytes)
        let result: Result<[YAMLDocument], Diagnostic> = bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                return .failure(Diagnostic(SourceLocation(file: file), "cannot start the YAML parser (out of memory)"))
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress ?? UnsafePointer(bitPattern: 1), buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    return .failure(builder.parserError(parser))
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                do throws(Diagnostic) {
                    try builder.handle(event)
                } catch {
                    return .failure(error)
                }
            }
            return .success(builder.documents)
        }
        return try result.get()
    }
}

private struct Builder {
    let file: String
    let bytes: [UInt8]
    var documents: [YAMLDocument] = []
    var documentIndex = 0
    var root: (JSONValue, PositionTable.Node)?
    var stack: [Frame] = []
    var anchors: [String: (JSONValue, PositionTable.Node)] = [:]
    var aliasCount = 0

    init(file: String, bytes: [UInt8]) {
        self.file = file
        self.bytes = bytes
    }

    final class MapFrame {
        var keys: [String] = []
        var values: [JSONValue] = []
        var positions: [PositionTable.MapEntry] = []
        /// Built once a mapping grows past a few keys, for the duplicate check.
        var keySet: Set<String>?
        var pendingKey: (text: String, position: SourcePosition, isMerge: Bool)?
        var merges: [(JSONValue, PositionTable.Node, SourcePosition)] = []
        let anchor: String?
        let position: SourcePosition
        init(anchor: String?, position: SourcePosition) {
            self.anchor = anchor
            self.position = position
        }

        func has(_ key: String) -> Bool {
            if let keySet { return keySet.contains(key) }
            return keys.contains(key)
        }

        func add(_ key: String, _ value: JSONValue, _ entry: PositionTable.MapEntry) {
            keys.append(key)
            values.append(value)
            positions.append(entry)
            if keySet != nil {
                keySet?.insert(key)
            } else if keys.count > 12 {
                keySet = Set(keys)
            }
        }
    }

    final class SeqFrame {
        var items: [JSONValue] = []
        var nodes: [PositionTable.Node] = []
        let anchor: String?
        let position: SourcePosition
        init(anchor: String?, position: SourcePosition) {
            self.anchor = anchor
            self.position = position
        }
    }

    enum Frame {
        case map(MapFrame)
        case seq(SeqFrame)
    }

    static func text(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let p else { return nil }
        return String(cString: UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))
    }

    static func position(_ mark: yaml_mark_t) -> SourcePosition {
        SourcePosition(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    func location(_ p: SourcePosition) -> SourceLocation {
        SourceLocation(file: file, position: p)
    }

    mutating func handle(_ event: yaml_event_t) throws(Diagnostic) {
        let pos = Builder.position(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            root = nil
            anchors = [:]
        case YAML_DOCUMENT_END_EVENT:
            if let (value, node) = root, !value.isNull {
                documents.append(YAMLDocument(value: value, positions: PositionTable(root: node), index: documentIndex))
            }
            documentIndex += 1
            root = nil
        case YAML_MAPPING_START_EVENT:
            let anchor = Builder.text(event.data.mapping_start.anchor)
            stack.append(.map(MapFrame(anchor: anchor, position: pos)))
        case YAML_SEQUENCE_START_EVENT:
            let anchor = Builder.text(event.data.sequence_start.anchor)
            stack.append(.seq(SeqFrame(anchor: anchor, position: pos)))
        case YAML_MAPPING_END_EVENT:
            guard case .map(let frame) = stack.popLast() else { return }
            // Merge keys: explicit keys win, then earlier merge sources over later ones.
            for (value, node, mergePos) in frame.merges {
                try mergeInto(frame, value: value, node: node, at: mergePos)
            }
            var entries = [String: JSONValue](minimumCapacity: frame.keys.count)
            for (k, v) in zip(frame.keys, frame.values) { entries[k] = v }
            let value = JSONValue.object(entries)
            let node = PositionTable.Node.map(frame.position, frame.positions)
            if let a = frame.anchor { anchors[a] = (value, node) }
            try complete(value, node, at: pos)
        case YAML_SEQUENCE_END_EVENT:
            guard case .seq(let frame) = stack.popLast() else { return }
            let value = JSONValue.array(frame.items)
            let node = PositionTable.Node.seq(frame.position, frame.nodes)
            if let a = frame.anchor { anchors[a] = (value, node) }
            try complete(value, node, at: pos)
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let raw = String(decoding: UnsafeBufferPointer(start: s.value, count: Int(s.length)), as: UTF8.self)
            let plain = s.style == YAML_PLAIN_SCALAR_STYLE
            let tag = Builder.text(s.tag)
            if case .map(let frame) = stack.last, frame.pendingKey == nil {
                // A mapping key: keys are text, whatever they look like.
                frame.pendingKey = (raw, pos, plain && raw == "<<" && tag == nil)
                if let a = Builder.text(s.anchor) { anchors[a] = (.string(raw), .leaf(pos)) }
                return
            }
            let value: JSONValue
            if let tag, tag != "!" {
                guard let v = YAMLScalar.resolveTagged(raw, tag: tag) else {
                    if tag.hasPrefix("tag:yaml.org,2002:") {
                        let short = "!!" + tag.dropFirst("tag:yaml.org,2002:".count)
                        throw Diagnostic(location(pos), "'\(raw)' is not a valid \(short) value",
                                         fix: "remove the \(short) tag or correct the value")
                    }
                    // Tags Skein does not know (e.g. custom application tags) are ignored.
                    value = plain ? YAMLScalar.resolvePlain(raw) : .string(raw)
                    try completeScalar(value, Builder.text(s.anchor), at: pos)
                    return
                }
                value = v
            } else if plain && tag == nil {
                value = YAMLScalar.resolvePlain(raw)
            } else {
                value = .string(raw)
            }
            try completeScalar(value, Builder.text(s.anchor), at: pos)
        case YAML_ALIAS_EVENT:
            let name = Builder.text(event.data.alias.anchor) ?? ""
            guard let (value, node) = anchors[name] else {
                throw Diagnostic(location(pos), "alias '*\(name)' refers to no anchor defined before it",
                                 fix: "define '&\(name)' earlier in the same document")
            }
            aliasCount += 1
            if aliasCount > YAMLLoader.aliasLimit {
                throw Diagnostic(location(pos), "more than \(YAMLLoader.aliasLimit) aliases in one file",
                                 fix: "expand the repeated content instead of nesting aliases")
            }
            if case .map(let frame) = stack.last, frame.pendingKey == nil {
                guard let key = value.scalarText else {
                    throw Diagnostic(location(pos), "an alias to a \(value.kindName) cannot be a mapping key",
                                     fix: "use a plain text key")
                }
                frame.pendingKey = (key, pos, false)
                return
            }
            try complete(value, node, at: pos)
        default:
            break
        }
    }

    mutating func completeScalar(_ value: JSONValue, _ anchor: String?, at pos: SourcePosition) throws(Diagnostic) {
        if let a = anchor { anchors[a] = (value, .leaf(pos)) }
        try complete(value, .leaf(pos), at: pos)
    }

    /// Attaches a finished node to its parent, or makes it the document root.
    mutating func complete(_ value: JSONValue, _ node: PositionTable.Node, at pos: SourcePosition) throws(Diagnostic) {
        guard let top = stack.last else {
            root = (value, node)
            return
        }
        switch top {
        case .seq(let frame):
            frame.items.append(value)
            frame.nodes.append(node)
        case .map(let frame):
            guard let key = frame.pendingKey else {
                // A collection used as a key.
                throw Diagnostic(location(pos), "a \(value.kindName) cannot be a mapping key",
                                 fix: "use a plain text key")
            }
            frame.pendingKey = nil
            if key.isMerge {
                frame.merges.append((value, node, key.position))
                return
            }
            if frame.has(key.text) {
                let first = frame.positions.first { $0.name == key.text }?.key.line ?? 0
                throw Diagnostic(location(key.position),
                                 "duplicate key '\(key.text)' (first written at line \(first))",
                                 fix: "remove one of the two '\(key.text)' entries")
            }
            frame.add(key.text, value, PositionTable.MapEntry(name: key.text, key: key.position, value: node))
        }
    }

    func mergeInto(_ frame: MapFrame, value: JSONValue, node: PositionTable.Node, at pos: SourcePosition) throws(Diagnostic) {
        switch (value, node) {
        case (.object(let o), .map(_, let ps)):
            for (k, v) in o.sorted(by: { $0.key < $1.key }) where !frame.has(k) {
                let p = ps.first { $0.name == k } ?? PositionTable.MapEntry(name: k, key: pos, value: .leaf(pos))
                frame.add(k, v, p)
            }
        case (.array(let items), .seq(_, let nodes)):
            for (item, itemNode) in zip(items, nodes) {
                guard case .object = item else {
                    throw Diagnostic(location(pos), "'<<' merges mappings, but one of its items (from line \(itemNode.position.line)) is a \(item.kindName)",
                                     fix: "list only mappings (usually aliases like *defaults) after '<<'")
                }
                try mergeInto(frame, value: item, node: itemNode, at: pos)
            }
        default:
            throw Diagnostic(location(pos), "'<<' merges mappings, but its value is a \(value.kindName)",
                             fix: "write '<<: *anchor' where the anchor names a mapping")
        }
    }

    func parserError(_ parser: yaml_parser_t) -> Diagnostic {
        let mark = parser.problem_mark
        let pos = Builder.position(mark)
        var message = Builder.cText(parser.problem) ?? "invalid YAML"
        if let context = Builder.cText(parser.context) { message += " " + context }
        var fix: String? = "check the indentation and quoting around this position"
        if lineContainsTab(Int(mark.line)) || message.contains("tab") {
            fix = "YAML indentation must use spaces, not tabs"
        } else if message.contains("mapping values are not allowed") {
            fix = "quote values that contain ': ' or fix the indentation of the line"
        } else if message.contains("did not find expected key") {
            fix = "align this key with the other keys of its mapping"
        }
        return Diagnostic(location(pos), "malformed YAML: \(message)", fix: fix)
    }

    static func cText(_ p: UnsafePointer<CChar>?) -> String? {
        p.map { String(cString: $0) }
    }

    func lineContainsTab(_ line: Int) -> Bool {
        var current = 0
        for b in bytes {
            if b == 10 {
                current += 1
                if current > line { return false }
                continue
            }
            if current == line, b == 9 { return true }
        }
        return false
    }
}
