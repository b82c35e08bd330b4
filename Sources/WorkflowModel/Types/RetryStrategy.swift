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

// Read by hand (see ValueDecodable): each field in declaration order, as the synthesized
// Decodable reads them, so the first wrong field is the one reported.

extension RetryStrategy: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.limit = try f.optional("limit")
        self.retryPolicy = try f.optional("retryPolicy")
        self.backoff = try f.optional("backoff")
        self.expression = try f.optional("expression")
        self.affinity = try f.optional("affinity")
    }
}

extension RetryStrategy.Backoff: ValueDecodable {
    init(value: JSONValue) throws(ModelDecodingError) {
        let f = try ValueFields(value)
        self.duration = try f.optional("duration")
        self.factor = try f.optional("factor")
        self.maxDuration = try f.optional("maxDuration")
        self.cap = try f.optional("cap")
    }
}
