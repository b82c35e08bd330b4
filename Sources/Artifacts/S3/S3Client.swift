import CCurl
import Crypto
import Dispatch
import Foundation
import Glibc
import Synchronization

/// Where an S3-compatible store is and how to reach it.
public struct S3Endpoint: Sendable, Equatable {
    /// `https://s3.us-east-1.amazonaws.com` when nil; otherwise the server's URL, e.g.
    /// `http://127.0.0.1:9000` (MinIO, moto) or `https://storage.googleapis.com`.
    public var url: String?
    public var region: String
    /// `endpoint/bucket/key` (what MinIO and most S3-compatible servers want) rather than
    /// `bucket.endpoint/key`.
    public var pathStyle: Bool
    /// A PEM bundle to trust besides the system's (a private CA).
    public var caBundle: String?
    public var credentials: AWSCredentials?

    public init(url: String? = nil, region: String = "us-east-1", pathStyle: Bool? = nil, caBundle: String? = nil,
                credentials: AWSCredentials? = nil) {
        self.url = url.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.region = region
        self.pathStyle = pathStyle ?? (url != nil)
        self.caBundle = caBundle
        self.credentials = credentials
    }

    /// `http://` or `https://`, and the host (with port) of the endpoint.
    var schemeAndHost: (scheme: String, host: String) {
        guard let url else { return ("https", "s3.\(region).amazonaws.com") }
        let parts = url.split(separator: "://", maxSplits: 1).map(String.init)
        let scheme = parts.count == 2 ? parts[0].lowercased() : "https"
        let rest = parts.count == 2 ? parts[1] : parts[0]
        return (scheme, String(rest.prefix { $0 != "/" }))
    }

    public var description: String { url ?? "https://s3.\(region).amazonaws.com" }
}

/// S3 paths: the key encoded once, slashes kept (S3 does not normalise paths).
public enum S3Path {
    public static func encode(key: String) -> String { "/" + SigV4.uriEncode(key, keepSlash: true) }
}

/// One listed object.
public struct S3Object: Sendable, Equatable {
    public var key: String
    public var size: Int
}

/// A small S3 client over libcurl: object GET (to a file, with a range), PUT (from a file,
/// streamed), HEAD, DELETE, ListObjectsV2 by prefix with paging, and bucket creation, signed
/// with SigV4. Failures that may pass (5xx, `SlowDown`, throttling, connection errors) are
/// retried with backoff; every error names the bucket, the key and what the server said.
public struct S3Client: Sendable {
    public var endpoint: S3Endpoint
    /// Tries per request (the first and the retries).
    public var attempts: Int
    /// The first retry's wait, doubled for each next one (with jitter).
    public var backoff: Double

    /// Files larger than this go up in parts (multipart upload), `partSize` bytes each (more
    /// when a file would need over 10,000 parts), `parallelParts` at a time.
    public var multipartThreshold = 64 << 20
    public var partSize = 16 << 20
    public var parallelParts = 4
    /// Server-side encryption of what it writes (and, for SSE-C, the key to read it).
    public var encryption: S3Encryption?

    public init(endpoint: S3Endpoint, attempts: Int = 5, backoff: Double = 0.2) {
        self.endpoint = endpoint
        self.attempts = max(1, attempts)
        self.backoff = backoff
    }

    // MARK: - Objects

    /// Downloads `key` to `file` (written as `file.part`, then renamed); `range` is the
    /// `Range` header's `bytes=` value, e.g. `0-9`.
    public func get(bucket: String, key: String, to file: String, range: String? = nil) throws(ArtifactError) {
        var headers: [(String, String)] = encryption?.customerHeaders ?? []
        if let range { headers.append(("Range", "bytes=\(range)")) }
        let partial = file + ".part"
        defer { unlink(partial) }
        let r = try perform("GET", bucket: bucket, key: key, headers: headers, body: .none, output: .file(partial), what: "download")
        try r.check(self, "download", bucket: bucket, key: key)
        guard rename(partial, file) == 0 else {
            throw ArtifactError("cannot download s3://\(bucket)/\(key): cannot move it to '\(file)': \(FileSystem.errnoText())")
        }
    }

