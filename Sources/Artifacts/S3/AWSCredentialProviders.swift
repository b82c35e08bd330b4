import CCurl
import Foundation
import Synchronization

/// The credential sources after the environment and the profile, as AWS's SDKs try them: a
/// web identity token exchanged with STS (`AWS_ROLE_ARN` and `AWS_WEB_IDENTITY_TOKEN_FILE`,
/// which EKS's IAM roles for service accounts put into pods), then the instance metadata
/// service with an IMDSv2 session token (`AWS_EC2_METADATA_SERVICE_ENDPOINT`, else
/// 169.254.169.254; off with `AWS_EC2_METADATA_DISABLED=true`). What they give is kept for
/// the process until five minutes before it expires.
enum AWSCredentialProviders {
    struct Fetched: Sendable {
        var credentials: AWSCredentials?
        var source: String
        var expires: Double
    }

    private static let cache = Mutex<[String: Fetched]>([:])

    static func cached(_ key: String, _ fetch: () -> Fetched) -> Fetched {
        let now = Date().timeIntervalSince1970
        if let hit = cache.withLock({ $0[key] }), hit.expires > now + 300 || (hit.credentials == nil && hit.expires > now) { return hit }
        let fresh = fetch()
        cache.withLock { $0[key] = fresh }
        return fresh
    }

