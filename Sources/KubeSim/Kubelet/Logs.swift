import Foundation
import KubeAPI
import SkeinJSON

extension APIServer {
    /// `GET .../pods/NAME/log`: `container`, `follow`, `tailLines`, `sinceSeconds`,
    /// `timestamps`, `previous`, worded like the kubelet when the container is unknown or not started.
    func kubeletLogs(_ namespace: String, _ name: String, _ req: SimRequest) async throws(Status) -> SimResponse {
        let pod = try store.get(ServedResource.builtIn[1], namespace: namespace, name: name)
        let mains = pod["spec"]?["containers"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        let inits = pod["spec"]?["initContainers"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        let container: String
        if let c = req.query["container"], !c.isEmpty {
            guard mains.contains(c) || inits.contains(c) else {
                throw Status.badRequest("container \(c) is not valid for pod \(name)")
            }
            container = c
        } else if mains.count == 1 {
            container = mains[0]
        } else {
            var m = "a container name must be specified for pod \(name), choose one of: [\(mains.joined(separator: " "))]"
            if !inits.isEmpty { m += " or one of the init containers: [\(inits.joined(separator: " "))]" }
            throw Status.badRequest(m)
        }
        if instant { return .text(200, "") }
        let key = LogStore.key(pod.uid ?? "", container)
        guard logs.started(key) else {
            let statuses = (pod["status"]?["containerStatuses"]?.arrayValue ?? []) + (pod["status"]?["initContainerStatuses"]?.arrayValue ?? [])
            let reason = statuses.first { $0["name"]?.stringValue == container }?["state"]?["waiting"]?["reason"]?.stringValue ?? "ContainerCreating"
            throw Status.badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: \(reason)")
        }
        let previous = req.bool("previous")
        var lines: [LogStore.Line]
        var rest: AsyncStream<LogStore.Line>?
        if previous {
            guard let p = logs.lines(key, previous: true) else {
                throw Status.badRequest("previous terminated container \"\(container)\" in pod \"\(name)\" not found")
            }
            lines = p
        } else if req.bool("follow") {
            (lines, rest) = logs.follow(key)
        } else {
            lines = logs.lines(key, previous: false) ?? []
        }
        if let since = req.int("sinceSeconds") {
            let cutoff = Date().addingTimeInterval(-Double(since))
            lines = lines.filter { $0.time >= cutoff }
        }
        if let tail = req.int("tailLines"), tail >= 0 { lines = Array(lines.suffix(tail)) }
        let stamps = req.bool("timestamps")
        func format(_ l: LogStore.Line) -> String { (stamps ? Clock.rfc3339Nano(l.time) + " " : "") + l.text + "\n" }
        guard let rest else { return .text(200, lines.map(format).joined()) }
        let (out, c) = AsyncStream<String>.makeStream()
        let first = lines.map(format).joined()
        if !first.isEmpty { c.yield(first) }
        let pump = Task {
            for await l in rest { c.yield(format(l)) }
            c.finish()
        }
        c.onTermination = { _ in pump.cancel() }
        return .lines(out)
    }
}
