import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

/// `retryPolicy: OnTransientError` retries only failures whose message is one of Argo's
/// transient errors, or matches TRANSIENT_ERROR_PATTERN.
@Suite struct TransientErrorTests {
    static let yaml = workflow("""
    - name: main
      retryStrategy: {limit: 2, retryPolicy: OnTransientError}
      container: {image: alpine, command: [sh, -c, "exit 1"]}
    """)

    @Test(arguments: [
        ("pods \"x\" is forbidden: exceeded quota: compute", NodePhase.error, nil, 3),
        ("Get \"https://10.0.0.1/api\": dial tcp: connect: connection refused", .error, nil, 3),
        ("read tcp 10.1.1.1:443: read: connection reset by peer", .failed, nil, 3),
        ("the server is currently unable to handle the request", .error, nil, 3),
        ("Error (exit code 1)", .failed, nil, 1),
        ("OOMKilled (exit code 137)", .failed, nil, 1),
        ("pod deleted", .error, nil, 1),
        ("the registry said: try again later", .error, "try again", 3),
        ("the registry said: try again later", .error, "^nothing$", 1),
    ] as [(String, NodePhase, String?, Int)])
    func onlyTransientFailuresAreRetried(_ message: String, _ phase: NodePhase, _ pattern: String?, _ attempts: Int) throws {
        let h = try EngineHarness(yaml: Self.yaml)
        h.execution.transientErrorPattern = pattern
        _ = h.run { _ in StepOutcome(phase: phase, exitCode: phase == .failed ? 1 : nil, message: message) }
        #expect(h.launches.count == attempts, "\(message): \(h.started)")
    }
}