    /// STS `AssumeRoleWithWebIdentity` (unsigned; the token is the proof).
    static func webIdentity(environment env: [String: String], region: String) -> Fetched? {
        guard let role = env["AWS_ROLE_ARN"], !role.isEmpty, let tokenFile = env["AWS_WEB_IDENTITY_TOKEN_FILE"], !tokenFile.isEmpty else {
            return nil
        }
        let endpoint = [env["AWS_ENDPOINT_URL_STS"], env["AWS_ENDPOINT_URL"]].compactMap { $0 }.first { !$0.isEmpty }
            ?? "https://sts.\(region).amazonaws.com"
        return cached("web-identity \(role) \(tokenFile) \(endpoint)") {
            let source = "web identity (AWS_ROLE_ARN \(role), STS at \(endpoint))"
            guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else {
                return Fetched(credentials: nil, source: source + ": cannot read the token file \(tokenFile)", expires: Date().timeIntervalSince1970 + 10)
            }
            let session = env["AWS_ROLE_SESSION_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "skein-\(getpid())"
            let form = [("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", role),
                        ("RoleSessionName", session), ("WebIdentityToken", token), ("DurationSeconds", "3600")]
                .map { "\($0.0)=\(SigV4.uriEncode($0.1))" }.joined(separator: "&")
            let answer = HTTPExchange.perform("POST", url: endpoint.hasSuffix("/") ? endpoint : endpoint + "/",
                                              headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8),
                                              connectTimeout: 10)
            guard let answer, answer.status == 200 else {
                let said = answer.map { XMLText.first("Message", in: String(decoding: $0.body, as: UTF8.self)) ?? "HTTP \($0.status)" } ?? "no answer"
                return Fetched(credentials: nil, source: source + ": " + said, expires: Date().timeIntervalSince1970 + 10)
            }
            let xml = String(decoding: answer.body, as: UTF8.self)
            guard let id = XMLText.first("AccessKeyId", in: xml), let secret = XMLText.first("SecretAccessKey", in: xml) else {
                return Fetched(credentials: nil, source: source + ": STS answered without credentials", expires: Date().timeIntervalSince1970 + 10)
            }
            let expires = XMLText.first("Expiration", in: xml).flatMap(parseISO8601) ?? Date().timeIntervalSince1970 + 900
            return Fetched(credentials: AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: XMLText.first("SessionToken", in: xml)),
                           source: source, expires: expires)
        }
    }

    /// The instance's role, through IMDSv2.
    static func instanceMetadata(environment env: [String: String]) -> Fetched? {
        if env["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" { return nil }
        var base = env["AWS_EC2_METADATA_SERVICE_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://169.254.169.254"
        while base.hasSuffix("/") { base.removeLast() }
        return cached("imds \(base)") {
            let source = "the instance metadata service at \(base)"
            // Off EC2 nothing answers: give up fast, and do not ask again for a while.
            let miss = Fetched(credentials: nil, source: source + ": no answer", expires: Date().timeIntervalSince1970 + 60)
            guard let t = HTTPExchange.perform("PUT", url: base + "/latest/api/token", headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")],
                                               body: [], connectTimeout: 1), t.status == 200 else { return miss }
            let token = String(decoding: t.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let auth = [("X-aws-ec2-metadata-token", token)]
            guard let r = HTTPExchange.perform("GET", url: base + "/latest/meta-data/iam/security-credentials/", headers: auth, body: nil, connectTimeout: 1),
                  r.status == 200,
                  let role = String(decoding: r.body, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty
            else { return Fetched(credentials: nil, source: source + ": the instance has no IAM role", expires: Date().timeIntervalSince1970 + 60) }
            guard let c = HTTPExchange.perform("GET", url: base + "/latest/meta-data/iam/security-credentials/" + role, headers: auth, body: nil,
                                               connectTimeout: 1), c.status == 200,
                  let json = try? JSONSerialization.jsonObject(with: Data(c.body)) as? [String: Any],
                  let id = json["AccessKeyId"] as? String, let secret = json["SecretAccessKey"] as? String
            else { return Fetched(credentials: nil, source: source + ": no credentials for role \(role)", expires: Date().timeIntervalSince1970 + 60) }
            let expires = (json["Expiration"] as? String).flatMap(parseISO8601) ?? Date().timeIntervalSince1970 + 900
            return Fetched(credentials: AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: json["Token"] as? String),
                           source: "\(source) (role \(role))", expires: expires)
        }
    }

    static func parseISO8601(_ text: String) -> Double? {
        let f = ISO8601DateFormatter()
        if let d = f.date(from: text) { return d.timeIntervalSince1970 }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)?.timeIntervalSince1970
    }
}

/// One small request with libcurl, the answer held in memory (credential services' answers).
enum HTTPExchange {
    struct Answer {
        var status: Int
        var body: [UInt8]
    }

    static func perform(_ method: String, url: String, headers: [(String, String)], body: [UInt8]?, connectTimeout: Int) -> Answer? {
        guard curlReady == CURLE_OK, let handle = curl_easy_init() else { return nil }
        defer { curl_easy_cleanup(handle) }
        var list: UnsafeMutablePointer<curl_slist>?
        for (n, v) in headers { list = curl_slist_append(list, "\(n): \(v)") }
        list = curl_slist_append(list, "Expect:")
        defer { curl_slist_free_all(list) }
        let sink = ResponseSink()
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        let code: CURLcode = (body ?? []).withUnsafeBytes { raw in
            _ = skein_curl_setopt_string(handle, CURLOPT_URL, url)
            _ = skein_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            _ = skein_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, connectTimeout)
            _ = skein_curl_setopt_long(handle, CURLOPT_TIMEOUT, max(10, connectTimeout * 5))
            _ = skein_curl_setopt_string(handle, CURLOPT_USERAGENT, "skein")
            _ = skein_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
            if let body {
                if method != "POST" { _ = skein_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method) }
                _ = skein_curl_setopt_long(handle, CURLOPT_POST, 1)
                _ = skein_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                _ = skein_curl_setopt_ptr(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            } else if method != "GET" {
                _ = skein_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)
            }
            let opaque = unmanaged.toOpaque()
            _ = skein_curl_setopt_write(handle, CURLOPT_WRITEFUNCTION, s3BodyCallback)
            _ = skein_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, opaque)
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else { return nil }
        var status = 0
        _ = skein_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return Answer(status: status, body: sink.body)
    }
}
