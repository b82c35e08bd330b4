import Foundation
import KubeAPI
import KubeClient
import KubeSim
import SkeinJSON
import Testing

/// A KubeSim started for one test, and a client of it over HTTPS with its token.
struct TestCluster {
    let sim: KubeSim
    let client: KubeClient

    static func start(_ options: KubeSimOptions = KubeSimOptions(instant: true), qps: Float = .infinity, burst: Int = 100,
                      retry: RetryPolicy = RetryPolicy(initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(200)))
        async throws -> TestCluster {
        let sim = try await KubeSim.start(options)
        return TestCluster(sim: sim, client: try KubeClient(sim.configuration(qps: qps, burst: burst, retry: retry)))
    }

    /// Runs `body` with a fresh cluster and stops it afterwards, whatever happens.
    static func with(_ options: KubeSimOptions = KubeSimOptions(instant: true), qps: Float = .infinity, burst: Int = 100,
                     _ body: (TestCluster) async throws -> Void) async throws {
        let c = try await start(options, qps: qps, burst: burst)
        do {
            try await body(c)
        } catch {
            await c.sim.stop()
            throw error
        }
        await c.sim.stop()
    }
}

extension KubeSim {
    /// A configuration for this cluster: its CA, and its token unless other credentials are given.
    func configuration(credentials: Credentials? = nil, qps: Float = .infinity, burst: Int = 100,
                       retry: RetryPolicy = RetryPolicy(initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(200)))
        -> ClientConfiguration {
        ClientConfiguration(server: url, tls: ServerTLS(certificateAuthority: .data(Array(caPEM.utf8))),
                            credentials: credentials ?? Credentials(token: token), qps: qps, burst: burst, retry: retry)
    }
}

/// Polls `condition` until it holds; fails after `timeout`. For conditions with no
/// event to wait on (what the server has counted).
func eventually(timeout: Duration = .seconds(20), _ what: String = "condition",
                _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    // Once more after the deadline: on a busy machine the sleep itself may have outlasted it.
    if try await condition() { return }
    Issue.record("timed out waiting for \(what)")
    throw CancellationError()
}

/// Runs `body`, failing (and cancelling it) when it takes longer than `timeout`: tests
/// wait on events, and a missing event must fail the test rather than hang it.
func withTimeout<T: Sendable>(_ timeout: Duration = .seconds(30), _ what: String = "the events",
                              _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { g in
        g.addTask { try await body() }
        g.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { g.cancelAll() }
        guard let first = try await g.next(), let value = first else {
            Issue.record("timed out after \(timeout) waiting for \(what)")
            throw CancellationError()
        }
        return value
    }
}

func configMap(_ name: String, labels: [String: String] = [:], data: [String: String] = [:]) -> JSONValue {
    var meta: [String: JSONValue] = ["name": .string(name)]
    if !labels.isEmpty { meta["labels"] = .object(labels.mapValues { .string($0) }) }
    return ["apiVersion": "v1", "kind": "ConfigMap", "metadata": .object(meta), "data": .object(data.mapValues { .string($0) })]
}
