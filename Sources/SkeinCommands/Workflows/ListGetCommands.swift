import ArgumentParser
import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import WorkflowEngine
import WorkflowModel

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List workflows, newest first.", aliases: ["ls"])

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var all: AllNamespacesFlag

    @Flag(help: "Only workflows still running (or pending).")
    var running = false

    @Flag(help: "Only completed workflows.")
    var completed = false

    @Option(help: "Only workflows in these phases: --status Failed,Error.")
    var status: String?

    @Option(name: [.customShort("l"), .customLong("selector")], help: "Only workflows with these labels: -l key=value,key2!=value.")
    var selector: String?

    @Option(help: "Only workflows created within this time, like 1h or 30m.")
    var since: String?

    @Option(help: "Only workflows whose name starts with this.")
    var prefix: String?

    @Option(help: "Read the list in pages of this many (0: all at once).")
    var chunkSize = 500

    @Option(name: [.short, .customLong("output")], help: "json, yaml, wide (more columns) or name (names only).")
    var output: ObjectOutput?

    func validate() throws {
        if running && completed { throw ValidationError("give either --running or --completed, not both") }
        if let s = since, WorkflowExecution.parseDuration(s) == nil { throw ValidationError("--since '\(s)' is not a duration like 1h or 30m") }
        if chunkSize < 0 { throw ValidationError("--chunk-size must be 0 or more") }
        if let s = selector, (try? LabelSelector(parsing: s)) == nil { throw ValidationError("-l '\(s)' is not a label selector") }
        if let s = status {
            for p in s.split(separator: ",") where !["Pending", "Running", "Succeeded", "Failed", "Error"].contains(String(p)) {
                throw ValidationError("--status \(p): phases are Pending, Running, Succeeded, Failed and Error")
            }
        }
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            // nil: every namespace (the client reads "" so).
            let namespace = all.allNamespaces ? nil : c.namespace
            let options = ListOptions(labelSelector: selector)
            var items = try await c.call("listing workflows", resource: c.workflows, verb: "list") {
                try await c.client.listAll(c.workflows, namespace: namespace ?? "", options: options,
                                         pageSize: chunkSize == 0 ? 1_000_000 : chunkSize).items
            }
            let now = Date().timeIntervalSince1970
            let phases = status.map { Set($0.split(separator: ",").map(String.init)) }
            let cutoff = since.flatMap(WorkflowExecution.parseDuration).map { now - $0 }
            items = items.filter { o in
                let p = WorkflowRows.phase(o)
                let done = WorkflowRows.isCompleted(p)
                if running && done { return false }
                if completed && !done { return false }
                if let phases, !phases.contains(p) { return false }
                if let prefix, !(o.name ?? "").hasPrefix(prefix) { return false }
                if let cutoff, WorkflowRows.created(o) < cutoff { return false }
                return true
            }
            items.sort { (WorkflowRows.created($0), $0.name ?? "") > (WorkflowRows.created($1), $1.name ?? "") }
            if let text = output?.render(items, list: true) {
                print(text)
                return
            }
            if output == .name {
                for o in items { print(o.name ?? "") }
                return
            }
            if items.isEmpty {
                Terminal.printError("No workflows found\(namespace.map { " in namespace \($0)" } ?? "").")
                return
            }
            let wide = output == .wide
            var rows: [[String]] = []
            var head = ["NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE"]
            if wide { head += ["P/R/C", "PARAMETERS"] }
            if namespace == nil { head.insert("NAMESPACE", at: 0) }
            rows.append(head)
            for o in items {
                var r = [o.name ?? "", WorkflowRows.status(o), WorkflowRows.age(now - WorkflowRows.created(o)),
                         WorkflowRows.duration(o, now: now), o["spec"]?["priority"]?.scalarText ?? "0",
                         o["status"]?["message"]?.stringValue ?? ""]
                if wide {
                    r += [Self.podCounts(o), Self.parameters(o)]
                }
                if namespace == nil { r.insert(o.namespace ?? "", at: 0) }
                rows.append(r)
            }
            print(WorkflowRows.table(rows), terminator: "")
        }
    }

    /// Pending/Running/Completed pods, as `argo list -o wide` counts them.
    static func podCounts(_ o: JSONValue) -> String {
        var p = 0, r = 0, c = 0
        for (_, n) in o["status"]?["nodes"]?.objectValue ?? [:] where n["type"]?.stringValue == "Pod" {
            switch n["phase"]?.stringValue {
            case "Pending": p += 1
            case "Running": r += 1
            default: c += 1
            }
        }
        return "\(p)/\(r)/\(c)"
    }

    static func parameters(_ o: JSONValue) -> String {
        (o["spec"]?["arguments"]?["parameters"]?.arrayValue ?? []).compactMap { p in
            p["name"]?.stringValue.map { "\($0)=\(p["value"]?.scalarText ?? "")" }
        }.joined(separator: ",")
    }
}

struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Show a workflow: its status, then the tree of its steps.",
        discussion: """
            Symbols: ✔ Succeeded, ✖ Failed, ⚠ Error, ● Running, ǁ suspended, ◷ Pending, \
            ○ Skipped or Omitted.
            """)

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The workflow, or @latest for the newest.")
    var workflow: String

    @Option(name: [.short, .customLong("output")], help: "json, yaml, wide or name.")
    var output: ObjectOutput?

    @Option(help: "Only steps that match, like phase=Failed or displayName=build (with those above them).")
    var nodeFieldSelector: String?

    @Option(help: "Only steps in these phases: --status Failed,Error.")
    var status: String?

    func validate() throws {
        if let s = nodeFieldSelector {
            do { _ = try NodeFieldSelector(s) } catch { throw ValidationError(error.description) }
        }
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            let object = try await c.workflowObject(workflow)
            switch output {
            case .json, .yaml:
                print(output!.render([try NodeCompressionView.expanded(object)], list: false)!)
            case .name:
                print(object.name ?? "")
            case .wide, nil:
                let wf = try Cluster.decode(object)
                let selector = try nodeFieldSelector.map { try NodeFieldSelector($0) }
                let phases = status.map { Set($0.split(separator: ",").map(String.init)) }
                let include: ((NodeStatus) -> Bool)? = selector == nil && phases == nil ? nil : { n in
                    (selector?.matches(n) ?? true) && (phases?.contains(n.phase.rawValue) ?? true)
                }
                print(WorkflowView.render(wf, object: object, now: WorkflowView.now(), color: Terminal.isTTY(1) && Terminal.colorAllowed,
                                          include: include), terminator: "")
            }
        }
    }
}

enum NodeCompressionView {
    static func expanded(_ o: JSONValue) throws -> JSONValue {
        do { return try NodeCompression.expand(o) } catch { throw CLIFailure("\(error)") }
    }
}

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Show a workflow's progress, redrawn as it changes, until it completes.")

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The workflow, or @latest.")
    var workflow: String

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            let view = LiveView()
            let final = try await WorkflowFollower(cluster: c, name: workflow).run { try view.show($0) }
            try view.finish(final)
            if WorkflowRows.phase(final) != "Succeeded" { throw ExitCode(1) }
        }
    }
}

struct WaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until workflows complete.",
        discussion: "Prints how each ended. Exit code 0 when all Succeeded, 1 otherwise.")

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The workflows (or @latest).")
    var workflows: [String]

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            let finals = try await withThrowingTaskGroup(of: JSONValue.self) { group in
                for w in workflows {
                    group.addTask { try await WorkflowFollower(cluster: c, name: w).run { _ in } }
                }
                var out: [JSONValue] = []
                for try await f in group {
                    WaitCommand.printOutcome(f)
                    out.append(f)
                }
                return out
            }
            if finals.contains(where: { WorkflowRows.phase($0) != "Succeeded" }) { throw ExitCode(1) }
        }
    }

    static func printOutcome(_ o: JSONValue) {
        var line = "\(o.name ?? "") \(WorkflowRows.phase(o))"
        if let m = o["status"]?["message"]?.stringValue, !m.isEmpty { line += ": \(m)" }
        print(line)
    }
}
