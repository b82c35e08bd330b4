import Foundation
import KubeAPI
import Sandbox
import SkeinJSON

/// One pod on the simulated node, from scheduling to its last container's exit:
/// init containers one after another, then the others together, restarted as
/// `restartPolicy` says, stopped by `activeDeadlineSeconds` or by deletion.
actor PodRun {
    let kubelet: Kubelet
    let pod: JSONValue
    let uid: String
    let podDirectory: String
    var inits: [ContainerState]
    var mains: [ContainerState]
    var processes: [String: SandboxProcess] = [:]
    var initialized = false
    var terminating = false
    var deadlineExceeded = false
    var startTime = Clock.rfc3339()
    var finalPhase: String?
    var podReason: String?
    var podMessage: String?

    init(kubelet: Kubelet, pod: JSONValue) {
        self.kubelet = kubelet
        self.pod = pod
        self.uid = pod.uid ?? ""
        self.podDirectory = "\(kubelet.workDirectory)/pods/\(pod.namespace ?? "default")_\(pod.name ?? "")_\(uid.prefix(8))"
        func states(_ field: String, _ reason: String) -> [ContainerState] {
            (pod["spec"]?[field]?.arrayValue ?? []).map {
                ContainerState(name: $0["name"]?.stringValue ?? "", image: $0["image"]?.stringValue ?? "",
                               state: .waiting(reason: reason, message: nil))
            }
        }
        let hasInits = !(pod["spec"]?["initContainers"]?.arrayValue ?? []).isEmpty
        inits = states("initContainers", "PodInitializing")
        mains = states("containers", hasInits ? "PodInitializing" : "ContainerCreating")
    }

    var restartPolicy: String { pod["spec"]?["restartPolicy"]?.stringValue ?? "Always" }
    var isolate: Bool { kubelet.options.isolate && Sandbox.namespacesAvailable }

    func run() async {
        defer { kubelet.runEnded(uid) }
        guard schedule() else { return }
        // A deadline years away never comes within a simulated run (and would overflow the clock).
        if case .int(let secs)? = pod["spec"]?["activeDeadlineSeconds"], secs < 10 * 365 * 86400 {
            Task { [weak self] in
                try? await Task.sleep(for: .seconds(Double(secs)))
                await self?.deadline()
            }
        }
        let setup = ContainerSetup(kubelet: kubelet, pod: pod, podDirectory: podDirectory)
        var volumes: [String: String] = [:]
        while true {
            do throws(ContainerSetup.Failure) {
                volumes = try setup.prepareVolumes()
                break
            } catch {
                // Like the kubelet: the pod stays Pending and the setup is retried.
                for i in mains.indices { mains[i].state = .waiting(reason: error.reason, message: error.message) }
                writeStatus()
                try? await Task.sleep(for: .milliseconds(500))
                if terminating || deadlineExceeded { break }
            }
        }
        let initSpecs = pod["spec"]?["initContainers"]?.arrayValue ?? []
        var initFailed = false
        for (i, c) in initSpecs.enumerated() where !stopping {
            while !stopping {
                let code = await runContainer(c, volumes: volumes, setup: setup, slot: (true, i))
                if code == 0 { break }
                if restartPolicy == "Never" {
                    initFailed = true
                    break
                }
                inits[i].restartCount += 1
                try? await Task.sleep(for: .milliseconds(300))
            }
            if initFailed { break }
        }
        if !initFailed && !stopping {
            initialized = true
            writeStatus()
            let mainSpecs = pod["spec"]?["containers"]?.arrayValue ?? []
            let mounted = volumes
            await withTaskGroup(of: Void.self) { group in
                for (i, c) in mainSpecs.enumerated() {
                    group.addTask { await self.runMain(i, c, volumes: mounted, setup: setup) }
                }
            }
        }
        if initFailed {
            for i in mains.indices { mains[i].state = .terminated(.init(exitCode: 0, reason: "ContainerStatusUnknown",
                                                                         message: "The container could not be located when the pod was terminated",
                                                                         startedAt: startTime, finishedAt: Clock.rfc3339())) }
            for i in mains.indices { mains[i].state = .waiting(reason: "PodInitializing", message: nil) }
        }
        let failed = initFailed || deadlineExceeded || mains.contains { ($0.terminated?.exitCode ?? 1) != 0 }
        finalPhase = failed ? "Failed" : "Succeeded"
        if deadlineExceeded {
            podReason = "DeadlineExceeded"
            podMessage = "Pod was active on the node longer than the specified deadline"
        }
        writeStatus()
        if terminating { kubelet.finishDeletion(pod) }
    }

    var stopping: Bool { terminating || deadlineExceeded }

    func runMain(_ i: Int, _ c: JSONValue, volumes: [String: String], setup: ContainerSetup) async {
        var backoff = 0.2
        while true {
            let code = await runContainer(c, volumes: volumes, setup: setup, slot: (false, i))
            if stopping { return }
            let again = restartPolicy == "Always" || (restartPolicy == "OnFailure" && code != 0)
            if !again { return }
            mains[i].last = mains[i].terminated
            mains[i].restartCount += 1
            mains[i].state = .waiting(reason: "CrashLoopBackOff", message: "back-off restarting failed container \(mains[i].name)")
            writeStatus()
            try? await Task.sleep(for: .seconds(backoff))
            backoff = min(backoff * 2, 5)
            if stopping { return }
        }
    }

    /// Runs one container to its end; returns its exit code.
    func runContainer(_ c: JSONValue, volumes: [String: String], setup: ContainerSetup, slot: (isInit: Bool, index: Int)) async -> Int {
        let name = c["name"]?.stringValue ?? ""
        func set(_ s: ContainerState) {
            if slot.isInit { inits[slot.index] = s } else { mains[slot.index] = s }
        }
        var state = slot.isInit ? inits[slot.index] : mains[slot.index]
        state.run += 1
        let started = Clock.rfc3339()
        let key = LogStore.key(uid, name)
        let process: SandboxProcess
        do throws(ContainerSetup.Failure) {
            let env = try setup.environment(c)
            let argv = try setup.commandLine(c, env: env)
            let spec = try setup.spec(c, volumes: volumes, env: env, argv: argv, isolate: isolate)
            kubelet.api.logs.begin(key)
            do {
                process = try Sandbox.spawn(spec)
            } catch {
                throw ContainerSetup.Failure(reason: "StartError", message: error.description)
            }
        } catch {
            kubelet.api.logs.begin(key)
            kubelet.api.logs.append(key, error.message)
            kubelet.api.logs.finish(key)
            state.state = .terminated(.init(exitCode: 128, reason: error.reason, message: error.message, startedAt: started,
                                            finishedAt: Clock.rfc3339()))
            set(state)
            writeStatus()
            return 128
        }
        processes[name] = process
        let memory = c["resources"]?["limits"]?["memory"]?.scalarText.flatMap(MemoryLimit.bytes).map { limit in
            MemoryLimit.Watch(group: process.pid, limit: limit) { process.signal(SIGKILL) }
        }
        state.state = .running(startedAt: started)
        set(state)
        writeStatus()
        let logs = kubelet.api.logs
        let out = Task.detached { for await l in process.stdoutLines() { logs.append(key, l) } }
        let err = Task.detached { for await l in process.stderrLines() { logs.append(key, l) } }
        let exit = await process.wait()
        let outOfMemory = memory?.stop() ?? false
        // Output a background child still holds open is not waited for long.
        let drained = Task {
            try? await Task.sleep(for: .seconds(1))
            out.cancel()
            err.cancel()
        }
        _ = await out.value
        _ = await err.value
        drained.cancel()
        logs.finish(key)
        processes[name] = nil
        let code: Int, signal: Int?
        switch exit {
        case .exited(let c): (code, signal) = (Int(c), nil)
        case .signaled(let s): (code, signal) = (128 + Int(s), Int(s))
        }
        var message = (try? String(contentsOfFile: setup.terminationFile(name), encoding: .utf8)).map { String($0.prefix(4096)) } ?? ""
        if message.isEmpty, code != 0, c["terminationMessagePolicy"]?.stringValue == "FallbackToLogsOnError" {
            message = (logs.lines(key, previous: false) ?? []).suffix(80).map(\.text).joined(separator: "\n")
            message = String(message.suffix(2048))
        }
        let reason = outOfMemory ? "OOMKilled" : code == 0 ? "Completed" : "Error"
        state.state = .terminated(.init(exitCode: code, signal: signal, reason: reason, message: message.isEmpty ? nil : message,
                                        startedAt: started, finishedAt: Clock.rfc3339()))
        set(state)
        writeStatus()
        return code
    }

    func deadline() {
        guard finalPhase == nil, !terminating else { return }
        deadlineExceeded = true
        kill(grace: 2)
    }

    func terminate(grace: Int) {
        // Status writes of a terminating pod come back here; only the first (or a shorter grace) acts.
        if terminating && grace > 0 { return }
        terminating = true
        kill(grace: grace)
        if finalPhase != nil { kubelet.finishDeletion(pod) }
    }

    private func kill(grace: Int) {
        let procs = Array(processes.values)
        for p in procs { p.signal(grace > 0 ? SIGTERM : SIGKILL) }
        if grace > 0 {
            Task {
                try? await Task.sleep(for: .seconds(Double(grace)))
                for p in procs { p.signal(SIGKILL) }
            }
        }
    }

    // MARK: status

    func writeStatus() {
        let now = Clock.rfc3339()
        let running = !mains.isEmpty && mains.allSatisfy(\.isRunning)
        let phase = finalPhase ?? (initialized ? "Running" : "Pending")
        var status: [String: JSONValue] = [
            "phase": .string(phase), "hostIP": "127.0.0.1", "hostIPs": [["ip": "127.0.0.1"]], "podIP": "127.0.0.1",
            "podIPs": [["ip": "127.0.0.1"]], "startTime": .string(startTime), "qosClass": pod["status"]?["qosClass"] ?? "BestEffort",
            "conditions": PodStatus.conditions(scheduled: true, initialized: initialized, ready: running && finalPhase == nil,
                                               now: now, completed: finalPhase != nil),
            "containerStatuses": .array(mains.map { $0.json(podUID: uid) }),
        ]
        if !inits.isEmpty { status["initContainerStatuses"] = .array(inits.map { $0.json(podUID: uid) }) }
        if let podReason { status["reason"] = .string(podReason) }
        if let podMessage { status["message"] = .string(podMessage) }
        let pods = kubelet.pods
        _ = try? kubelet.api.store.modify(pods, namespace: pod.namespace, name: pod.name ?? "") { cur in
            guard cur.uid == self.uid else { return cur }
            var next = cur
            var s = status
            // Conditions keep their transition time while their status stays.
            let old = cur["status"]?["conditions"]?.arrayValue ?? []
            if case .array(let conds)? = s["conditions"] {
                s["conditions"] = .array(conds.map { c in
                    guard let prev = old.first(where: { $0["type"] == c["type"] }), prev["status"] == c["status"] else { return c }
                    var m = c.objectValue ?? [:]
                    m["lastTransitionTime"] = prev["lastTransitionTime"]
                    return .object(m)
                })
            }
            next.set(path: ["status"], to: .object(s))
            // Bound to the one node, as the scheduler would.
            if next["spec"]?["nodeName"] == nil { next.set(path: ["spec", "nodeName"], to: .string(Kubelet.nodeName)) }
            return next
        }
    }

    /// Binds the pod to the node: the scheduler's write, done here.
    func schedule() -> Bool {
        let now = Clock.rfc3339()
        startTime = now
        let r = try? kubelet.api.store.modify(kubelet.pods, namespace: pod.namespace, name: pod.name ?? "") { cur in
            guard cur.uid == self.uid else { return cur }
            var next = cur
            next.set(path: ["spec", "nodeName"], to: .string(Kubelet.nodeName))
            return next
        }
        guard r?.uid == uid else { return false }
        writeStatus()
        return true
    }
}
