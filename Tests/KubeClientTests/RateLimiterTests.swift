import KubeClient
import Testing

/// Equal to a microsecond (the bucket counts in floating point).
private func close(_ a: Duration, _ b: Duration) -> Bool { abs((a - b) / .microseconds(1)) < 1 }

@Suite struct RateLimiterTests {
    @Test func burstThenOneTokenPerInterval() {
        let l = RateLimiter(qps: 10, burst: 3)
        let t0 = ContinuousClock.now + .seconds(1)
        // The bucket starts full: three at once, then each caller reserves the next slot.
        #expect(l.reserve(now: t0) == .zero)
        #expect(l.reserve(now: t0) == .zero)
        #expect(l.reserve(now: t0) == .zero)
        #expect(close(l.reserve(now: t0), .milliseconds(100)))
        #expect(close(l.reserve(now: t0), .milliseconds(200)))
        // 300 ms later the two reservations are paid for and one token is back.
        #expect(l.reserve(now: t0 + .milliseconds(300)) == .zero)
        #expect(close(l.reserve(now: t0 + .milliseconds(300)), .milliseconds(100)))
        // A long idle period refills only up to the burst.
        let later = t0 + .seconds(60)
        for _ in 0..<3 { #expect(l.reserve(now: later) == .zero) }
        #expect(l.reserve(now: later) > .zero)
    }

    @Test func infinityDisablesIt() {
        let l = RateLimiter(qps: .infinity, burst: 1)
        #expect(l.isUnlimited)
        for _ in 0..<1000 { #expect(l.reserve() == .zero) }
    }

    @Test func waitSuspendsUntilTheReservedSlot() async throws {
        let l = RateLimiter(qps: 20, burst: 2)
        let start = ContinuousClock.now
        for _ in 0..<4 { try await l.wait() }
        // Two from the burst, then 2 more at 20/s: at least 100 ms (never less: sleeps do not end early).
        #expect(ContinuousClock.now - start >= .milliseconds(95))
    }
}
