import Foundation
import KubeAPI
import KubeClient
import KubeSim
import SkeinJSON
import Synchronization
import Testing

@Suite struct AuthTests {
    @Test func tokenFromAWrittenKubeconfig() async throws {
        try await TestCluster.with { c in
            let dir = try TempDir()
            let path = dir.path + "/config"
            try c.sim.writeKubeconfig(path: path, auth: .token)
            let k = try KubeClient(kubeconfig: path)
            #expect(k.namespace == "default")
            #expect(try await k.get(.namespaces, "default").name == "default")
        }
    }

    @Test func clientCertificateFromAWrittenKubeconfig() async throws {
        try await TestCluster.with { c in
            let dir = try TempDir()
            let path = dir.path + "/config"
            try c.sim.writeKubeconfig(path: path, auth: .clientCertificate)
            let config = try ConfigLoader.load(kubeconfig: path)
            #expect(config.credentials.token == nil)
            #expect(config.credentials.clientIdentity != nil)
            let k = try KubeClient(config)
            #expect(try await k.get(.namespaces, "default").name == "default")

            // The same identity from files (client-certificate / client-key paths).
            let crt = try dir.write("c.crt", c.sim.clientCertificatePEM)
            let key = try dir.write("c.key", c.sim.clientKeyPEM)
            let fromFiles = try KubeClient(c.sim.configuration(credentials: Credentials(
                clientIdentity: ClientIdentity(certificate: .file(crt), key: .file(key)))))
            #expect(try await fromFiles.list(.namespaces).items.contains { $0.name == "default" })
        }
    }

    @Test func aWrongTokenIsAClearUnauthorized() async throws {
        try await TestCluster.with { c in
            let answers = Mutex<[Int]>([])
            let k = try KubeClient(c.sim.configuration(credentials: Credentials(token: "wrong")),
                                   observer: { _, code in answers.withLock { $0.append(code) } })
            let error = await #expect(throws: KubeError.self) { try await k.get(.namespaces, "default") }
            guard case .unauthorized(let s)? = error else {
                Issue.record("expected Unauthorized, got \(String(describing: error))")
                return
            }
            #expect(s.code == 401)
            #expect(error?.description.isEmpty == false)
            // A static token cannot be refreshed: one request, no retries.
            #expect(answers.withLock { $0 } == [401])
        }
    }

    @Test func noCredentialsAtAll() async throws {
        try await TestCluster.with { c in
            let k = try KubeClient(c.sim.configuration(credentials: Credentials()))
            let error = await #expect(throws: KubeError.self) { try await k.get(.namespaces, "default") }
            guard case .unauthorized? = error else {
                Issue.record("expected Unauthorized, got \(String(describing: error))")
                return
            }
        }
    }

    @Test func untrustedServerCertificate() async throws {
        try await TestCluster.with { c in
            // No CA given: the system bundle does not trust the simulator's CA.
            let k = try KubeClient(ClientConfiguration(server: c.sim.url, credentials: Credentials(token: c.sim.token),
                                                       retry: .none))
            let error = await #expect(throws: KubeError.self) { try await k.get(.namespaces, "default") }
            #expect(error?.description.contains("not trusted") == true)
            // insecure-skip-tls-verify accepts it.
            let insecure = try KubeClient(ClientConfiguration(server: c.sim.url, tls: ServerTLS(insecureSkipVerify: true),
                                                              credentials: Credentials(token: c.sim.token)))
            #expect(try await insecure.get(.namespaces, "default").name == "default")
            // tls-server-name: the certificate is checked against that name instead of the URL's host.
            let named = try KubeClient(ClientConfiguration(
                server: c.sim.url.replacingOccurrences(of: "127.0.0.1", with: "localhost"),
                tls: ServerTLS(certificateAuthority: .data(Array(c.sim.caPEM.utf8)), serverName: "127.0.0.1"),
                credentials: Credentials(token: c.sim.token)))
            #expect(try await named.get(.namespaces, "default").name == "default")
        }
    }

