/// Everything a client needs to reach one API server: where, how to trust it, who we
/// are, the default namespace, and how hard to push it.
public struct ClientConfiguration: Sendable {
    /// `https://host:port`, with no trailing slash.
    public var server: String
    public var tls: ServerTLS
    public var proxyURL: String?
    public var credentials: Credentials
    /// The namespace used when a call names none.
    public var namespace: String
    /// Client-side rate limit: requests per second and burst. `Float.infinity` disables it.
    public var qps: Float
    public var burst: Int
    /// Limit of one plain request (not of watches or followed logs).
    public var requestTimeout: Duration
    public var retry: RetryPolicy
    /// How many bytes of a watch or followed log may wait for a slow reader; past that
    /// the transfer pauses until the reader catches up.
    public var streamBufferBytes: Int
    /// Where this configuration came from (`kubeconfig /path, context x`), for messages.
    public var origin: String

    public init(server: String, tls: ServerTLS = ServerTLS(), proxyURL: String? = nil,
                credentials: Credentials = Credentials(), namespace: String = "default",
                qps: Float = 100, burst: Int = 200, requestTimeout: Duration = .seconds(60),
                retry: RetryPolicy = RetryPolicy(), streamBufferBytes: Int = 1 << 20, origin: String = "") {
        var s = server
        while s.hasSuffix("/") { s.removeLast() }
        self.server = s
        self.tls = tls
        self.proxyURL = proxyURL
        self.credentials = credentials
        self.namespace = namespace
        self.qps = qps
        self.burst = burst
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.streamBufferBytes = max(16 << 10, streamBufferBytes)
        self.origin = origin.isEmpty ? s : origin
    }
}

/// Who the client is. Several may be set, as in a kubeconfig user: an exec plugin
/// supplies a token and/or a certificate; a token file wins over a token; a bearer
/// token wins over basic auth.
public struct Credentials: Sendable, Hashable {
    public var token: String?
    /// Read again whenever the file changes (service-account tokens rotate).
    public var tokenFile: String?
    public var username: String?
    public var password: String?
    public var clientIdentity: ClientIdentity?
    public var exec: ExecConfig?

    public init(token: String? = nil, tokenFile: String? = nil, username: String? = nil, password: String? = nil,
                clientIdentity: ClientIdentity? = nil, exec: ExecConfig? = nil) {
        self.token = token
        self.tokenFile = tokenFile
        self.username = username
        self.password = password
        self.clientIdentity = clientIdentity
        self.exec = exec
    }
}

/// A kubeconfig `exec` credential plugin (client.authentication.k8s.io ExecCredential).
public struct ExecConfig: Sendable, Hashable {
    public struct EnvVar: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// `client.authentication.k8s.io/v1` or `/v1beta1`.
    public var apiVersion: String
    /// Absolute, or a bare name looked up on PATH (relative paths were resolved against
    /// the kubeconfig's directory when it was loaded).
    public var command: String
    public var args: [String]
    public var env: [EnvVar]
    public var installHint: String?
    public var provideClusterInfo: Bool
    /// `Never`, `IfAvailable` (the default: the plugin may prompt when standard input is a
    /// terminal) or `Always` (it must have a terminal).
    public var interactiveMode: String

    public static let interactiveModes = ["Never", "IfAvailable", "Always"]

    public init(apiVersion: String = "client.authentication.k8s.io/v1", command: String, args: [String] = [],
                env: [EnvVar] = [], installHint: String? = nil, provideClusterInfo: Bool = false,
                interactiveMode: String = "IfAvailable") {
        self.interactiveMode = interactiveMode
        self.apiVersion = apiVersion
        self.command = command
        self.args = args
        self.env = env
        self.installHint = installHint
        self.provideClusterInfo = provideClusterInfo
    }
}

/// Retries of failed requests: 429 and 5xx always, transport failures for idempotent
/// verbs (GET, PUT, DELETE). The wait doubles from `initialBackoff` up to `maxBackoff`;
/// a `Retry-After` from the server replaces it (up to `maxRetryAfter`).
public struct RetryPolicy: Sendable, Hashable {
    public var maxRetries: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    public var maxRetryAfter: Duration

    public init(maxRetries: Int = 5, initialBackoff: Duration = .milliseconds(100), maxBackoff: Duration = .seconds(10),
                maxRetryAfter: Duration = .seconds(60)) {
        self.maxRetries = maxRetries
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxRetryAfter = maxRetryAfter
    }

    public static let none = RetryPolicy(maxRetries: 0)

    /// The wait before retry number `attempt` (1-based), without a server hint.
    public func backoff(attempt: Int) -> Duration {
        var d = initialBackoff
        for _ in 1..<max(1, attempt) {
            d *= 2
            if d >= maxBackoff { return maxBackoff }
        }
        return min(d, maxBackoff)
    }
}
