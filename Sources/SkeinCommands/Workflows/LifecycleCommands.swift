import ArgumentParser
import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import WorkflowEngine
import WorkflowModel

extension Cluster {
    /// A merge patch of a running workflow; a completed one is refused with `why`.
    func patchRunning(_ name: String, _ patch: JSONValue, verb: String) async throws -> JSONValue {
        let object = try await workflowObject(name)
        if WorkflowFollower.completed(object) {
            throw CLIFailure("workflow \(object.name ?? name) has already completed (\(WorkflowRows.phase(object))): there is nothing to \(verb)",
                             fix: verb == "resume" || verb == "suspend" ? "`skein resubmit \(object.name ?? name)` runs it again" : "`skein retry` or `skein resubmit` runs it again")
        }
        let n = object.name ?? name
        return try await call("workflow \(n)", resource: workflows, name: n, verb: "patch") {
            try await client.patch(workflows, n, namespace: namespace, type: .merge, patch)
        }
    }
}

extension Cluster {
    /// `patchRunning` of each workflow named, printing `workflow NAME <done>` for each.
    func patchEach(_ names: [String], _ patch: JSONValue, verb: String, done: String) async throws {
        for w in names {
            let o = try await patchRunning(w, patch, verb: verb)
            print("workflow \(o.name ?? w) \(done)")
        }
    }
}

struct SuspendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspend",
        abstract: "Suspend workflows: no new step starts until `skein resume` (running steps go on).")

    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "The workflows (or @latest).") var workflows: [String]

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            try await c.patchEach(workflows, ["spec": ["suspend": true]], verb: "suspend", done: "suspended")
        }
    }
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume suspended workflows, and the suspend steps they wait at.",
        discussion: "With --node-field-selector, only the suspend steps that match resume, like displayName=approve.")

    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "The workflows (or @latest).") var workflows: [String]

    @Option(help: "Resume only the suspend steps that match, like displayName=approve.")
    var nodeFieldSelector: String?

    @Option(name: .customLong("output-parameter"),
            help: "A value for the resumed steps' valueFrom.supplied outputs (repeatable): --output-parameter name=value.")
    var outputParameters: [String] = []

    func validate() throws {
        if let s = nodeFieldSelector {
            do { _ = try NodeFieldSelector(s) } catch { throw ValidationError(error.description) }
        }
        for p in outputParameters where !p.contains("=") {
            throw ValidationError("--output-parameter \(p): write --output-parameter name=value")
        }
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            // A second past now: the steps already waiting, whatever the clocks' rounding.
            let at = Timestamp(seconds: Date().timeIntervalSince1970.rounded(.down) + 1)
            var request: JSONValue = ["at": .string(at.description)]
            if let s = nodeFieldSelector { request.set(path: ["nodeFieldSelector"], to: .string(s)) }
            if !outputParameters.isEmpty {
                request.set(path: ["parameters"], to: .object(NameValue.pairs(outputParameters).mapValues { .string($0) }))
            }
            // Without a selector the workflow itself is resumed too (spec.suspend cleared).
            let spec: JSONValue = nodeFieldSelector == nil ? ["suspend": .null] : [:]
            let patch: JSONValue = ["spec": spec,
                                    "metadata": ["annotations": [c.kinds.resumeAnnotation: .string(request.compactJSON)]]]
            try await c.patchEach(workflows, patch, verb: "resume", done: "resumed")
        }
    }
}

struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop workflows: running steps are stopped, the exit handler runs, the workflow fails.")

    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "The workflows (or @latest).") var workflows: [String]

    @Option(help: "The message the stopped workflow shows.")
    var message: String?

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            var patch: JSONValue = ["spec": ["shutdown": "Stop"]]
            if let message {
                patch.set(path: ["metadata"], to: ["annotations": [c.kinds.stopMessageAnnotation: .string(message)]])
            }
            try await c.patchEach(workflows, patch, verb: "stop", done: "stopped")
        }
    }
}

struct TerminateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "terminate",
        abstract: "Terminate workflows at once: running steps are stopped, no exit handler runs.")

    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "The workflows (or @latest).") var workflows: [String]

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            try await c.patchEach(workflows, ["spec": ["shutdown": "Terminate"]], verb: "terminate", done: "terminated")
        }
    }
}

struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete workflows (their pods go with them).")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var allNamespaces: AllNamespacesFlag

    @Argument(help: "The workflows (or @latest).")
    var workflows: [String] = []

    @Flag(help: "Every workflow of the namespace.")
    var all = false

    @Flag(help: "Every completed workflow.")
    var completed = false

    @Option(help: "Workflows that completed longer ago than this, like 1h or 7d.")
    var older: String?

    @Option(name: [.customShort("l"), .customLong("selector")], help: "Workflows with these labels: -l key=value.")
    var selector: String?

    @Flag(help: "Print what would be deleted; delete nothing.")
    var dryRun = false

    func validate() throws {
        let selections = [!workflows.isEmpty, all, completed, older != nil, selector != nil].filter { $0 }.count
        if selections == 0 { throw ValidationError("name the workflows, or give --all, --completed, --older or -l") }
        if !workflows.isEmpty && selections > 1 { throw ValidationError("give either names or --all/--completed/--older/-l, not both") }
        if let o = older, Self.days(o) == nil { throw ValidationError("--older '\(o)' is not a duration like 1h or 7d") }
        if allNamespaces.allNamespaces && !workflows.isEmpty { throw ValidationError("-A selects with --all, --completed, --older or -l, not names") }
    }

    /// Durations as --older takes them: Argo's forms plus days (`7d`).
    static func days(_ text: String) -> Double? {
        if text.hasSuffix("d"), let d = Double(text.dropLast()) { return d * 86400 }
        return WorkflowExecution.parseDuration(text)
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            var targets: [(String, String)] = []
            if !workflows.isEmpty {
                for w in workflows {
                    let o = try await c.workflowObject(w)
                    targets.append((o.namespace ?? c.namespace, o.name ?? w))
                }
            } else {
                let ns = allNamespaces.allNamespaces ? "" : c.namespace   // "": every namespace
                let items = try await c.call("listing workflows", resource: c.workflows, verb: "list") {
                    try await c.client.listAll(c.workflows, namespace: ns, options: ListOptions(labelSelector: selector)).items
                }
                let now = Date().timeIntervalSince1970
                let cutoff = older.flatMap(Self.days).map { now - $0 }
                for o in items {
                    let done = WorkflowFollower.completed(o)
                    if completed && !done { continue }
                    if let cutoff {
                        guard done, let f = o["status"]?["finishedAt"]?.stringValue.flatMap({ Timestamp(rfc3339: $0) }),
                              f.seconds < cutoff else { continue }
                    }
                    targets.append((o.namespace ?? c.namespace, o.name ?? ""))
                }
            }
            for (ns, name) in targets {
                if dryRun {
                    print("workflow \(name) would be deleted (dry run)")
                    continue
                }
                do {
                    try await c.call("deleting workflow \(name)", resource: c.workflows, name: name, verb: "delete", namespace: ns) {
                        try await c.client.delete(c.workflows, name, namespace: ns, options: DeleteOptions(propagationPolicy: .background))
                    }
                    print("workflow \(name) deleted")
                } catch let f as CLIFailure where !workflows.isEmpty || !f.message.contains("not found") {
                    throw f
                } catch {
                    // Gone already (a --all race): nothing to do.
                }
            }
        }
    }
}
