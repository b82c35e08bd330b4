import KubeAPI
import SkeinJSON

/// A request as the simulator's handlers see it, independent of the HTTP server.
struct SimRequest: Sendable {
    var method: String
    var path: String
    var query: [String: String]
    var accept: String
    var contentType: String
    var body: [UInt8]
    var userAgent = ""

    /// Who makes a change, for field ownership: `fieldManager`, else the user agent's
    /// program name (as the API server derives it).
    var manager: String {
        if let m = query["fieldManager"], !m.isEmpty { return m }
        let program = userAgent.split(separator: "/").first.map(String.init) ?? ""
        return program.isEmpty ? "unknown" : program
    }

    func bool(_ name: String) -> Bool { query[name] == "true" || query[name] == "1" }
    func int(_ name: String) -> Int? { query[name].flatMap { Int($0) } }
}

/// What a handler answers.
enum SimResponse: Sendable {
    case json(Int, JSONValue)
    case text(Int, String)
    /// A watch: events until the stream ends, the timeout passes or the client leaves.
    case watch(AsyncStream<WatchEvent>, timeoutSeconds: Int?, bookmarks: Bool, bookmarkRV: @Sendable () -> Int,
               apiVersion: String, kind: String)
    /// A followed log: lines until the stream ends.
    case lines(AsyncStream<String>)

    static func status(_ s: Status) -> SimResponse { .json(s.code, s.json) }

    /// The HTTP status code (200 for streams).
    var code: Int {
        switch self {
        case .json(let c, _), .text(let c, _): return c
        case .watch, .lines: return 200
        }
    }

    static func success(_ details: JSONValue? = nil) -> SimResponse {
        var o: [String: JSONValue] = ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success"]
        if let details { o["details"] = details }
        return .json(200, .object(o))
    }
}
