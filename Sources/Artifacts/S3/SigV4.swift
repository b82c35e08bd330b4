import Crypto

/// Access keys for AWS Signature Version 4; `sessionToken` for temporary credentials (STS,
/// IRSA), sent as `x-amz-security-token` and signed.
public struct AWSCredentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// AWS Signature Version 4, as AWS's "Signature Version 4 signing process" and the S3 pages
/// on header and query-string authentication describe it: the canonical request, the string
/// to sign, the derived signing key and the `Authorization` header or presigned URL.
///
/// Paths are given as they go on the wire, already encoded (`S3Path.encode`); S3 does not
/// normalise them and neither does this. Query parameters are given decoded and encoded here.
public struct SigV4: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// SHA-256 of the empty payload.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// `20150830T123600Z` for Unix seconds.
    public static func amzDate(_ unix: Int) -> String {
        let days = unix >= 0 ? unix / 86400 : (unix - 86399) / 86400
        let secs = unix - days * 86400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)\(two(m))\(two(d))T\(two(secs / 3600))\(two(secs % 3600 / 60))\(two(secs % 60))Z"
    }

    /// AWS's URI encoding: unreserved characters stay, every other byte is `%XX` (upper case);
    /// `/` stays too when `keepSlash`.
    public static func uriEncode(_ s: String, keepSlash: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out += "%" + hexDigit(b >> 4) + hexDigit(b & 0xF)
            }
        }
        return out
    }

    private static func hexDigit(_ v: UInt8) -> String { String(UnicodeScalar(v < 10 ? 48 + v : 55 + v)) }

    public static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        var out = ""
        for b in bytes { out += (b < 16 ? "0" : "") + String(b, radix: 16) }
        return out
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }

    /// The query string of the canonical request: names and values encoded, sorted by name
    /// (then value); a parameter without value is `name=`.
    public static func canonicalQuery(_ query: [(String, String)]) -> String {
        query.map { (uriEncode($0.0), uriEncode($0.1)) }
            .sorted { $0.0 == $1.0 ? $0.1.utf8.lexicographicallyPrecedes($1.1.utf8) : $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// Header names lower-cased and sorted, values trimmed with inner runs of spaces made one,
    /// repeated headers joined with commas in the order given.
    public static func canonicalHeaders(_ headers: [(String, String)]) -> (text: String, signed: String) {
        var byName: [String: [String]] = [:]
        for (name, value) in headers {
            var v = "", lastSpace = false
            for ch in SigV4.trimmed(value) {
                if ch == " " || ch == "\t" {
                    if !lastSpace { v.append(" ") }
                    lastSpace = true
                } else {
                    v.append(ch)
                    lastSpace = false
                }
            }
            byName[name.lowercased(), default: []].append(v)
        }
        let names = byName.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return (names.map { "\($0):\(byName[$0]!.joined(separator: ","))\n" }.joined(), names.joined(separator: ";"))
    }

    static func trimmed(_ value: String) -> Substring {
        var s = Substring(value)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }

    public static func canonicalRequest(method: String, path: String, query: [(String, String)],
                                        headers: [(String, String)], payloadHash: String) -> (request: String, signedHeaders: String) {
        let h = canonicalHeaders(headers)
        return ([method, path.isEmpty ? "/" : path, canonicalQuery(query), h.text, h.signed, payloadHash].joined(separator: "\n"), h.signed)
    }

    func scope(date: String) -> String { "\(date.prefix(8))/\(region)/\(service)/aws4_request" }

    public func stringToSign(canonicalRequest: String, amzDate: String) -> String {
        ["AWS4-HMAC-SHA256", amzDate, scope(date: amzDate), SigV4.sha256Hex(Array(canonicalRequest.utf8))].joined(separator: "\n")
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    public func signingKeyHex(date: String) -> String { SigV4.hex(signingKey(date: date).withUnsafeBytes { Array($0) }) }

    func signingKey(date: String) -> SymmetricKey {
        func hmac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key)))
        }
        let k = SymmetricKey(data: Array(("AWS4" + credentials.secretAccessKey).utf8))
        return hmac(hmac(hmac(hmac(k, String(date.prefix(8))), region), service), "aws4_request")
    }

    public func signature(stringToSign: String, amzDate: String) -> String {
        SigV4.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signingKey(date: amzDate)))
    }

    /// The `Authorization` header for a request whose headers (Host and x-amz-date among them)
    /// are all signed.
    public func authorization(method: String, path: String, query: [(String, String)], headers: [(String, String)],
                              payloadHash: String, amzDate: String) -> String {
        let (creq, signed) = SigV4.canonicalRequest(method: method, path: path, query: query, headers: headers, payloadHash: payloadHash)
        let sig = signature(stringToSign: stringToSign(canonicalRequest: creq, amzDate: amzDate), amzDate: amzDate)
        return "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(date: amzDate)), SignedHeaders=\(signed), Signature=\(sig)"
    }

    /// The headers to send with an S3 request: x-amz-date, x-amz-content-sha256, the session
    /// token if any, and Authorization over them and `headers` (which must hold Host).
    public func sign(method: String, path: String, query: [(String, String)], headers: [(String, String)],
                     payloadHash: String, unix: Int) -> [(String, String)] {
        let date = SigV4.amzDate(unix)
        var all = headers + [("x-amz-date", date), ("x-amz-content-sha256", payloadHash)]
        if let t = credentials.sessionToken { all.append(("x-amz-security-token", t)) }
        let auth = authorization(method: method, path: path, query: query, headers: all, payloadHash: payloadHash, amzDate: date)
        return all.filter { $0.0.lowercased() != "host" } + [("Authorization", auth)]
    }

    /// A presigned URL (query-string authentication, only `host` signed, the payload unsigned).
    public func presign(method: String, scheme: String, host: String, path: String, query: [(String, String)] = [],
                        expires: Int, unix: Int) -> String {
        let date = SigV4.amzDate(unix)
        var q = query + [("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(date: date))"),
                         ("X-Amz-Date", date), ("X-Amz-Expires", String(expires)), ("X-Amz-SignedHeaders", "host")]
        if let t = credentials.sessionToken { q.append(("X-Amz-Security-Token", t)) }
        let (creq, _) = SigV4.canonicalRequest(method: method, path: path, query: q, headers: [("host", host)], payloadHash: SigV4.unsignedPayload)
        let sig = signature(stringToSign: stringToSign(canonicalRequest: creq, amzDate: date), amzDate: date)
        return "\(scheme)://\(host)\(path.isEmpty ? "/" : path)?\(SigV4.canonicalQuery(q))&X-Amz-Signature=\(sig)"
    }
}