    /// Uploads the file at `path` as `key`, streamed from disk; in parts above `multipartThreshold`.
    public func put(bucket: String, key: String, file path: String, contentType: String? = nil) throws(ArtifactError) {
        var st = stat()
        if stat(path, &st) == 0, Int(st.st_size) > multipartThreshold {
            try putMultipart(bucket: bucket, key: key, file: path, size: Int(st.st_size))
            return
        }
        var headers: [(String, String)] = encryption?.writeHeaders ?? []
        if let contentType { headers.append(("Content-Type", contentType)) }
        let r = try perform("PUT", bucket: bucket, key: key, headers: headers, body: .file(path), output: .memory, what: "upload")
        try r.check(self, "upload", bucket: bucket, key: key)
    }

    /// Multipart upload: start it, send the parts (each retried on its own) a few at a time,
    /// complete it; on any failure abort it, so that no object and no stored parts are left.
    func putMultipart(bucket: String, key: String, file path: String, size: Int) throws(ArtifactError) {
        let started = try perform("POST", bucket: bucket, key: key, query: [("uploads", "")], headers: encryption?.writeHeaders ?? [],
                                  body: .none, output: .memory,
                                  what: "start the upload of")
        try started.check(self, "start the upload of", bucket: bucket, key: key)
        guard let uploadID = XMLText.first("UploadId", in: String(decoding: started.body, as: UTF8.self)) else {
            throw ArtifactError("cannot upload s3://\(bucket)/\(key): the server gave no UploadId for the multipart upload")
        }
        let part = max(partSize, (size + 9_999) / 10_000)
        let count = (size + part - 1) / part
        let results = Mutex<[Int: Result<String, ArtifactError>]>([:])
        let next = Mutex(0)
        let failed = Mutex(false)
        let client = self
        let partHeaders = encryption?.customerHeaders ?? []
        let workers = max(1, min(parallelParts, count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let n = next.withLock { v -> Int in defer { v += 1 }; return v }
                guard n < count, !failed.withLock({ $0 }) else { return }
                let offset = n * part, length = min(part, size - offset)
                let outcome: Result<String, ArtifactError>
                do throws(ArtifactError) {
                    let r = try client.perform("PUT", bucket: bucket, key: key, query: [("partNumber", String(n + 1)), ("uploadId", uploadID)],
                                               headers: partHeaders, body: .file(path, offset: offset, length: length), output: .memory,
                                               what: "upload part \(n + 1) of \(count) of")
                    try r.check(client, "upload part \(n + 1) of \(count) of", bucket: bucket, key: key)
                    guard let etag = r.header("etag") else {
                        throw ArtifactError("cannot upload part \(n + 1) of s3://\(bucket)/\(key): the server gave no ETag")
                    }
                    outcome = .success(etag)
                } catch {
                    outcome = .failure(error)
                    failed.withLock { $0 = true }
                }
                results.withLock { $0[n] = outcome }
            }
        }
        var etags: [String] = []
        var failure: ArtifactError?
        let all = results.withLock { $0 }
        for n in 0..<count {
            switch all[n] {
            case .success(let e)?: etags.append(e)
            case .failure(let e)?: failure = failure ?? e
            case nil: break
            }
        }
        if failure == nil && etags.count == count {
            let xml = "<CompleteMultipartUpload>" + etags.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\($0.element)</ETag></Part>" }.joined()
                + "</CompleteMultipartUpload>"
            do throws(ArtifactError) {
                let done = try perform("POST", bucket: bucket, key: key, query: [("uploadId", uploadID)], headers: [("Content-Type", "application/xml")],
                                       body: .bytes(Array(xml.utf8)), output: .memory, what: "complete the upload of")
                try done.check(self, "complete the upload of", bucket: bucket, key: key)
                // S3 may answer 200 with an error document when completing.
                if String(decoding: done.body, as: UTF8.self).contains("<Error>") {
                    throw ArtifactError("cannot complete the upload of s3://\(bucket)/\(key): \(done.errorCode ?? "error"): \(done.errorMessage ?? "")")
                }
                return
            } catch {
                failure = error
            }
        }
        // Abort: the parts stored so far are deleted with the upload.
        _ = try? perform("DELETE", bucket: bucket, key: key, query: [("uploadId", uploadID)], headers: [], body: .none, output: .memory,
                         what: "abort the upload of")
        throw failure ?? ArtifactError("cannot upload s3://\(bucket)/\(key): a part was not sent")
    }

