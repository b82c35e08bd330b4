import Foundation

/// PEM bytes for TLS, either in a file or inline (kubeconfig's `*-data` fields, already
/// base64-decoded). Inline bytes go to libcurl as blobs: no temporary files.
public enum PEMSource: Sendable, Hashable {
    case file(String)
    case data([UInt8])
}

/// How the transport checks the server: trusted CAs, or none at all, and the name
/// expected in its certificate when it differs from the URL's host.
public struct ServerTLS: Sendable, Hashable {
    /// Trusted CAs; nil trusts the system's bundle.
    public var certificateAuthority: PEMSource?
    public var insecureSkipVerify: Bool
    /// `tls-server-name`: the name sent in SNI and checked against the certificate.
    public var serverName: String?

    public init(certificateAuthority: PEMSource? = nil, insecureSkipVerify: Bool = false, serverName: String? = nil) {
        self.certificateAuthority = certificateAuthority
        self.insecureSkipVerify = insecureSkipVerify
        self.serverName = serverName
    }
}

/// A client certificate and its private key.
public struct ClientIdentity: Sendable, Hashable {
    public var certificate: PEMSource
    public var key: PEMSource

    public init(certificate: PEMSource, key: PEMSource) {
        self.certificate = certificate
        self.key = key
    }
}

/// One request as the transport sends it: the URL is complete, headers are final.
struct HTTPRequest: Sendable {
    var method: String
    var url: String
    /// `Name: value` lines.
    var headers: [String]
    var body: [UInt8]?
    /// Whole-transfer limit; nil for none (watches, followed logs).
    var timeout: Duration?
    /// A stream that receives nothing for this long is dropped (nil: never).
    var idleTimeout: Duration?
    var identity: ClientIdentity?
    /// True when the response is read as a stream of chunks.
    var streaming: Bool

    init(method: String, url: String, headers: [String] = [], body: [UInt8]? = nil, timeout: Duration? = .seconds(60),
         idleTimeout: Duration? = nil, identity: ClientIdentity? = nil, streaming: Bool = false) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.idleTimeout = idleTimeout
        self.identity = identity
        self.streaming = streaming
    }
}

/// A complete response.
struct HTTPResponse: Sendable {
    var status: Int
    /// 2 for HTTP/2, 1 for HTTP/1.x (libcurl's CURLINFO_HTTP_VERSION), 0 when unknown.
    var httpVersion: Int = 0
    /// Header names in lower case; the last value wins.
    var headers: [String: String]
    var body: [UInt8]

    /// `Retry-After` in seconds (the API server sends a number of seconds, never a date).
    var retryAfter: Duration? {
        guard let v = headers["retry-after"], let s = Int(v.trimmingCharacters(in: .whitespaces)), s >= 0 else { return nil }
        return .seconds(s)
    }
}
