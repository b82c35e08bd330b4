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
