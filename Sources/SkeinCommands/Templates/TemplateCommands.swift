import ArgumentParser
import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import WorkflowModel

/// One of the kinds `skein template`, `skein cluster-template` and `skein cron` manage.
protocol ManagedKind: Sendable {
    static var kind: SourceDocument.Kind { get }
    static var commandName: String { get }
    /// `workflow template`, for messages.
    static var noun: String { get }
    static func resource(_ c: Cluster) -> ResourceType
}

enum TemplateKind: ManagedKind {
    static let kind = SourceDocument.Kind.workflowTemplate
    static let commandName = "template"
    static let noun = "workflow template"
    static func resource(_ c: Cluster) -> ResourceType { c.kinds.workflowTemplates }
}

enum ClusterTemplateKind: ManagedKind {
    static let kind = SourceDocument.Kind.clusterWorkflowTemplate
    static let commandName = "cluster-template"
    static let noun = "cluster workflow template"
    static func resource(_ c: Cluster) -> ResourceType { c.kinds.clusterWorkflowTemplates }
}

enum CronKind: ManagedKind {
    static let kind = SourceDocument.Kind.cronWorkflow
    static let commandName = "cron"
    static let noun = "cron workflow"
    static func resource(_ c: Cluster) -> ResourceType { c.kinds.cronWorkflows }
}

struct TemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template", abstract: "Manage WorkflowTemplates.",
        subcommands: [KindCreate<TemplateKind>.self, KindList<TemplateKind>.self, KindGet<TemplateKind>.self,
                      KindDelete<TemplateKind>.self, KindLint<TemplateKind>.self])
}

struct ClusterTemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster-template", abstract: "Manage ClusterWorkflowTemplates.",
        subcommands: [KindCreate<ClusterTemplateKind>.self, KindList<ClusterTemplateKind>.self, KindGet<ClusterTemplateKind>.self,
                      KindDelete<ClusterTemplateKind>.self, KindLint<ClusterTemplateKind>.self])
}

struct CronCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cron", abstract: "Manage CronWorkflows.",
        subcommands: [KindCreate<CronKind>.self, KindList<CronKind>.self, KindGet<CronKind>.self, KindDelete<CronKind>.self,
                      CronSuspend.self, CronResume.self, CronTrigger.self, CronBackfill.self, KindLint<CronKind>.self])
}

/// The documents of kind `K` in the files, linted together with the rest of the files.
func loadKind<K: ManagedKind>(_: K.Type, _ paths: [String]) throws -> [SourceDocument] {
    do {
        let docs = try InputFiles.load(paths)
        let mine = docs.filter { $0.kind == K.kind }
        if mine.isEmpty {
            throw Diagnostics([Diagnostic(SourceLocation(file: paths.joined(separator: ", ")), "no \(K.kind.rawValue) in the files given",
                                          fix: "give files with `kind: \(K.kind.rawValue)`")])
        }
        let problems = Linter.lint(docs)
        if !problems.isEmpty { throw Diagnostics(problems) }
        return mine
    } catch let d as Diagnostics {
        Terminal.printDiagnostics(d.items)
        throw ExitCode(2)
    }
}

struct KindCreate<K: ManagedKind>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "create", abstract: "Create \(K.noun)s from files (checked first, as lint does).")
    }

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "Files or folders.")
    var files: [String]

    @Option(name: [.short, .customLong("output")], help: "Print what was created: json, yaml, wide or name.")
    var output: ObjectOutput?

    func run() async throws {
        try await CLIFailure.reporting {
            let docs = try loadKind(K.self, files)
            let c = try cluster.connect()
            let resource = K.resource(c)
            var created: [JSONValue] = []
            for d in docs {
                var o = d.raw
                o.set(path: ["apiVersion"], to: .string("\(c.kinds.group)/v1alpha1"))
                if !resource.namespaced { o.setMetadata("namespace", nil) }
                let name = o.name
                created.append(try await c.call("\(K.noun) \(name ?? "")", resource: resource, name: name, verb: "create") {
                    try await c.client.create(resource, o, namespace: resource.namespaced ? c.namespace : nil)
                })
            }
            if let text = output?.render(created, list: created.count > 1) {
                print(text)
            } else {
                for o in created { print(output == .name ? (o.name ?? "") : "\(K.noun) \(o.name ?? "") created") }
            }
        }
    }
}

