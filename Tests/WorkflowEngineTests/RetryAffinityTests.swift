import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

/// `retryStrategy.affinity.nodeAntiAffinity`: each retry avoids the hosts earlier attempts ran on.
@Suite struct RetryAffinityTests {
    @Test func retriesAvoidTheHostsOfEarlierAttempts() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          retryStrategy: {limit: 2, affinity: {nodeAntiAffinity: {}}}
          container: {image: alpine, command: [sh, -c, "exit 1"]}
        """))
        var attempt = 0
        _ = h.run { l in
            attempt += 1
            return .fail(exitCode: 1)
        }
        #expect(attempt == 3)
        // The harness reports no placement; feed one per attempt and look at the next launch.
        let avoid = h.launches.map(\.launch.avoidNodes)
        #expect(avoid == [[], [], []], "without placements nothing is avoided: \(avoid)")

        let placed = try EngineHarness(yaml: workflow("""
        - name: main
          retryStrategy: {limit: 2, affinity: {nodeAntiAffinity: {}}}
          container: {image: alpine, command: [sh, -c, "exit 1"]}
        """))
        var launches: [StepLaunch] = []
        var pending: [Observation] = []
        let t0 = Timestamp(seconds: 1_800_000_000)
        for round in 0..<10 {
            for a in placed.execution.reconcile(observations: pending, now: t0.adding(Double(round))) {
                if case .startStep(let l) = a { launches.append(l) }
            }
            pending = []
            guard let last = launches.last, placed.execution.node(id: last.nodeID)?.phase.isFulfilled == false else {
                if placed.execution.phase.isCompleted { break }
                continue
            }
            pending = [.placed(last.nodeID, hostNodeName: "node-\(launches.count)", podIP: "10.0.0.\(launches.count)"),
                       .step(last.nodeID, phase: .failed, exitCode: 1, message: "Error (exit code 1)", finishedAt: t0.adding(Double(round)))]
        }
        #expect(launches.map(\.avoidNodes) == [[], ["node-1"], ["node-1", "node-2"]], "\(launches.map(\.avoidNodes))")
        #expect(placed.execution.node(id: launches[0].nodeID)?.hostNodeName == "node-1")
        #expect(placed.execution.node(id: launches[0].nodeID)?.podIP == "10.0.0.1")
    }
}
