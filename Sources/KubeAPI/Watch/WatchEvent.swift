public import SkeinJSON

/// One event of a watch stream: a JSON object per line,
/// `{"type":"ADDED","object":{...}}`.
public struct WatchEvent: Sendable, Hashable {
    public enum EventType: String, Sendable, Hashable {
        case added = "ADDED", modified = "MODIFIED", deleted = "DELETED", bookmark = "BOOKMARK", error = "ERROR"
    }

    public var type: EventType
    /// The object; for `ERROR` a `Status`.
    public var object: JSONValue

    public init(type: EventType, object: JSONValue) {
        self.type = type
        self.object = object
    }

    /// Decodes one line of a watch response.
    public init(line: some Collection<UInt8>) throws(KubeError) {
        let v: JSONValue
        do { v = try JSONValue.parseJSON(utf8: line) } catch {
            throw .decoding("watch event is not JSON (\(error.message)): \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
        guard let t = v["type"]?.stringValue else {
            throw .decoding("watch event without a type: \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
        guard let type = EventType(rawValue: t) else { throw .decoding("unknown watch event type \(t)") }
        self.init(type: type, object: v["object"] ?? .null)
    }

    /// The line the API server writes for this event (without the newline).
    public var line: String { JSONValue.object(["type": .string(type.rawValue), "object": object]).compactJSON }

    /// For `ERROR` events: the Status they carry (410 Expired when the version is too old).
    public var status: Status? {
        guard type == .error else { return nil }
        return Status(json: object, httpCode: 500)
    }
}

/// Cuts a byte stream into lines as chunks arrive (a chunk may hold several lines or part
/// of one). Blank lines are skipped; a trailing `\r` is dropped.
public struct LineSplitter: Sendable {
    private var pending: [UInt8] = []
    /// A line longer than this is an error (a broken or hostile server), not a memory leak.
    public var maxLineLength: Int

    public init(maxLineLength: Int = 64 << 20) { self.maxLineLength = maxLineLength }

    /// Adds a chunk and returns the complete lines it finished.
    public mutating func feed(_ chunk: some Collection<UInt8>) throws(KubeError) -> [[UInt8]] {
        try feedBytes(chunk)
    }

    /// The same for an array, specialised here (callers in other modules would otherwise
    /// run the generic version, several times slower per byte).
    public mutating func feed(_ chunk: [UInt8]) throws(KubeError) -> [[UInt8]] {
        try feedBytes(chunk)
    }

    private mutating func feedBytes<C: Collection<UInt8>>(_ chunk: C) throws(KubeError) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var start = chunk.startIndex
        var i = start
        while i != chunk.endIndex {
            if chunk[i] == UInt8(ascii: "\n") {
                if pending.isEmpty {
                    appendLine(chunk[start..<i], to: &lines)
                } else {
                    pending.append(contentsOf: chunk[start..<i])
                    appendLine(pending[...], to: &lines)
                    pending.removeAll(keepingCapacity: true)
                }
                start = chunk.index(after: i)
            }
            i = chunk.index(after: i)
        }
        pending.append(contentsOf: chunk[start...])
        if pending.count > maxLineLength {
            throw .decoding("a line of more than \(maxLineLength) bytes")
        }
        return lines
    }

    /// What is left when the stream ends (a last line without a newline).
    public mutating func finish() -> [UInt8]? {
        defer { pending = [] }
        var l = pending[...]
        if l.last == UInt8(ascii: "\r") { l = l.dropLast() }
        return l.isEmpty ? nil : Array(l)
    }

    private func appendLine<C: Collection<UInt8>>(_ s: C, to lines: inout [[UInt8]]) {
        var l = Array(s)[...]
        if l.last == UInt8(ascii: "\r") { l = l.dropLast() }
        if !l.isEmpty { lines.append(Array(l)) }
    }
}