    @Test func execPluginTokenIsCachedAndRefreshedOn401() async throws {
        try await TestCluster.with { c in
            // The plugin answers a wrong token on its first run, the right one afterwards.
            let plugin = try ExecPlugin(status: #"{"token":"unused"}"#)
            let dir = plugin.dir
            let script = try dir.write("plugin2.sh", """
                #!/bin/sh
                n=$(cat "\(dir.path)/runs" 2>/dev/null || echo 0)
                n=$((n + 1))
                echo $n > "\(dir.path)/runs"
                if [ $n -eq 1 ]; then t=stale; else t=\(c.sim.token); fi
                printf '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"%s"}}' $t
                """, mode: 0o755)
            let k = try KubeClient(c.sim.configuration(credentials: Credentials(exec: ExecConfig(command: script))))
            #expect(try await k.get(.namespaces, "default").name == "default")
            #expect(plugin.runs == 2)  // the first token got a 401, the plugin ran again once
            for _ in 0..<20 { _ = try await k.get(.namespaces, "default") }
            #expect(plugin.runs == 2)  // cached since
        }
    }

    @Test func execPluginThatNeverHelps() async throws {
        try await TestCluster.with { c in
            let plugin = try ExecPlugin(status: #"{"token":"never-valid"}"#)
            let k = try KubeClient(c.sim.configuration(credentials: Credentials(exec: plugin.config())))
            await #expect(throws: KubeError.self) { try await k.get(.namespaces, "default") }
            #expect(plugin.runs == 2)  // one refresh, not a loop
        }
    }

    @Test func rotatedTokenFile() async throws {
        try await TestCluster.with { c in
            let dir = try TempDir()
            let path = try dir.write("token", "old-token")
            let k = try KubeClient(c.sim.configuration(credentials: Credentials(tokenFile: path)))
            await #expect(throws: KubeError.self) { try await k.get(.namespaces, "default") }
            try dir.write("token", c.sim.token + "\n")
            #expect(try await k.get(.namespaces, "default").name == "default")
        }
    }
}

@Suite struct RetryAndRateLimitTests {
    @Test func retriesHonourRetryAfter() async throws {
        try await TestCluster.with { c in
            let k = c.client
            _ = try await k.create(.configMaps, configMap("r"))
            c.sim.faults.failNext(2, RequestMatch(verb: "get", resource: "configmaps"), code: 503, retryAfterSeconds: 1)
            let before = c.sim.faults.requestCount
            let start = ContinuousClock.now
            #expect(try await k.get(.configMaps, "r").name == "r")
            #expect(c.sim.faults.requestCount - before == 3)
            #expect(ContinuousClock.now - start >= .seconds(2))  // waited the 2 × 1 s it was told

            c.sim.faults.failNext(1, RequestMatch(verb: "create", resource: "configmaps"), code: 429, retryAfterSeconds: 1)
            #expect(try await k.create(.configMaps, configMap("r2")).name == "r2")
        }
    }

    @Test func retriesAreBounded() async throws {
        try await TestCluster.with { c in
            let k = try KubeClient(c.sim.configuration(retry: RetryPolicy(maxRetries: 2, initialBackoff: .milliseconds(5))))
            c.sim.faults.failNext(10, RequestMatch(verb: "get"), code: 500)
            let before = c.sim.faults.requestCount
            let error = await #expect(throws: KubeError.self) { try await k.get(.namespaces, "default") }
            guard case .server(let s)? = error else {
                Issue.record("expected a server error, got \(String(describing: error))")
                return
            }
            #expect(s.code == 500)
            #expect(c.sim.faults.requestCount - before == 3)
            c.sim.faults.clear()
        }
    }

    @Test func aFailedCreateWithoutRetryAfterIsNotRepeated() async throws {
        try await TestCluster.with { c in
            let k = c.client
            c.sim.faults.failNext(1, RequestMatch(verb: "create"), code: 500)
            let before = c.sim.faults.requestCount
            await #expect(throws: KubeError.self) { try await k.create(.configMaps, configMap("once")) }
            #expect(c.sim.faults.requestCount - before == 1)
            // And a 404 is never retried.
            let b2 = c.sim.faults.requestCount
            await #expect(throws: KubeError.self) { try await k.get(.configMaps, "absent") }
            #expect(c.sim.faults.requestCount - b2 == 1)
        }
    }

    @Test func rateLimiterLetsTheBurstThroughThenSpacesRequests() async throws {
        try await TestCluster.with(qps: 4, burst: 3) { c in
            let k = c.client
            let start = ContinuousClock.now
            // Three requests fit in the burst; the fourth and fifth wait 1/4 s each for a token.
            try await withThrowingTaskGroup(of: Void.self) { g in
                for _ in 0..<5 { g.addTask { _ = try await k.get(.namespaces, "default") } }
                try await g.waitForAll()
            }
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(490))  // sleeps never end early: a firm lower bound
            // Right after the burst is spent, the limiter makes the next caller wait.
            let burst = RateLimiter(qps: 4, burst: 3)
            for _ in 0..<3 { #expect(burst.reserve() == .zero) }
            #expect(burst.reserve() > .milliseconds(200))
        }
    }

    @Test func transportFailuresOfIdempotentRequestsAreRetried() async throws {
        let sim = try await KubeSim.start(KubeSimOptions(instant: true))
        let config = sim.configuration(retry: RetryPolicy(maxRetries: 2, initialBackoff: .milliseconds(5)))
        await sim.stop()
        // Nothing listens any more: a GET fails after its retries with a transport error naming the server.
        let k = try KubeClient(config)
        let error = await #expect(throws: KubeError.self) { try await k.get(.namespaces, "default") }
        guard case .transport(let server, let message)? = error else {
            Issue.record("expected a transport error, got \(String(describing: error))")
            return
        }
        #expect(server == config.server)
        #expect(message.contains("refused"))
    }
}