struct KindList<K: ManagedKind>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "list", abstract: "List \(K.noun)s.", aliases: ["ls"])
    }

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var all: AllNamespacesFlag

    @Option(name: [.customShort("l"), .customLong("selector")], help: "Only those with these labels: -l key=value.")
    var selector: String?

    @Option(name: [.short, .customLong("output")], help: "json, yaml, wide or name.")
    var output: ObjectOutput?

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            let resource = K.resource(c)
            let ns = !resource.namespaced || all.allNamespaces ? nil : c.namespace
            var items = try await c.call("listing \(K.noun)s", resource: resource, verb: "list") {
                try await c.client.listAll(resource, namespace: ns ?? "", options: ListOptions(labelSelector: selector)).items
            }
            items.sort { ($0.namespace ?? "", $0.name ?? "") < ($1.namespace ?? "", $1.name ?? "") }
            if let text = output?.render(items, list: true) { print(text); return }
            if output == .name { for o in items { print(o.name ?? "") }; return }
            if items.isEmpty {
                Terminal.printError("No \(K.noun)s found\(ns.map { " in namespace \($0)" } ?? "").")
                return
            }
            let now = Date().timeIntervalSince1970
            let showNamespace = resource.namespaced && ns == nil
            var rows: [[String]] = []
            var head = K.kind == .cronWorkflow ? ["NAME", "AGE", "LAST RUN", "SCHEDULE", "TIMEZONE", "SUSPENDED"] : ["NAME", "AGE"]
            if output == .wide && K.kind != .cronWorkflow { head.append("TEMPLATES") }
            if showNamespace { head.insert("NAMESPACE", at: 0) }
            rows.append(head)
            for o in items {
                var r = [o.name ?? "", WorkflowRows.age(now - WorkflowRows.created(o))]
                if K.kind == .cronWorkflow {
                    let last = o["status"]?["lastScheduledTime"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }
                    r += [last.map { WorkflowRows.age(now - $0.seconds) } ?? "N/A", KindGet<K>.schedules(o),
                          o["spec"]?["timezone"]?.stringValue ?? "", o["spec"]?["suspend"] == .bool(true) ? "true" : "false"]
                } else if output == .wide {
                    r.append((o["spec"]?["templates"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }.joined(separator: ","))
                }
                if showNamespace { r.insert(o.namespace ?? "", at: 0) }
                rows.append(r)
            }
            print(WorkflowRows.table(rows), terminator: "")
        }
    }
}

