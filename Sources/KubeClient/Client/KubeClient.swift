public import KubeAPI
public import Logging
public import SkeinJSON
import Synchronization

/// A client of one Kubernetes API server. Every call is async and suspends only its
/// task: requests go through one libcurl thread (see `Transport/`), after the client's
/// rate limiter, and are retried on 429, 5xx and (for idempotent verbs) transport
/// failures. Failures are `KubeError`s carrying the API's `Status`;
/// `CredentialError` when credentials cannot be obtained; `CancellationError` when the
/// task is cancelled.
///
/// Namespaces: `namespace: nil` means the client's default namespace (from the context
/// or the service account); `""` means all namespaces (for list, watch and
/// deleteCollection), as in client-go. Cluster-scoped resources ignore it.
public final class KubeClient: Sendable {
    public let configuration: ClientConfiguration
    public let rateLimiter: RateLimiter
    let transport: HTTPTransport
    let authenticator: Authenticator
    let logger: Logger
    let observer: RequestObserver?
    /// Whom the requests act as (nil: the client's own credentials' identity).
    public let impersonation: Impersonation?
    private let http2Count: Mutex<Int>

    /// How many complete answers came over HTTP/2 (multiplexed on shared connections);
    /// the others came over HTTP/1.1. For tests and benchmarks.
    public var http2Responses: Int { http2Count.withLock { $0 } }

    /// Told the HTTP method and status code of every response (for metrics).
    public typealias RequestObserver = @Sendable (_ method: String, _ code: Int) -> Void

    public init(_ configuration: ClientConfiguration, logger: Logger = Logger(label: "skein.kube"),
                observer: RequestObserver? = nil) throws(KubeError) {
        self.configuration = configuration
        self.logger = logger
        self.observer = observer
        impersonation = nil
        http2Count = Mutex(0)
        rateLimiter = RateLimiter(qps: configuration.qps, burst: configuration.burst)
        transport = try HTTPTransport(server: configuration.server, tls: configuration.tls, proxy: configuration.proxyURL,
                                      streamBufferLimit: configuration.streamBufferBytes)
        authenticator = Authenticator(credentials: configuration.credentials,
                                      cluster: ClusterInfo(server: configuration.server, tls: configuration.tls,
                                                           proxyURL: configuration.proxyURL))
    }

    init(sharing other: KubeClient, impersonation: Impersonation) {
        configuration = other.configuration
        logger = other.logger
        observer = other.observer
        rateLimiter = other.rateLimiter
        transport = other.transport
        authenticator = other.authenticator
        http2Count = Mutex(0)
        self.impersonation = impersonation
    }

    /// A client from the kubeconfig kubectl would use (`ConfigLoader.load`).
    public convenience init(kubeconfig: String? = nil, context: String? = nil, namespace: String? = nil,
                            logger: Logger = Logger(label: "skein.kube")) throws {
        try self.init(ConfigLoader.load(kubeconfig: kubeconfig, context: context, namespace: namespace), logger: logger)
    }

    /// The client's default namespace.
    public var namespace: String { configuration.namespace }

    /// `nil` → the default namespace; `""` → nil (all namespaces); a name as given.
    func resolve(_ namespace: String?) -> String? {
        guard let n = namespace else { return configuration.namespace }
        return n.isEmpty ? nil : n
    }

    /// The namespace of a namespaced call on one object: the argument, else the object's
    /// own, else the default.
    func resolve(_ namespace: String?, object: JSONValue) -> String {
        if let n = namespace, !n.isEmpty { return n }
        if let n = object.namespace, !n.isEmpty { return n }
        return configuration.namespace
    }

    // MARK: raw requests

    /// Sends any request and returns the body of its 2xx answer.
    public func send(_ request: APIRequest) async throws -> [UInt8] {
        try await perform(request).body
    }

    /// Sends a request and decodes its JSON answer.
    public func sendJSON(_ request: APIRequest) async throws -> JSONValue {
        try Self.decode(try await perform(request).body)
    }

