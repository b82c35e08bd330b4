import Synchronization

/// A token bucket: `burst` requests at once, then `qps` per second. Each caller takes a
/// token and, when the bucket is empty, reserves the next one to come and sleeps until
/// then (a suspended task, never a blocked thread). `qps` of `.infinity` disables it.
public final class RateLimiter: Sendable {
    public let qps: Float
    public let burst: Int
    private struct Bucket {
        var tokens: Double
        var last: ContinuousClock.Instant
    }
    private let bucket: Mutex<Bucket>

    public init(qps: Float, burst: Int) {
        self.qps = qps
        self.burst = max(1, burst)
        bucket = Mutex(Bucket(tokens: Double(max(1, burst)), last: .now))
    }

    public var isUnlimited: Bool { !qps.isFinite || qps <= 0 }

    /// Takes a token at `now` and says how long to wait before using it (zero when one
    /// was in the bucket). Tokens may go negative: each waiting caller holds its own slot.
    public func reserve(now: ContinuousClock.Instant = .now) -> Duration {
        if isUnlimited { return .zero }
        let rate = Double(qps)
        return bucket.withLock { b in
            let elapsed = b.last.duration(to: now)
            if elapsed > .zero {
                b.tokens = min(Double(burst), b.tokens + elapsed.seconds * rate)
                b.last = now
            }
            b.tokens -= 1
            if b.tokens >= 0 { return .zero }
            return .nanoseconds(Int64((-b.tokens / rate) * 1e9))
        }
    }

    /// Waits for a token. Throws `CancellationError` when the task is cancelled meanwhile.
    public func wait() async throws {
        let d = reserve()
        if d > .zero { try await Task.sleep(for: d) }
    }
}

extension Duration {
    var seconds: Double {
        let (s, a) = components
        return Double(s) + Double(a) / 1e18
    }
}
