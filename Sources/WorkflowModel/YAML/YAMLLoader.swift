internal import CYAML

/// Reads YAML streams with the system libyaml: parser events go straight into `JSONValue`,
/// keeping where each node was written for error messages. Scalars follow Kubernetes' rules
/// (see `YAMLScalar`); anchors, aliases and `<<` merge keys are resolved while loading.
public enum YAMLLoader {
    /// Aliases expanded per file before loading stops: guards against "billion laughs" inputs.
    static let aliasLimit = 100_000
    /// Nodes that aliases may stand for, per file, counted as if each alias were written out
    /// (a few kilobytes of nested aliases can stand for billions of nodes, which every later
    /// walk over the value would visit).
    public static let expansionLimit = 1_000_000
    /// Mappings and sequences nested deeper than this are refused: every later walk over the
    /// value recurses, and the JSON parsers stop at the same depth.
    public static let depthLimit = 512
    /// The largest file read, in bytes.
    public static let sizeLimit = 64 << 20

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
    var root: JSONValue?
    /// Each anchor's value, its node in `entries` and how many nodes it holds.
    var anchors: [String: (JSONValue, Int, Int)] = [:]
    var aliasCount = 0
    /// Nodes the aliases so far stand for.
    var expandedNodes = 0

    /// The current document's position entries (see `PositionTable`).
    var entries: [PositionTable.Entry] = []

    /// The mappings and sequences still open, innermost last. Their keys, values and items
    /// wait on the shared stacks below (from `start` on) instead of in arrays of their own.
    var open: [Open] = []
    var mapKeys: [String] = []
    var mapValues: [JSONValue] = []
    var seqItems: [JSONValue] = []

    init(file: String, bytes: [UInt8]) {
        self.file = file
        self.bytes = bytes
    }

    struct PendingKey {
        var text: String
        var position: SourcePosition
        var isMerge: Bool
    }

    struct Open {
        let isMap: Bool
        /// Where this collection's keys and values (or items) begin on the shared stacks.
        let start: Int
        /// Its own entry in `entries`.
        let entry: Int
        let anchor: String?
        /// Nodes in this collection so far, itself included (aliases count what they stand for).
        var nodes = 1
        var pendingKey: PendingKey?
        /// Built once a mapping grows past a few keys, for the duplicate check.
        var keySet: Set<String>?
        /// `<<` values: the value, its entry, and where the `<<` was written.
        var merges: [(JSONValue, Int, SourcePosition)] = []
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

    /// The open mapping waiting for a key, if the innermost open collection is one.
    var mappingWantsKey: Bool {
        let i = open.count - 1
        return i >= 0 && open[i].isMap && open[i].pendingKey == nil
    }

    /// Records a node starting at `pos` (under the innermost open mapping's pending key, if
    /// any) and returns its index in `entries`.
    mutating func appendEntry(_ kind: PositionTable.Kind, at pos: SourcePosition, target: Int = -1) -> Int {
        var key = ""
        var keyPos = pos
        var hidden = false
        if let i = open.indices.last, open[i].isMap, let pending = open[i].pendingKey {
            key = pending.text
            keyPos = pending.position
            hidden = pending.isMerge
        }
        let index = entries.count
        entries.append(PositionTable.Entry(key: key, keyLine: Int32(truncatingIfNeeded: keyPos.line),
                                           keyColumn: Int32(truncatingIfNeeded: keyPos.column),
                                           line: Int32(truncatingIfNeeded: pos.line), column: Int32(truncatingIfNeeded: pos.column),
                                           end: Int32(truncatingIfNeeded: index + 1), target: Int32(truncatingIfNeeded: target),
                                           kind: kind, hidden: hidden))
        return index
    }