    static func decode(_ body: [UInt8]) throws(KubeError) -> JSONValue {
        do { return try JSONValue.parseJSON(utf8: body) } catch {
            throw .decoding("the body is not JSON (\(error.message)): \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
    }

    func perform(_ request: APIRequest) async throws -> HTTPResponse {
        let transport = self.transport
        let observer = self.observer
        return try await withRetries(request) { http in
            let r = try await transport.perform(http)
            if r.httpVersion == 2 { http2Count.withLock { $0 += 1 } }
            observer?(request.method.rawValue, r.status)
            if r.status >= 300 { throw APIErrorResponse(response: r) }
            return r
        }
    }

    func openStream(_ request: APIRequest, idleTimeout: Duration?) async throws -> ResponseStream {
        let transport = self.transport
        return try await withRetries(request, idleTimeout: idleTimeout) { http in
            try await transport.stream(http)
        }
    }

    /// Rate limit, credentials, the request, and retries with backoff: 429 always; 5xx
    /// for idempotent verbs, or when the server sent `Retry-After`; transport failures
    /// for idempotent verbs. A 401 with refreshable credentials (token file, exec plugin)
    /// fetches them again once.
    private func withRetries<T>(_ request: APIRequest, idleTimeout: Duration? = nil,
                                _ op: (HTTPRequest) async throws -> T) async throws -> T {
        let policy = configuration.retry
        let idempotent = request.method == .get || request.method == .put || request.method == .delete
        var attempt = 0
        var refreshed = false
        while true {
            if !rateLimiter.isUnlimited { try await rateLimiter.wait() }
            let auth = try await authenticator.material()
            let http = httpRequest(request, auth: auth, idleTimeout: idleTimeout)
            let wait: Duration
            do {
                return try await op(http)
            } catch let e as APIErrorResponse {
                let status = Status(httpCode: e.response.status, body: e.response.body)
                let error = KubeError(status: status)
                if e.response.status == 401 && authenticator.canRefresh && !refreshed {
                    refreshed = true
                    authenticator.invalidate()
                    logger.debug("401 from \(request.method.rawValue) \(request.path): fetching credentials again")
                    continue
                }
                let hint = e.response.retryAfter ?? status.retryAfterSeconds.map { Duration.seconds($0) }
                let retryable = e.response.status == 429 || (e.response.status >= 500 && (idempotent || hint != nil))
                guard retryable && attempt < policy.maxRetries else { throw error }
                attempt += 1
                wait = hint.map { min($0, policy.maxRetryAfter) } ?? jittered(policy.backoff(attempt: attempt))
                logger.debug("\(request.method.rawValue) \(request.path): HTTP \(e.response.status), retry \(attempt) in \(wait)")
            } catch let e as KubeError {
                guard case .transport = e, idempotent, attempt < policy.maxRetries, !Task.isCancelled else { throw e }
                attempt += 1
                wait = jittered(policy.backoff(attempt: attempt))
                logger.debug("\(request.method.rawValue) \(request.path): \(e), retry \(attempt) in \(wait)")
            }
            try await Task.sleep(for: wait)
        }
    }

    private func jittered(_ d: Duration) -> Duration {
        d + d * Double.random(in: 0..<0.2)
    }

    private func httpRequest(_ r: APIRequest, auth: AuthMaterial, idleTimeout: Duration?) -> HTTPRequest {
        var headers = ["Accept: application/json, */*"]
        if let a = auth.authorization { headers.append("Authorization: " + a) }
        if let c = r.contentType { headers.append("Content-Type: " + c) }
        if let i = impersonation { headers += i.headers }
        return HTTPRequest(method: r.method.rawValue, url: configuration.server + r.target, headers: headers, body: r.body,
                           timeout: r.streaming ? nil : configuration.requestTimeout, idleTimeout: idleTimeout,
                           identity: auth.identity, streaming: r.streaming)
    }
}
