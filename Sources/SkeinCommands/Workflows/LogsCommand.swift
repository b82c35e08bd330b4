import ArgumentParser
import Artifacts
import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import Synchronization
import WorkflowEngine
import WorkflowModel

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the logs of a workflow's steps, each line prefixed with its step's name.",
        discussion: """
            Steps come in the order they started. With --follow, the logs of running steps \
            are streamed as they are written and steps that start later are followed too, \
            until the workflow completes. POD is a pod name or a step's name.
            """
    )

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The workflow (or @latest).")
    var workflow: String

    @Argument(help: "Only this pod or step.")
    var pod: String?

    @Option(name: [.short, .long], help: "The container (default: main).")
    var container = "main"

    @Flag(name: [.short, .long], help: "Stream the logs until the workflow completes.")
    var follow = false

    @Option(help: "Only lines newer than this, like 10s, 5m or 1h.")
    var since: String?

    @Option(help: "Only the last N lines of each step.")
    var tail: Int?

    @Flag(help: "Prefix each line with the time it was written.")
    var timestamps = false

    @Option(help: "Only lines that match this regular expression.")
    var grep: String?

    @Flag(help: "Print lines without the step-name prefix.")
    var noPrefix = false

    func validate() throws {
        if let s = since, WorkflowExecution.parseDuration(s) == nil { throw ValidationError("--since '\(s)' is not a duration like 10s, 5m or 1h") }
        if let t = tail, t < 0 { throw ValidationError("--tail must be 0 or more") }
        if let g = grep, (try? Regex(g)) == nil { throw ValidationError("--grep '\(g)' is not a regular expression") }
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            var options = LogOptions(container: container, tailLines: tail, timestamps: timestamps)
            if let s = since.flatMap(WorkflowExecution.parseDuration) { options.sinceSeconds = max(1, Int(s.rounded(.up))) }
            let streamer = WorkflowLogs(cluster: c, workflow: workflow, only: pod, options: options,
                                        grep: try grep.map { try Regex($0) }, prefix: !noPrefix)
            try await streamer.run(follow: follow)
        }
    }
}

/// The logs of a workflow's step pods, by step, in the order the steps started.
struct WorkflowLogs: @unchecked Sendable {
    let cluster: Cluster
    let workflow: String
    let only: String?
    let options: LogOptions
    /// Read-only after init, so sharing it between the streaming tasks is safe.
    let grep: Regex<AnyRegexOutput>?
    let prefix: Bool
    let printer = LinePrinter()

    struct StepPod: Sendable {
        var pod: String
        var step: String
        var started: Double
        /// Its node's place in the tree (depth first, children in the order they were made),
        /// which orders steps started in the same second.
        var order: Int = .max
        var finished: Bool
        var running: Bool
        /// The status shows its node (so `step` is the step's name, not the pod's).
        var known: Bool
    }

    func emit(_ step: String, _ line: String) {
        if let grep, (try? grep.firstMatch(in: line)) == nil { return }
        printer.print(prefix ? "\(step): \(line)" : line)
    }

    /// The workflow's pods with the name of the step each runs.
    func pods(_ object: JSONValue, _ wf: Workflow) async throws -> [StepPod] {
        let name = object.name ?? workflow
        let nodes = wf.status?.nodes ?? [:]
        let list = try await cluster.call("listing the pods of workflow \(name)", resource: .pods, verb: "list") {
            try await cluster.client.listAll(.pods, namespace: cluster.namespace,
                                             options: ListOptions(labelSelector: "\(cluster.kinds.workflowLabel)=\(name)")).items
        }
        let order = Self.treeOrder(wf)
        var out: [StepPod] = []
        for p in list {
            guard let podName = p.name else { continue }
            let node = p.annotations[cluster.kinds.nodeIDAnnotation].flatMap { nodes[$0] }
            let step = node?.displayName ?? podName
            if let only, only != podName, only != step, only != node?.name { continue }
            let phase = p["status"]?["phase"]?.stringValue ?? "Pending"
            let started = node?.startedAt?.seconds
                ?? p["metadata"]?["creationTimestamp"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }?.seconds ?? 0
            out.append(StepPod(pod: podName, step: step, started: started, order: node.flatMap { order[$0.id] } ?? .max,
                               finished: phase == "Succeeded" || phase == "Failed", running: phase == "Running", known: node != nil))
        }
        return out.sorted { ($0.started, $0.order, $0.step) < ($1.started, $1.order, $1.step) }
    }

