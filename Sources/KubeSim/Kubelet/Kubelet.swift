import Foundation
import KubeAPI
import SkeinJSON
import Synchronization

/// The simulated node's kubelet: schedules every new pod to `skein-sim-node` and runs it
/// (or, in instant mode, completes it at once), and carries out pod deletions.
final class Kubelet: Sendable {
    static let nodeName = "skein-sim-node"
    let api: APIServer
    let options: KubeSimOptions
    let workDirectory: String
    let token: String
    let caPEM: String
    let apiPort = Mutex(0)
    let runs = Mutex<[String: PodRun]>([:])
    let stopped = Mutex(false)

    init(api: APIServer, options: KubeSimOptions, workDirectory: String, token: String, caPEM: String) {
        self.api = api
        self.options = options
        self.workDirectory = workDirectory
        self.token = token
        self.caPEM = caPEM
    }

    var pods: ServedResource { ServedResource.builtIn[1] }

    func start(apiPort port: Int) {
        apiPort.withLock { $0 = port }
        api.store.addListener { [weak self] e in self?.observe(e) }
        // Pods created before the kubelet listened (none in practice) are picked up too.
        for o in api.store.list(pods, namespace: nil, labels: .everything, fields: .everything).items {
            observe(StoreEvent(rv: 0, type: .added, resource: .pods, object: o))
        }
    }

    func observe(_ e: StoreEvent) {
        guard e.resource == .pods, !stopped.withLock({ $0 }) else { return }
        let pod = e.object
        guard let uid = pod.uid else { return }
        let node = pod["spec"]?["nodeName"]?.stringValue
        guard node == nil || node == Kubelet.nodeName else { return }
        switch e.type {
        case .added:
            if options.instant {
                Task { self.complete(pod) }
                return
            }
            let phase = pod["status"]?["phase"]?.stringValue
            guard phase != "Succeeded", phase != "Failed" else { return }
            let run: PodRun? = runs.withLock { r in
                guard r[uid] == nil else { return nil }
                let run = PodRun(kubelet: self, pod: pod)
                r[uid] = run
                return run
            }
            if let run { Task { await run.run() } }
        case .modified:
            guard pod.metadata["deletionTimestamp"] != nil else { return }
            let grace: Int = if case .int(let g)? = pod.metadata["deletionGracePeriodSeconds"] { g } else { 0 }
            if let run = runs.withLock({ $0[uid] }) {
                Task { await run.terminate(grace: grace) }
            } else if !options.instant {
                Task { self.finishDeletion(pod) }
            }
        case .deleted:
            if let run = runs.withLock({ $0[uid] }) { Task { await run.terminate(grace: 0) } }
            api.logs.remove(uid: uid)
        default:
            break
        }
    }

    /// Instant mode: scheduled, run and succeeded in one status write.
    func complete(_ pod: JSONValue) {
        let now = Clock.rfc3339()
        _ = try? api.store.modify(pods, namespace: pod.namespace, name: pod.name ?? "") { cur in
            guard cur.uid == pod.uid, cur["spec"]?["nodeName"] == nil else { return cur }
            var next = cur
            next.set(path: ["spec", "nodeName"], to: .string(Kubelet.nodeName))
            let statuses: [JSONValue] = (cur["spec"]?["containers"]?.arrayValue ?? []).map { c in
                ["name": c["name"] ?? "", "image": c["image"] ?? "", "imageID": "", "ready": false, "restartCount": 0, "started": false,
                 "containerID": .string("skein-sim://\(pod.uid ?? "")/\(c["name"]?.stringValue ?? "")"),
                 "state": ["terminated": ["exitCode": 0, "reason": "Completed", "startedAt": .string(now), "finishedAt": .string(now)]]]
            }
            next.set(path: ["status"], to: [
                "phase": "Succeeded", "hostIP": "127.0.0.1", "podIP": "127.0.0.1", "startTime": .string(now),
                "qosClass": cur["status"]?["qosClass"] ?? "BestEffort",
                "conditions": PodStatus.conditions(scheduled: true, initialized: true, ready: false, now: now, completed: true),
                "containerStatuses": .array(statuses),
            ])
            return next
        }
    }

    /// A pod being deleted that runs nothing here: it goes now (or when its finalizers do).
    func finishDeletion(_ pod: JSONValue) {
        _ = try? api.store.modify(pods, namespace: pod.namespace, name: pod.name ?? "") { cur in
            guard cur.uid == pod.uid else { return cur }
            var next = cur
            next.setMetadata("deletionGracePeriodSeconds", 0)
            return next
        }
        if let cur = try? api.store.get(pods, namespace: pod.namespace, name: pod.name ?? ""), cur.uid == pod.uid,
           (cur.metadata["finalizers"]?.arrayValue ?? []).isEmpty {
            _ = try? api.store.remove(pods, namespace: pod.namespace, name: pod.name ?? "")
            api.collectGarbage()
        }
    }

    func runEnded(_ uid: String) { _ = runs.withLock { $0.removeValue(forKey: uid) } }

    func stop() async {
        stopped.withLock { $0 = true }
        let all = runs.withLock { Array($0.values) }
        for r in all { await r.terminate(grace: 0) }
    }
}