    mutating func handle(_ event: yaml_event_t) throws(Diagnostic) {
        let pos = Builder.position(event.start_mark)
        if event.type == YAML_MAPPING_START_EVENT || event.type == YAML_SEQUENCE_START_EVENT, open.count >= YAMLLoader.depthLimit {
            throw Diagnostic(location(pos), "mappings and sequences are nested more than \(YAMLLoader.depthLimit) levels deep here",
                             fix: "flatten the structure; no workflow needs this depth")
        }
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            root = nil
            anchors = [:]
            entries.removeAll(keepingCapacity: true)
        case YAML_DOCUMENT_END_EVENT:
            let size = entries.count
            if let value = root, !value.isNull {
                documents.append(YAMLDocument(value: value, positions: PositionTable(entries: entries), index: documentIndex))
                // The next document is likely to be about as big.
                entries = []
                entries.reserveCapacity(size)
            }
            documentIndex += 1
            root = nil
        case YAML_MAPPING_START_EVENT:
            let anchor = Builder.text(event.data.mapping_start.anchor)
            let entry = appendEntry(.map, at: pos)
            open.append(Open(isMap: true, start: mapKeys.count, entry: entry, anchor: anchor))
        case YAML_SEQUENCE_START_EVENT:
            let anchor = Builder.text(event.data.sequence_start.anchor)
            let entry = appendEntry(.seq, at: pos)
            open.append(Open(isMap: false, start: seqItems.count, entry: entry, anchor: anchor))
        case YAML_MAPPING_END_EVENT:
            guard let last = open.indices.last, open[last].isMap else { return }
            // Merge keys: explicit keys win, then earlier merge sources over later ones.
            if !open[last].merges.isEmpty {
                for (value, node, mergePos) in open[last].merges {
                    try mergeInto(value: value, node: node, at: mergePos)
                }
            }
            let frame = open.removeLast()
            let start = frame.start
            var object = [String: JSONValue](minimumCapacity: mapKeys.count - start)
            for i in start..<mapKeys.count { object[mapKeys[i]] = mapValues[i] }
            // One at a time: cheaper than `removeLast(_:)` for the few entries a mapping has.
            while mapKeys.count > start {
                mapKeys.removeLast()
                mapValues.removeLast()
            }
            entries[frame.entry].end = Int32(truncatingIfNeeded: entries.count)
            let value = JSONValue.object(object)
            if let a = frame.anchor { anchors[a] = (value, frame.entry, frame.nodes) }
            try complete(value, node: frame.entry, at: pos, size: frame.nodes)
        case YAML_SEQUENCE_END_EVENT:
            guard let last = open.indices.last, !open[last].isMap else { return }
            let frame = open.removeLast()
            let value = JSONValue.array(Array(seqItems[frame.start...]))
            while seqItems.count > frame.start { seqItems.removeLast() }
            entries[frame.entry].end = Int32(truncatingIfNeeded: entries.count)
            if let a = frame.anchor { anchors[a] = (value, frame.entry, frame.nodes) }
            try complete(value, node: frame.entry, at: pos, size: frame.nodes)
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let utf8 = UnsafeBufferPointer(start: s.value, count: Int(s.length))
            let plain = s.style == YAML_PLAIN_SCALAR_STYLE
            if mappingWantsKey {
                // A mapping key: keys are text, whatever they look like.
                let raw = String(decoding: utf8, as: UTF8.self)
                let isMerge = plain && utf8.count == 2 && utf8[0] == UInt8(ascii: "<") && utf8[1] == UInt8(ascii: "<")
                    && s.tag == nil
                if let a = Builder.text(s.anchor) {
                    // The key has no entry of its own; an alias to it needs one, kept out of lookups.
                    let entry = appendEntry(.scalar, at: pos)
                    entries[entry].hidden = true
                    anchors[a] = (.string(raw), entry, 1)
                }
                open[open.count - 1].pendingKey = PendingKey(text: raw, position: pos, isMerge: isMerge)
                return
            }
            let value: JSONValue
            if s.tag == nil {
                value = plain ? YAMLScalar.resolvePlain(utf8) : .string(String(decoding: utf8, as: UTF8.self))
            } else {
                let raw = String(decoding: utf8, as: UTF8.self)
                let tag = Builder.text(s.tag) ?? ""
                if tag == "!" {
                    value = .string(raw)
                } else if let v = YAMLScalar.resolveTagged(raw, tag: tag) {
                    value = v
                } else {
                    if tag.hasPrefix("tag:yaml.org,2002:") {
                        let short = "!!" + tag.dropFirst("tag:yaml.org,2002:".count)
                        throw Diagnostic(location(pos), "'\(raw)' is not a valid \(short) value",
                                         fix: "remove the \(short) tag or correct the value")
                    }
                    // Tags Skein does not know (e.g. custom application tags) are ignored.
                    value = plain ? YAMLScalar.resolvePlain(raw) : .string(raw)
                }
            }
            let entry = appendEntry(.scalar, at: pos)
            if let a = Builder.text(s.anchor) { anchors[a] = (value, entry, 1) }
            try complete(value, node: entry, at: pos, size: 1)
        case YAML_ALIAS_EVENT:
            let name = Builder.text(event.data.alias.anchor) ?? ""
            guard let (value, node, size) = anchors[name] else {
                throw Diagnostic(location(pos), "alias '*\(name)' refers to no anchor defined before it",
                                 fix: "define '&\(name)' earlier in the same document")
            }
            aliasCount += 1
            if aliasCount > YAMLLoader.aliasLimit {
                throw Diagnostic(location(pos), "more than \(YAMLLoader.aliasLimit) aliases in one file",
                                 fix: "expand the repeated content instead of nesting aliases")
            }
            expandedNodes += size
            if expandedNodes > YAMLLoader.expansionLimit {
                throw Diagnostic(location(pos), "the aliases up to here stand for more than \(YAMLLoader.expansionLimit) nodes (aliases of aliases multiply)",
                                 fix: "write the repeated content out, or alias smaller pieces")
            }
            if mappingWantsKey {
                guard let key = value.scalarText else {
                    throw Diagnostic(location(pos), "an alias to a \(value.kindName) cannot be a mapping key",
                                     fix: "use a plain text key")
                }
                open[open.count - 1].pendingKey = PendingKey(text: key, position: pos, isMerge: false)
                return
            }
            let entry = appendEntry(.reference, at: pos, target: node)
            try complete(value, node: entry, at: pos, size: size)
        default:
            break
        }
    }

