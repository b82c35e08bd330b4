@testable import KubeClient
import Testing

@Suite struct TransportUnitTests {
    @Test func tlsServerNameRewritesTheURLAndConnectsToTheRealHost() throws {
        let c = try #require(CurlLoop.connectTo(url: "https://10.0.0.5:6443/api/v1/pods?watch=true", serverName: "api.internal"))
        #expect(c.url == "https://api.internal:6443/api/v1/pods?watch=true")
        #expect(c.rule == "api.internal:6443:10.0.0.5:6443")
        let v6 = try #require(CurlLoop.connectTo(url: "https://[fd00::1]/version", serverName: "k"))
        #expect(v6.rule == "k:443:[fd00::1]:443")
    }

    @Test func backoffDoublesUpToTheCap() {
        let p = RetryPolicy(maxRetries: 9, initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(700))
        #expect((1...5).map { p.backoff(attempt: $0) }
            == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(700), .milliseconds(700)])
    }

    @Test func retryAfterHeaderIsRead() {
        #expect(HTTPResponse(status: 429, headers: ["retry-after": " 3"], body: []).retryAfter == .seconds(3))
        #expect(HTTPResponse(status: 429, headers: ["retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"], body: []).retryAfter == nil)
    }
}
