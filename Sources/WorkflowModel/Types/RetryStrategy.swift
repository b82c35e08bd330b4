public struct RetryStrategy: Codable, Sendable, Hashable {
    public var limit: IntOrString?
    public var retryPolicy: String?
    public var backoff: Backoff?
    public var expression: String?
    public var affinity: JSONValue?

    public init(limit: IntOrString? = nil, retryPolicy: String? = nil, backoff: Backoff? = nil, expression: String? = nil) {
        self.limit = limit
        self.retryPolicy = retryPolicy
        self.backoff = backoff
        self.expression = expression
    }

    public struct Backoff: Codable, Sendable, Hashable {
        public var duration: IntOrString?
        public var factor: IntOrString?
        public var maxDuration: IntOrString?
        public var cap: IntOrString?
        public init(duration: IntOrString? = nil, factor: IntOrString? = nil, maxDuration: IntOrString? = nil) {
            self.duration = duration
            self.factor = factor
            self.maxDuration = maxDuration
        }
    }
}

// Read by hand (see ValueDecodable). The rules are listed in declaration order, which is
// the order Codable reads them in, so that the first wrong field is the one reported.

extension RetryStrategy: ValueDecodable {
    static let fields = FieldTable<RetryStrategy>([
        .optional("limit", \.limit),
        .optional("retryPolicy", \.retryPolicy),
        .optional("backoff", \.backoff),
        .optional("expression", \.expression),
        .optional("affinity", \.affinity),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        try Self.fields.read(value, into: &self)
    }
}

extension RetryStrategy.Backoff: ValueDecodable {
    static let fields = FieldTable<RetryStrategy.Backoff>([
        .optional("duration", \.duration),
        .optional("factor", \.factor),
        .optional("maxDuration", \.maxDuration),
        .optional("cap", \.cap),
    ])

    init(value: JSONValue) throws(ModelDecodingError) {
        try Self.fields.read(value, into: &self)
    }
}
