import SkeinJSON

/// One container's state as the kubelet reports it.
struct ContainerState: Sendable {
    enum State: Sendable {
        case waiting(reason: String, message: String?)
        case running(startedAt: String)
        case terminated(Terminated)
    }

    struct Terminated: Sendable {
        var exitCode: Int
        var signal: Int?
        var reason: String
        var message: String?
        var startedAt: String
        var finishedAt: String
    }

    var name: String
    var image: String
    var state: State
    var last: Terminated?
    var restartCount = 0
    var run = 0

    var isRunning: Bool { if case .running = state { true } else { false } }
    var terminated: Terminated? { if case .terminated(let t) = state { t } else { nil } }

    func json(podUID: String) -> JSONValue {
        func term(_ t: Terminated) -> JSONValue {
            var o: [String: JSONValue] = ["exitCode": .int(t.exitCode), "reason": .string(t.reason),
                                          "startedAt": .string(t.startedAt), "finishedAt": .string(t.finishedAt),
                                          "containerID": .string("skein-sim://\(podUID)/\(name)/\(run)")]
            if let m = t.message, !m.isEmpty { o["message"] = .string(m) }
            if let s = t.signal { o["signal"] = .int(s) }
            return ["terminated": .object(o)]
        }
        let stateJSON: JSONValue
        switch state {
        case .waiting(let reason, let message):
            var w: [String: JSONValue] = ["reason": .string(reason)]
            if let message { w["message"] = .string(message) }
            stateJSON = ["waiting": .object(w)]
        case .running(let startedAt): stateJSON = ["running": ["startedAt": .string(startedAt)]]
        case .terminated(let t): stateJSON = term(t)
        }
        var o: [String: JSONValue] = [
            "name": .string(name), "image": .string(image), "imageID": .string("skein-sim://\(image)"),
            "ready": .bool(isRunning), "started": .bool(isRunning), "restartCount": .int(restartCount), "state": stateJSON,
            "lastState": last.map(term) ?? [:],
        ]
        if case .waiting = state {} else { o["containerID"] = .string("skein-sim://\(podUID)/\(name)/\(run)") }
        return .object(o)
    }
}

enum PodStatus {
    static func condition(_ type: String, _ ok: Bool, _ now: String, reason: String? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["type": .string(type), "status": .string(ok ? "True" : "False"), "lastProbeTime": .null,
                                      "lastTransitionTime": .string(now)]
        if let reason { o["reason"] = .string(reason) }
        return .object(o)
    }

    static func conditions(scheduled: Bool, initialized: Bool, ready: Bool, now: String, completed: Bool) -> JSONValue {
        let notReady = completed ? "PodCompleted" : "ContainersNotReady"
        return [
            condition("PodReadyToStartContainers", scheduled, now),
            condition("Initialized", initialized, now, reason: initialized ? (completed ? "PodCompleted" : nil) : "ContainersNotInitialized"),
            condition("Ready", ready, now, reason: ready ? nil : notReady),
            condition("ContainersReady", ready, now, reason: ready ? nil : notReady),
            condition("PodScheduled", scheduled, now),
        ]
    }
}