    func run(follow: Bool) async throws {
        let object = try await cluster.workflowObject(workflow)
        let name = object.name ?? workflow
        // A completed workflow has nothing more to stream: its logs are printed whole.
        if !follow || WorkflowFollower.completed(object) {
            let wf = try Cluster.decode(object)
            let list = try await pods(object, wf)
            let archived = try archivedSteps(object, wf, except: Set(list.map(\.pod)))
            if list.isEmpty && archived.isEmpty, let only {
                throw CLIFailure("workflow \(name) has no pod or step named '\(only)'", fix: "`skein get \(name)` lists its steps and pods")
            }
            let access = WorkflowArtifactAccess(cluster: cluster, workflow: object)
            // In the order the steps started (within a second, as they stand in the tree).
            let order = Self.treeOrder(wf)
            let all = list.map { (started: $0.started, order: $0.order, step: $0.step, pod: Optional($0), archive: Optional<WorkflowArtifactAccess.Entry>.none) }
                + archived.map { (started: $0.node.startedAt?.seconds ?? 0, order: order[$0.node.id] ?? .max, step: $0.node.displayName,
                                  pod: nil, archive: Optional($0)) }
            for item in all.sorted(by: { ($0.started, $0.order, $0.step) < ($1.started, $1.order, $1.step) }) {
                if let entry = item.archive {
                    try await printArchived(entry, access: access)
                    continue
                }
                guard let p = item.pod, p.running || p.finished else { continue }
                // A pod that has not started has no log yet.
                do {
                    let text = try await cluster.client.logs(pod: p.pod, namespace: cluster.namespace, options: options)
                    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    if lines.last == "" { lines.removeLast() }
                    for l in lines { emit(p.step, l) }
                } catch let e as KubeError {
                    throw await cluster.explain(e, what: "the log of \(p.pod)", resource: .pods, name: p.pod, verb: "get",
                                                namespace: cluster.namespace)
                }
            }
            return
        }
        try await followAll(name: name)
    }

    /// Each node's place in a depth-first walk of the tree from the workflow's root.
    static func treeOrder(_ wf: Workflow) -> [String: Int] {
        let nodes = wf.status?.nodes ?? [:]
        var order: [String: Int] = [:]
        var stack = [wf.metadata.name ?? ""]
        while let id = stack.popLast() {
            guard order[id] == nil, let n = nodes[id] else { continue }
            order[id] = order.count
            stack += (n.children ?? []).reversed()
        }
        return order
    }

    /// Steps whose pod is gone but whose log was archived (`archiveLogs`: the artifact `main-logs`).
    func archivedSteps(_ object: JSONValue, _ wf: Workflow, except pods: Set<String>) throws -> [WorkflowArtifactAccess.Entry] {
        guard options.container == "main" else { return [] }
        let access = WorkflowArtifactAccess(cluster: cluster, workflow: object)
        return access.entries(wf, node: nil).filter { e in
            guard e.artifact.name == "main-logs" else { return false }
            let pod = NodeNaming.podName(workflow: wf.metadata.name ?? "", nodeName: e.node.name, templateName: e.node.ranTemplate)
            if let only, only != e.node.displayName, only != e.node.name, only != pod { return false }
            return !pods.contains(pod)
        }
    }

    /// An archived log, with --tail and --grep as for a pod's (its lines carry no times, so
    /// --since and --timestamps do not apply).
    func printArchived(_ entry: WorkflowArtifactAccess.Entry, access: WorkflowArtifactAccess) async throws {
        let store = try await access.store(for: entry)
        let temp = NSTemporaryDirectory() + "skein-log-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: temp) }
        do {
            try ArtifactFetcher.fetch(.store(key: entry.key), from: store, to: temp, unpack: false)
        } catch {
            throw CLIFailure("cannot read the archived log of step \(entry.node.displayName) at \(entry.whereText): \(error)")
        }
        let text = (try? String(contentsOfFile: temp, encoding: .utf8)) ?? ""
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        if let n = options.tailLines { lines = Array(lines.suffix(n)) }
        for l in lines { emit(entry.node.displayName, l) }
    }

    /// Streams every step's log, starting each as its pod starts, until the workflow has
    /// completed and every stream has ended.
    func followAll(name: String) async throws {
        let started = Mutex<Set<String>>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            while true {
                let object = try await cluster.workflowObject(name)
                let done = WorkflowFollower.completed(object)
                // Steps that already ended print whole, in the order they started; running
                // ones stream side by side.
                var ended: [StepPod] = []
                for p in try await pods(object, try Cluster.decode(object)) where (p.running || p.finished) && (p.known || done) {
                    guard started.withLock({ $0.insert(p.pod).inserted }) else { continue }
                    if p.finished {
                        ended.append(p)
                    } else {
                        group.addTask { await self.stream(p) }
                    }
                }
                if !ended.isEmpty {
                    let batch = ended
                    group.addTask { for p in batch { await self.stream(p) } }
                }
                if done { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            try await group.waitForAll()
        }
    }

    func stream(_ p: StepPod) async {
        var attempt = 0
        while attempt < 20 {
            attempt += 1
            do {
                for try await line in cluster.client.followLogs(pod: p.pod, namespace: cluster.namespace, options: options) {
                    emit(p.step, line)
                }
                return
            } catch {
                // Not started yet (400): try again shortly.
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }
}

extension CLIFailure {
    /// Runs a command's body: a `CLIFailure` is printed as `error: ...` (with its fix)
    /// and becomes the exit code.
    static func reporting(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let f as CLIFailure {
            let color = Terminal.isTTY(2) && Terminal.colorAllowed
            Terminal.printError("\(color ? "\u{1B}[31merror\u{1B}[0m" : "error"): \(f.description)")
            throw ExitCode(f.code)
        }
    }
}