    /// Uploads bytes held in memory (small objects: manifests, logs' tails).
    public func put(bucket: String, key: String, bytes: [UInt8]) throws(ArtifactError) {
        let r = try perform("PUT", bucket: bucket, key: key, headers: encryption?.writeHeaders ?? [], body: .bytes(bytes), output: .memory, what: "upload")
        try r.check(self, "upload", bucket: bucket, key: key)
    }

    /// The object's size, or nil when there is no such key.
    public func head(bucket: String, key: String) throws(ArtifactError) -> Int? {
        try headers(bucket: bucket, key: key).map { h in h.last { $0.0 == "content-length" }.flatMap { Int($0.1) } ?? 0 }
    }

    /// The object's response headers (names in lower case), or nil when there is no such key.
    public func headers(bucket: String, key: String) throws(ArtifactError) -> [(String, String)]? {
        let r = try perform("HEAD", bucket: bucket, key: key, headers: encryption?.customerHeaders ?? [], body: .none, output: .memory, what: "look up")
        if r.status == 404 { return nil }
        try r.check(self, "look up", bucket: bucket, key: key)
        return r.headers
    }

    /// Deletes `key`; a key that is not there is not an error (S3 answers 204 either way).
    public func delete(bucket: String, key: String) throws(ArtifactError) {
        let r = try perform("DELETE", bucket: bucket, key: key, headers: [], body: .none, output: .memory, what: "delete")
        if r.status == 404, r.errorCode != "NoSuchBucket" { return }
        try r.check(self, "delete", bucket: bucket, key: key)
    }

