public import SkeinJSON

/// The API's `Status` object (`kind: Status`), returned with every error response.
public struct Status: Sendable, Hashable, Error {
    public var code: Int
    /// Machine-readable reason: `NotFound`, `AlreadyExists`, `Conflict`, `Forbidden`, ...
    public var reason: String
    public var message: String
    /// `details.retryAfterSeconds`, when the server asks to come back later.
    public var retryAfterSeconds: Int?
    public var details: JSONValue?

    public init(code: Int, reason: String, message: String, retryAfterSeconds: Int? = nil, details: JSONValue? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
        self.details = details
    }

    /// Reads a `Status` body; falls back to the HTTP code and the body's text when the
    /// body is not a Status (a proxy's HTML page, say).
    public init(httpCode: Int, body: [UInt8]) {
        if let v = try? JSONValue.parseJSON(utf8: body), v["kind"]?.stringValue == "Status" {
            self.init(json: v, httpCode: httpCode)
        } else {
            let text = String(decoding: body.prefix(500), as: UTF8.self).trimmingSpaces
            self.init(code: httpCode, reason: Status.reason(forCode: httpCode),
                      message: text.isEmpty ? "HTTP \(httpCode)" : text)
        }
    }

    public init(json v: JSONValue, httpCode: Int) {
        var code = httpCode
        if case .int(let c)? = v["code"] { code = c }
        let retry: Int? = if case .int(let r)? = v["details"]?["retryAfterSeconds"] { r } else { nil }
        self.init(code: code, reason: v["reason"]?.stringValue ?? Status.reason(forCode: code),
                  message: v["message"]?.stringValue ?? "", retryAfterSeconds: retry, details: v["details"])
    }

    /// The Status as the API server writes it.
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string(message), "reason": .string(reason), "code": .int(code),
        ]
        var d = details?.objectValue ?? [:]
        if let r = retryAfterSeconds { d["retryAfterSeconds"] = .int(r) }
        if !d.isEmpty { o["details"] = .object(d) }
        return .object(o)
    }

    public static func reason(forCode code: Int) -> String {
        switch code {
        case 400: return "BadRequest"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 405: return "MethodNotAllowed"
        case 406: return "NotAcceptable"
        case 409: return "Conflict"
        case 410: return "Expired"
        case 415: return "UnsupportedMediaType"
        case 422: return "Invalid"
        case 429: return "TooManyRequests"
        case 500: return "InternalError"
        case 503: return "ServiceUnavailable"
        case 504: return "Timeout"
        default: return code >= 500 ? "InternalError" : "Unknown"
        }
    }

    // Constructors for the common failures, worded like the API server.
    public static func notFound(_ r: ResourceType, _ name: String) -> Status {
        Status(code: 404, reason: "NotFound", message: "\(r) \"\(name)\" not found",
               details: ["name": .string(name), "group": .string(r.group), "kind": .string(r.resource)])
    }
    public static func alreadyExists(_ r: ResourceType, _ name: String) -> Status {
        Status(code: 409, reason: "AlreadyExists", message: "\(r) \"\(name)\" already exists",
               details: ["name": .string(name), "group": .string(r.group), "kind": .string(r.resource)])
    }
    public static func conflict(_ r: ResourceType, _ name: String, _ why: String) -> Status {
        Status(code: 409, reason: "Conflict",
               message: "Operation cannot be fulfilled on \(r) \"\(name)\": \(why)",
               details: ["name": .string(name), "group": .string(r.group), "kind": .string(r.resource)])
    }
    public static func gone(_ message: String) -> Status { Status(code: 410, reason: "Expired", message: message) }
    public static func badRequest(_ message: String) -> Status { Status(code: 400, reason: "BadRequest", message: message) }
    public static func invalid(_ message: String) -> Status { Status(code: 422, reason: "Invalid", message: message) }
}

/// A failed API call, by the cases callers handle differently. Each carries the Status.
public enum KubeError: Error, Sendable, CustomStringConvertible {
    case notFound(Status)
    case alreadyExists(Status)
    case conflict(Status)
    case forbidden(Status)
    case unauthorized(Status)
    /// 410: the resourceVersion asked for is too old; re-list.
    case gone(Status)
    case tooManyRequests(Status)
    case invalid(Status)
    case badRequest(Status)
    case server(Status)
    case other(Status)
    /// No HTTP answer: connection refused, TLS failure, timeout. `server` names where.
    case transport(server: String, message: String)
    /// The answer was not what the API promises (bad JSON, say).
    case decoding(String)

    public init(status s: Status) {
        switch (s.code, s.reason) {
        case (404, _): self = .notFound(s)
        case (409, "AlreadyExists"): self = .alreadyExists(s)
        case (409, _): self = .conflict(s)
        case (403, _): self = .forbidden(s)
        case (401, _): self = .unauthorized(s)
        case (410, _): self = .gone(s)
        case (429, _): self = .tooManyRequests(s)
        case (422, _): self = .invalid(s)
        case (400, _): self = .badRequest(s)
        case (500..., _): self = .server(s)
        default: self = .other(s)
        }
    }

    public var status: Status? {
        switch self {
        case .notFound(let s), .alreadyExists(let s), .conflict(let s), .forbidden(let s), .unauthorized(let s),
             .gone(let s), .tooManyRequests(let s), .invalid(let s), .badRequest(let s), .server(let s), .other(let s):
            return s
        case .transport, .decoding: return nil
        }
    }

    /// Worth retrying as is: 429, 5xx and transport failures.
    public var isRetryable: Bool {
        switch self {
        case .tooManyRequests, .server, .transport: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .transport(let server, let message): return "cannot reach the Kubernetes API at \(server): \(message)"
        case .decoding(let m): return "unexpected answer from the Kubernetes API: \(m)"
        default:
            let s = status!
            return s.message.isEmpty ? "\(s.reason) (HTTP \(s.code))" : s.message
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
