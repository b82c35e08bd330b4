import Controller
import KubeAPI
import SkeinJSON
import Testing
import WorkflowEngine
import WorkflowModel

@Suite struct PodObservationTests {
    func pod(phase: String, main: JSONValue? = nil, initStatuses: [JSONValue] = [], reason: String? = nil,
             message: String? = nil, deleting: Bool = false) -> JSONValue {
        var status: [String: JSONValue] = ["phase": .string(phase), "startTime": "2026-11-25T10:00:00Z"]
        if let main { status["containerStatuses"] = [main] }
        if !initStatuses.isEmpty { status["initContainerStatuses"] = .array(initStatuses) }
        if let reason { status["reason"] = .string(reason) }
        if let message { status["message"] = .string(message) }
        var meta: [String: JSONValue] = ["name": "p"]
        if deleting { meta["deletionTimestamp"] = "2026-11-25T10:00:09Z" }
        return ["metadata": .object(meta), "status": .object(status)]
    }

    func terminated(_ code: Int, reason: String? = nil, message: String? = nil, name: String = "main") -> JSONValue {
        var t: [String: JSONValue] = ["exitCode": .int(code), "finishedAt": "2026-11-25T10:00:05Z"]
        if let reason { t["reason"] = .string(reason) }
        if let message { t["message"] = .string(message) }
        return ["name": .string(name), "state": ["terminated": .object(t)]]
    }

    func waiting(_ reason: String, message: String? = nil) -> JSONValue {
        var w: [String: JSONValue] = ["reason": .string(reason)]
        if let message { w["message"] = .string(message) }
        return ["name": "main", "state": ["waiting": .object(w)]]
    }

    func parts(_ o: Observation) -> (NodePhase, Int?, String?, Timestamp?, Timestamp?) {
        guard case .step(let phase, let code, _, let message, let started, let finished) = o.kind else {
            Issue.record("not a step observation: \(o)")
            return (.error, nil, nil, nil, nil)
        }
        return (phase, code, message, started, finished)
    }

    @Test func exitCodeOfMainDecides() {
        let ok = parts(PodObservation.observe(nodeID: "n", pod: pod(phase: "Succeeded", main: terminated(0))))
        #expect(ok.0 == .succeeded)
        #expect(ok.1 == 0)
        #expect(ok.3 == Timestamp(rfc3339: "2026-11-25T10:00:00Z"))
        #expect(ok.4 == Timestamp(rfc3339: "2026-11-25T10:00:05Z"))

        let failed = parts(PodObservation.observe(nodeID: "n", pod: pod(phase: "Failed", main: terminated(3, reason: "Error"))))
        #expect(failed.0 == .failed)
        #expect(failed.1 == 3)
        #expect(failed.2 == "Error (exit code 3)")

        // Main done while a sidecar keeps the pod Running: the step is finished.
        let sidecar = parts(PodObservation.observe(nodeID: "n", pod: pod(phase: "Running", main: terminated(0))))
        #expect(sidecar.0 == .succeeded)

        let termMessage = parts(PodObservation.observe(nodeID: "n", pod: pod(phase: "Failed", main: terminated(1, message: "disk full"))))
        #expect(termMessage.2 == "disk full")
    }

    @Test func oomIsFailedWithReason() {
        let o = parts(PodObservation.observe(nodeID: "n", pod: pod(phase: "Failed", main: terminated(137, reason: "OOMKilled"))))
        #expect(o.0 == .failed)
        #expect(o.2 == "OOMKilled (exit code 137)")
    }

    @Test func podLevelFailuresAreErrorsExceptDeadline() {
        let evicted = parts(PodObservation.observe(nodeID: "n", pod: pod(phase: "Failed", reason: "Evicted",
                                                                     message: "The node was low on resource: memory.")))
        #expect(evicted.0 == .error)
        #expect(evicted.2 == "Evicted: The node was low on resource: memory.")
        let deadline = parts(PodObservation.observe(nodeID: "n", pod: pod(phase: "Failed", reason: "DeadlineExceeded",
                                                                      message: "Pod was active on the node longer than the specified deadline")))
        #expect(deadline.0 == .failed)
        #expect(deadline.2?.hasPrefix("DeadlineExceeded") == true)
        let initFailed = parts(PodObservation.observe(nodeID: "n", pod: pod(phase: "Failed", initStatuses: [
            terminated(2, reason: "Error", message: "cannot fetch artifact x", name: "init"),
        ])))
        #expect(initFailed.0 == .error)
        #expect(initFailed.2 == "init container init failed (exit code 2): cannot fetch artifact x")
    }