    /// Every object under `prefix` (or the first `limit`), following ListObjectsV2's
    /// continuation tokens.
    public func list(bucket: String, prefix: String, pageSize: Int = 1000, limit: Int = .max) throws(ArtifactError) -> [S3Object] {
        var out: [S3Object] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix), ("max-keys", String(pageSize))]
            if let token { query.append(("continuation-token", token)) }
            let r = try perform("GET", bucket: bucket, key: nil, query: query, headers: [], body: .none, output: .memory, what: "list")
            try r.check(self, "list", bucket: bucket, key: prefix)
            let xml = String(decoding: r.body, as: UTF8.self)
            for contents in XMLText.elements("Contents", in: xml) {
                guard let key = XMLText.first("Key", in: contents) else { continue }
                out.append(S3Object(key: key, size: XMLText.first("Size", in: contents).flatMap { Int($0) } ?? 0))
            }
            token = XMLText.first("IsTruncated", in: xml) == "true" ? XMLText.first("NextContinuationToken", in: xml) : nil
        } while token != nil && out.count < limit
        return out
    }

    /// The keys of multipart uploads begun and neither completed nor aborted.
    public func multipartUploads(bucket: String) throws(ArtifactError) -> [String] {
        let r = try perform("GET", bucket: bucket, key: nil, query: [("uploads", "")], headers: [], body: .none, output: .memory,
                            what: "list the uploads of")
        try r.check(self, "list the uploads of", bucket: bucket, key: nil)
        return XMLText.elements("Upload", in: String(decoding: r.body, as: UTF8.self)).compactMap { XMLText.first("Key", in: $0) }
    }

    /// Creates the bucket; one that exists and is ours already is fine.
    public func createBucket(_ bucket: String) throws(ArtifactError) {
        var body: [UInt8] = []
        if endpoint.region != "us-east-1" {
            body = Array("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>\(endpoint.region)</LocationConstraint></CreateBucketConfiguration>".utf8)
        }
        let r = try perform("PUT", bucket: bucket, key: nil, headers: [], body: .bytes(body), output: .memory, what: "create the bucket")
        if r.errorCode == "BucketAlreadyOwnedByYou" { return }
        try r.check(self, "create the bucket", bucket: bucket, key: nil)
    }

    public func bucketExists(_ bucket: String) throws(ArtifactError) -> Bool {
        let r = try perform("HEAD", bucket: bucket, key: nil, headers: [], body: .none, output: .memory, what: "look up the bucket")
        if r.status == 404 { return false }
        try r.check(self, "look up the bucket", bucket: bucket, key: nil)
        return true
    }

    // MARK: - Requests

    enum Body {
        case none
        case bytes([UInt8])
        /// `length` bytes of the file from `offset` (to its end when nil).
        case file(String, offset: Int = 0, length: Int? = nil)
    }

    enum Output {
        case memory
        case file(String)
    }

    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? { headers.last { $0.0 == name }?.1 }

        var errorCode: String? { XMLText.first("Code", in: String(decoding: body.prefix(65536), as: UTF8.self)) }
        var errorMessage: String? { XMLText.first("Message", in: String(decoding: body.prefix(65536), as: UTF8.self)) }

        /// Throws for a status that is not a success, with what the server said.
        func check(_ client: S3Client, _ what: String, bucket: String, key: String?) throws(ArtifactError) {
            guard status >= 300 else { return }
            let location = "s3://\(bucket)" + (key.map { "/\($0)" } ?? "")
            var said = [errorCode, errorMessage].compactMap { $0 }.joined(separator: ": ")
            if said.isEmpty {
                said = switch status {
                case 403: "access denied"
                case 404: "not found"
                default: "no explanation"
                }
            }
            var fix = ""
            switch errorCode ?? "" {
            case "NoSuchBucket": fix = " (create the bucket, or set createBucketIfNotPresent)"
            case "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken": fix = " (check the access key, secret key and session token)"
            case "NoSuchKey": fix = " (no step stored it: check the key)"
            default: if status == 403 { fix = " (check the credentials and the bucket's policy)" }
            }
            throw ArtifactError("cannot \(what) \(location): \(said) (HTTP \(status) from \(client.endpoint.description))\(fix)")
        }
    }

    /// The URL and the canonical path of a request.
    func target(bucket: String, key: String?) -> (url: String, host: String, path: String) {
        let (scheme, base) = endpoint.schemeAndHost
        let keyPath = key.map { S3Path.encode(key: $0) } ?? "/"
        if endpoint.pathStyle {
            let path = "/" + SigV4.uriEncode(bucket) + (key == nil ? "" : keyPath)
            return ("\(scheme)://\(base)\(path)", base, path)
        }
        let host = "\(bucket).\(base)"
        return ("\(scheme)://\(host)\(keyPath)", host, keyPath)
    }

    func perform(_ method: String, bucket: String, key: String?, query: [(String, String)] = [], headers: [(String, String)],
                 body: Body, output: Output, what: String) throws(ArtifactError) -> Response {
        let location = "s3://\(bucket)" + (key.map { "/\($0)" } ?? "")
        var attempt = 0
        while true {
            attempt += 1
            let result = once(method, bucket: bucket, key: key, query: query, headers: headers, body: body, output: output, location: location, what: what)
            switch result {
            case .success(let r):
                let code = r.errorCode ?? ""
                let retryable = r.status >= 500 || r.status == 429 || code == "SlowDown" || code == "RequestTimeout" || code == "Throttling"
                if retryable && attempt < attempts { pause(attempt); continue }
                return r
            case .failure(let e):
                if e.retryable && attempt < attempts { pause(attempt); continue }
                throw ArtifactError(e.message + (attempt > 1 ? " (after \(attempt) tries)" : ""))
            }
        }
    }

    func pause(_ attempt: Int) {
        let wait = backoff * Double(1 << min(attempt - 1, 10)) * Double.random(in: 0.8...1.2)
        usleep(UInt32(min(wait, 30) * 1_000_000))
    }

    struct Failure: Error {
        var message: String
        var retryable: Bool
    }

    /// One try of a request through a libcurl easy handle.
    func once(_ method: String, bucket: String, key: String?, query: [(String, String)], headers: [(String, String)],
              body: Body, output: Output, location: String, what: String) -> Result<Response, Failure> {
        guard curlReady == CURLE_OK, let handle = curl_easy_init() else {
            return .failure(Failure(message: "cannot \(what) \(location): libcurl could not start a transfer", retryable: false))
        }
        defer { curl_easy_cleanup(handle) }
        let (url, host, path) = target(bucket: bucket, key: key)
        let fullURL = url + (query.isEmpty ? "" : "?" + SigV4.canonicalQuery(query))

        // The body: a FILE* libcurl reads with fread, and its length and hash.
        var input: UnsafeMutablePointer<FILE>?
        var length = 0
        var payloadHash = SigV4.emptyPayloadHash
        switch body {
        case .none: break
        case .bytes(let b):
            length = b.count
            payloadHash = SigV4.sha256Hex(b)
            if !b.isEmpty {
                input = tmpfile()
                _ = b.withUnsafeBytes { fwrite($0.baseAddress, 1, b.count, input) }
                rewind(input)
            }
        case .file(let p, let offset, let count):
            guard let f = fopen(p, "rb") else {
                return .failure(Failure(message: "cannot \(what) \(location): cannot read '\(p)': \(FileSystem.errnoText())", retryable: false))
            }
            input = f
            var st = stat()
            fstat(fileno(f), &st)
            length = count ?? max(0, Int(st.st_size) - offset)
            // Over plain HTTP the payload is signed (read once more for its hash); over TLS
            // S3 allows it unsigned.
            if endpoint.schemeAndHost.scheme == "http" {
                fseeko(f, off_t(offset), SEEK_SET)
                guard let h = S3Client.sha256(of: f, count: length) else {
                    return .failure(Failure(message: "cannot \(what) \(location): reading '\(p)' failed: \(FileSystem.errnoText())", retryable: false))
                }
                payloadHash = h
            } else {
                payloadHash = SigV4.unsignedPayload
            }
            fseeko(f, off_t(offset), SEEK_SET)
        }
        defer { if let input { fclose(input) } }
        let reader = RangeReader(file: input ?? emptyInput, remaining: length)
        let readerRef = Unmanaged.passRetained(reader)
        defer { readerRef.release() }

        var sendHeaders = headers
        if let credentials = endpoint.credentials {
            let signer = SigV4(credentials: credentials, region: endpoint.region)
            let now = Int(time(nil))
            sendHeaders = signer.sign(method: method, path: path, query: query, headers: [("Host", host)] + headers,
                                      payloadHash: payloadHash, unix: now)
        }
        var list: UnsafeMutablePointer<curl_slist>?
        for (n, v) in sendHeaders { list = curl_slist_append(list, "\(n): \(v)") }
        // libcurl would otherwise wait for "100 Continue" before large bodies.
        list = curl_slist_append(list, "Expect:")
        defer { curl_slist_free_all(list) }

        let sink = ResponseSink()
        var out: UnsafeMutablePointer<FILE>?
        if case .file(let p) = output {
            guard let f = fopen(p, "wb") else {
                return .failure(Failure(message: "cannot \(what) \(location): cannot create '\(p)': \(FileSystem.errnoText())", retryable: false))
            }
            out = f
        }
        defer { if let out { fclose(out) } }

        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { buf in
            _ = skein_curl_setopt_string(handle, CURLOPT_URL, fullURL)
            _ = skein_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            _ = skein_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, 30)
            // A transfer slower than 1 KiB/s for a minute is stuck.
            _ = skein_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1024)
            _ = skein_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, 60)
            _ = skein_curl_setopt_string(handle, CURLOPT_USERAGENT, "skein")
            _ = skein_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
            if let ca = endpoint.caBundle { _ = skein_curl_setopt_string(handle, CURLOPT_CAINFO, ca) }
            switch method {
            case "HEAD": _ = skein_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
            case "PUT":
                _ = skein_curl_setopt_long(handle, CURLOPT_UPLOAD, 1)
                _ = skein_curl_setopt_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(length))
                _ = skein_curl_setopt_write(handle, CURLOPT_READFUNCTION, s3ReadCallback)
                _ = skein_curl_setopt_ptr(handle, CURLOPT_READDATA, readerRef.toOpaque())
            case "POST":
                _ = skein_curl_setopt_long(handle, CURLOPT_POST, 1)
                _ = skein_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(length))
                _ = skein_curl_setopt_write(handle, CURLOPT_READFUNCTION, s3ReadCallback)
                _ = skein_curl_setopt_ptr(handle, CURLOPT_READDATA, readerRef.toOpaque())
            case "GET": break
            default: _ = skein_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)
            }
            let opaque = unmanaged.toOpaque()
            _ = skein_curl_setopt_write(handle, CURLOPT_HEADERFUNCTION, s3HeaderCallback)
            _ = skein_curl_setopt_ptr(handle, CURLOPT_HEADERDATA, opaque)
            if let out {
                _ = skein_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, UnsafeMutableRawPointer(out))
            } else {
                _ = skein_curl_setopt_write(handle, CURLOPT_WRITEFUNCTION, s3BodyCallback)
                _ = skein_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, opaque)
            }
            _ = skein_curl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(buf.baseAddress!))
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            let detail = errorBuffer[0] != 0
                ? String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                : String(cString: curl_easy_strerror(code))
            let retryable = [CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING,
                             CURLE_COULDNT_RESOLVE_HOST, CURLE_PARTIAL_FILE, CURLE_SSL_CONNECT_ERROR].contains(code)
            return .failure(Failure(message: "cannot \(what) \(location): \(detail) (endpoint \(endpoint.description))", retryable: retryable))
        }
        var status = 0
        _ = skein_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var response = Response(status: status, headers: sink.headers, body: sink.body)
        if status >= 300, let out, case .file(let p) = output {
            // The error document went into the file: read it back (it is small).
            fflush(out)
            if let f = fopen(p, "rb") {
                var buf = [UInt8](repeating: 0, count: 65536)
                let n = fread(&buf, 1, buf.count, f)
                fclose(f)
                response.body = Array(buf.prefix(n))
            }
        }
        return .success(response)
    }

    /// SHA-256 of the next `count` bytes of `f`.
    static func sha256(of f: UnsafeMutablePointer<FILE>, count: Int) -> String? {
        var hasher = SHA256()
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        var left = count
        while left > 0 {
            let n = fread(&buf, 1, min(buf.count, left), f)
            if n > 0 { buf.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0.prefix(n))) } }
            left -= n
            if n == 0 { return ferror(f) != 0 ? nil : (left == 0 ? SigV4.hex(hasher.finalize()) : nil) }
        }
        return SigV4.hex(hasher.finalize())
    }
}

/// libcurl's process-wide setup, done once.
let curlReady: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

/// An empty body for a PUT of nothing (libcurl reads EOF at once).
nonisolated(unsafe) private let emptyInput: UnsafeMutablePointer<FILE> = fopen("/dev/null", "rb")

/// Feeds libcurl a request body: at most `remaining` bytes of a file, from where it stands.
final class RangeReader {
    let file: UnsafeMutablePointer<FILE>
    var remaining: Int
    init(file: UnsafeMutablePointer<FILE>, remaining: Int) { self.file = file; self.remaining = remaining }
}

private let s3ReadCallback: skein_curl_write_cb = { ptr, size, count, userdata in
    guard let ptr, let userdata else { return 0 }
    let reader = Unmanaged<RangeReader>.fromOpaque(userdata).takeUnretainedValue()
    let want = min(size * count, reader.remaining)
    guard want > 0 else { return 0 }
    let n = fread(ptr, 1, want, reader.file)
    reader.remaining -= n
    // A file that got shorter than it was: abort rather than send less than announced.
    return n == 0 ? Int(CURL_READFUNC_ABORT) : n
}