struct KindGet<K: ManagedKind>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "get", abstract: "Show a \(K.noun).")
    }

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "Its name.")
    var name: String

    @Option(name: [.short, .customLong("output")], help: "json, yaml, wide or name.")
    var output: ObjectOutput?

    /// The soonest next run over all schedules (RFC 3339), as the controller computes it.
    static func nextScheduledTime(_ o: JSONValue) -> String? {
        let texts = (o["spec"]?["schedules"]?.arrayValue ?? []).compactMap(\.stringValue) + [o["spec"]?["schedule"]?.stringValue].compactMap { $0 }
        let now = Date().timeIntervalSince1970
        let last = o["status"]?["lastScheduledTime"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }?.seconds
        let times = texts.compactMap { text in
            (try? CronSchedule(text, timeZone: o["spec"]?["timezone"]?.stringValue))?.next(after: now, anchor: last)
        }
        return times.min().map { Timestamp(seconds: $0).description }
    }

    static func schedules(_ o: JSONValue) -> String {
        if let list = o["spec"]?["schedules"]?.arrayValue, !list.isEmpty { return list.compactMap(\.stringValue).joined(separator: ",") }
        return o["spec"]?["schedule"]?.stringValue ?? ""
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            let resource = K.resource(c)
            let o = try await c.call("\(K.noun) \(name)", resource: resource, name: name, verb: "get") {
                try await c.client.get(resource, name, namespace: resource.namespaced ? c.namespace : nil)
            }
            if let text = output?.render([o], list: false) { print(text); return }
            if output == .name { print(o.name ?? ""); return }
            var fields: [(String, String)] = [("Name:", o.name ?? "")]
            if resource.namespaced { fields.append(("Namespace:", o.namespace ?? "")) }
            if let t = o["metadata"]?["creationTimestamp"]?.stringValue { fields.append(("Created:", t)) }
            let spec: JSONValue?
            if K.kind == .cronWorkflow {
                fields.append(("Schedule:", Self.schedules(o)))
                if let tz = o["spec"]?["timezone"]?.stringValue { fields.append(("Timezone:", tz)) }
                fields.append(("Suspended:", o["spec"]?["suspend"] == .bool(true) ? "true" : "false"))
                if let p = o["spec"]?["concurrencyPolicy"]?.stringValue { fields.append(("ConcurrencyPolicy:", p)) }
                if let p = o["status"]?["phase"]?.stringValue { fields.append(("Phase:", p)) }
                if let l = o["status"]?["lastScheduledTime"]?.stringValue { fields.append(("LastScheduledTime:", l)) }
                if o["spec"]?["suspend"] != .bool(true), o["status"]?["phase"]?.stringValue != "Stopped",
                   let next = Self.nextScheduledTime(o) {
                    fields.append(("NextScheduledTime:", next))
                }
                let active = (o["status"]?["active"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
                if !active.isEmpty { fields.append(("Active Workflows:", active.joined(separator: ", "))) }
                for key in ["succeeded", "failed"] {
                    if case .int(let n) = o["status"]?[key] { fields.append(("\(key.prefix(1).uppercased() + key.dropFirst()):", "\(n)")) }
                }
                for c in o["status"]?["conditions"]?.arrayValue ?? [] {
                    fields.append(("\(c["type"]?.stringValue ?? "Condition"):", c["message"]?.stringValue ?? ""))
                }
                spec = o["spec"]?["workflowSpec"]
            } else {
                spec = o["spec"]
            }
            if let e = spec?["entrypoint"]?.stringValue { fields.append(("Entrypoint:", e)) }
            let templates = (spec?["templates"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            if !templates.isEmpty { fields.append(("Templates:", templates.joined(separator: ", "))) }
            let params = (spec?["arguments"]?["parameters"]?.arrayValue ?? []).compactMap { p in
                p["name"]?.stringValue.map { ("  \($0):", p["value"]?.scalarText ?? "") }
            }
            print(WorkflowView.align(fields).joined(separator: "\n"))
            if !params.isEmpty {
                print("Parameters:")
                print(WorkflowView.align(params).joined(separator: "\n"))
            }
        }
    }
}

struct KindDelete<K: ManagedKind>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "delete", abstract: "Delete \(K.noun)s.")
    }

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "Their names.")
    var names: [String] = []

    @Flag(help: "All of them (in the namespace).")
    var all = false

    func validate() throws {
        if names.isEmpty == !all { throw ValidationError("give names, or --all") }
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            let resource = K.resource(c)
            let ns = resource.namespaced ? c.namespace : nil
            var targets = names
            if all {
                targets = try await c.call("listing \(K.noun)s", resource: resource, verb: "list") {
                    try await c.client.listAll(resource, namespace: ns).items
                }.compactMap(\.name)
            }
            for n in targets {
                try await c.call("\(K.noun) \(n)", resource: resource, name: n, verb: "delete") {
                    try await c.client.delete(resource, n, namespace: ns)
                }
                print("\(K.noun) \(n) deleted")
            }
        }
    }
}

struct KindLint<K: ManagedKind>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "lint", abstract: "Check \(K.noun) files, as `skein lint` does.")
    }

    @Argument(help: "Files or folders.")
    var paths: [String]

    func run() throws {
        let docs = try loadKind(K.self, paths)
        print("no problems found in \(docs.count) \(K.noun)\(docs.count == 1 ? "" : "s")")
    }
}

struct CronSuspend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "suspend", abstract: "Stop scheduling cron workflows.")
    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "Their names.") var names: [String]

    func run() async throws { try await CronSuspend.set(names, suspend: true, cluster: cluster) }

    static func set(_ names: [String], suspend: Bool, cluster: ClusterOptions) async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            for n in names {
                try await c.call("cron workflow \(n)", resource: c.kinds.cronWorkflows, name: n, verb: "patch") {
                    _ = try await c.client.patch(c.kinds.cronWorkflows, n, namespace: c.namespace, type: .merge,
                                                 ["spec": ["suspend": .bool(suspend)]])
                }
                print("cron workflow \(n) \(suspend ? "suspended" : "resumed")")
            }
        }
    }
}

struct CronResume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Schedule suspended cron workflows again.")
    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "Their names.") var names: [String]

    func run() async throws { try await CronSuspend.set(names, suspend: false, cluster: cluster) }
}