    @Test func pendingReasons() {
        let creating = parts(PodObservation.observe(nodeID: "n", pod: pod(phase: "Pending", main: waiting("ContainerCreating"))))
        #expect(creating.0 == .pending)
        #expect(creating.2 == nil)
        let backoff = parts(PodObservation.observe(nodeID: "n", pod: pod(phase: "Pending", main: waiting("ImagePullBackOff",
                                                                                                     message: "Back-off pulling image \"nope\""))))
        #expect(backoff.0 == .pending)
        #expect(backoff.2 == "ImagePullBackOff: Back-off pulling image \"nope\"")
        let invalid = parts(PodObservation.observe(nodeID: "n", pod: pod(phase: "Pending", main: waiting("InvalidImageName"))))
        #expect(invalid.0 == .error)
        #expect(invalid.2 == "InvalidImageName")
        let running = parts(PodObservation.observe(nodeID: "n", pod: pod(phase: "Running",
                                                                      main: ["name": "main", "state": ["running": [:]]])))
        #expect(running.0 == .running)
        #expect(running.4 == nil)
    }

    @Test func deletedOrDeletingPods() {
        let gone = parts(PodObservation.observe(nodeID: "n", pod: nil))
        #expect(gone.0 == .error)
        #expect(gone.2 == "pod deleted")
        let deleting = parts(PodObservation.observe(nodeID: "n", pod: pod(phase: "Running", deleting: true)))
        #expect(deleting.0 == .running)
        // Killed by the deletion (SIGTERM's 143, SIGKILL's 137): an Error, as Argo reports it.
        for code in [137, 143] {
            let killed = parts(PodObservation.observe(nodeID: "n", pod: pod(phase: "Failed", main: terminated(code), deleting: true)))
            #expect(killed.0 == .error)
            #expect(killed.2 == "pod deleted")
        }
        // A step that had ended on its own before the deletion keeps its result.
        let done = parts(PodObservation.observe(nodeID: "n", pod: pod(phase: "Failed", main: terminated(3), deleting: true)))
        #expect(done.0 == .failed)
        #expect(done.1 == 3)
    }

    /// A pod with the executor: its step is done only with its task result. Without one, it is
    /// Running for a grace period after the wait container ended (the result may be on its
    /// way through the other watch), then an Error naming the loss and the wait's reason.
    @Test(arguments: [(2.0, NodePhase.running), (29.0, .running), (31.0, .error)])
    func aFinishedPodWaitsForItsTaskResultThenItsOutputsAreLost(_ after: Double, _ expected: NodePhase) {
        var p = pod(phase: "Succeeded", main: terminated(0))
        p.set(path: ["spec"], to: ["containers": [["name": "main"], ["name": "wait"]]])
        p.set(path: ["status", "containerStatuses"], to: [terminated(0),
                                                        terminated(1, message: "wait: could not report the step's outputs", name: "wait")])
        let ended = Timestamp(rfc3339: "2026-11-25T10:00:05Z")!
        let o = parts(StepObservation.observe(nodeID: "n", pod: p, taskResult: nil, now: ended.adding(after)))
        #expect(o.0 == expected)
        if expected == .error {
            #expect(o.2 == "the step's outputs are lost: the wait container ended without reporting them: wait: could not report the step's outputs")
        }
        #expect(StepObservation.awaitsResult(pod: p, taskResult: nil))
        let result: JSONValue = ["outputs": ["parameters": [["name": "x", "value": "1"]]]]
        #expect(!StepObservation.awaitsResult(pod: p, taskResult: result))
        #expect(parts(StepObservation.observe(nodeID: "n", pod: p, taskResult: result, now: ended.adding(after))).0 == .succeeded)
    }
}