    /// Attaches a finished value (whose entry is `node`) to its parent, or makes it the document root.
    mutating func complete(_ value: JSONValue, node: Int, at pos: SourcePosition, size: Int) throws(Diagnostic) {
        let i = open.count - 1
        guard i >= 0 else {
            root = value
            return
        }
        open[i].nodes += size
        if !open[i].isMap {
            seqItems.append(value)
            return
        }
        guard let key = open[i].pendingKey else {
            // A collection used as a key.
            throw Diagnostic(location(pos), "a \(value.kindName) cannot be a mapping key",
                             fix: "use a plain text key")
        }
        open[i].pendingKey = nil
        if key.isMerge {
            open[i].merges.append((value, node, key.position))
            return
        }
        if has(key.text) {
            // The mapping is still open: its entries run to the end for now.
            entries[open[i].entry].end = Int32(truncatingIfNeeded: entries.count)
            let first = findEntry(key.text, in: open[i].entry).map { Int(entries[$0].keyLine) } ?? 0
            throw Diagnostic(location(key.position),
                             "duplicate key '\(key.text)' (first written at line \(first))",
                             fix: "remove one of the two '\(key.text)' entries")
        }
        add(key.text, value)
    }

    // Lookups through a `PositionTable` view that lives only for the call, so that appending
    // to `entries` afterwards does not copy them.
    func findEntry(_ key: String, in map: Int) -> Int? { PositionTable(entries: entries).entry(key, in: map) }
    func resolved(_ i: Int) -> Int { PositionTable(entries: entries).resolved(i) }
    func items(of seq: Int) -> [Int] { PositionTable(entries: entries).children(of: seq) }

    /// Whether the innermost open mapping already has the key.
    func has(_ key: String) -> Bool {
        let i = open.count - 1
        if let keySet = open[i].keySet { return keySet.contains(key) }
        return mapKeys[open[i].start...].contains(key)
    }

    /// Adds a key and value to the innermost open mapping.
    mutating func add(_ key: String, _ value: JSONValue) {
        mapKeys.append(key)
        mapValues.append(value)
        let i = open.count - 1
        if open[i].keySet != nil {
            open[i].keySet?.insert(key)
        } else if mapKeys.count - open[i].start > 12 {
            open[i].keySet = Set(mapKeys[open[i].start...])
        }
    }

    /// Merges a `<<` value (whose node is entry `node`) into the innermost open mapping.
    mutating func mergeInto(value: JSONValue, node: Int, at pos: SourcePosition) throws(Diagnostic) {
        let source = resolved(node)
        switch (value, entries[source].kind) {
        case (.object(let o), .map):
            for (k, v) in o.sorted(by: { $0.key < $1.key }) where !has(k) {
                if let e = findEntry(k, in: source) {
                    // It stands for the source's node, under the source's key position.
                    let r = appendEntry(.reference, at: entries[e].keyPosition, target: resolved(e))
                    entries[r].key = k
                    entries[r].keyLine = entries[e].keyLine
                    entries[r].keyColumn = entries[e].keyColumn
                    entries[r].hidden = false
                } else {
                    let r = appendEntry(.scalar, at: pos)
                    entries[r].key = k
                    entries[r].keyLine = Int32(truncatingIfNeeded: pos.line)
                    entries[r].keyColumn = Int32(truncatingIfNeeded: pos.column)
                    entries[r].hidden = false
                }
                add(k, v)
            }
        case (.array(let items), .seq):
            for (item, itemEntry) in zip(items, self.items(of: source)) {
                let itemNode = resolved(itemEntry)
                guard case .object = item else {
                    throw Diagnostic(location(pos), "'<<' merges mappings, but one of its items (from line \(entries[itemNode].line)) is a \(item.kindName)",
                                     fix: "list only mappings (usually aliases like *defaults) after '<<'")
                }
                try mergeInto(value: item, node: itemNode, at: pos)
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
