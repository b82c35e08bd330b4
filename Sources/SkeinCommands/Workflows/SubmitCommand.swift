import ArgumentParser
import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import WorkflowModel

struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit workflows to the cluster.",
        discussion: """
            Each Workflow in the files is checked (as `skein lint` does, with the templates it \
            references read from the cluster) and created. Files that still say \
            apiVersion: argoproj.io/v1alpha1 are converted. With --watch, --wait or --log the \
            exit code is 0 when the workflow Succeeded and 1 otherwise; invalid input exits 2.
            """
    )

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "Files (or directories) holding Workflows.")
    var files: [String] = []

    @Option(help: "Submit from a template on the cluster: workflowtemplate/NAME, clusterworkflowtemplate/NAME or cronworkflow/NAME.")
    var from: String?

    @Option(name: [.short, .customLong("parameter")], help: "Set a workflow parameter (repeatable): -p name=value.")
    var parameters: [String] = []

    @Option(name: .customLong("parameter-file"), help: "A YAML or JSON file of parameter values (name: value).")
    var parameterFile: String?

    @Option(help: "Run this template instead of spec.entrypoint.")
    var entrypoint: String?

    @Option(help: "Name the workflow with this prefix and a random suffix.")
    var generateName: String?

    @Option(help: "Name the workflow.")
    var name: String?

    @Option(name: [.short, .customLong("labels")], help: "Add labels: -l key=value,key2=value2.")
    var labels: String?

    @Option(name: .customLong("serviceaccount"), help: "Run the steps' pods as this service account.")
    var serviceAccount: String?

    @Flag(help: "Show the workflow's progress until it completes.")
    var watch = false

    @Flag(help: "Wait until the workflow completes and print how it ended.")
    var wait = false

    @Flag(help: "Stream the steps' logs until the workflow completes.")
    var log = false

    @Flag(help: "Print the workflow that would be submitted; submit nothing.")
    var dryRun = false

    @Flag(help: "Send the workflow to the API server to check and default, without creating it.")
    var serverDryRun = false

    @Option(name: [.short, .customLong("output")], help: "Print the submitted workflow: json, yaml, wide or name.")
    var output: ObjectOutput?

    func validate() throws {
        if files.isEmpty && from == nil { throw ValidationError("give a workflow file, or --from KIND/NAME") }
        if !files.isEmpty && from != nil { throw ValidationError("give either files or --from, not both") }
        if name != nil && generateName != nil { throw ValidationError("give either --name or --generate-name, not both") }
        if [watch, wait, log].filter({ $0 }).count > 1 { throw ValidationError("give one of --watch, --wait and --log") }
        if dryRun && serverDryRun { throw ValidationError("give either --dry-run or --server-dry-run, not both") }
        for p in parameters where !p.contains("=") { throw ValidationError("-p \(p): write -p name=value") }
        if let l = labels { _ = try Self.parseLabels(l) }
        if let f = from {
            let parts = f.split(separator: "/", maxSplits: 1)
            guard parts.count == 2, Self.fromKinds[String(parts[0]).lowercased()] != nil else {
                throw ValidationError("--from \(f): write workflowtemplate/NAME, clusterworkflowtemplate/NAME or cronworkflow/NAME")
            }
        }
    }

    static let fromKinds: [String: SourceDocument.Kind] = [
        "workflowtemplate": .workflowTemplate, "wftmpl": .workflowTemplate, "clusterworkflowtemplate": .clusterWorkflowTemplate,
        "cwftmpl": .clusterWorkflowTemplate, "cronworkflow": .cronWorkflow, "cronwf": .cronWorkflow, "cwf": .cronWorkflow,
    ]

    static func parseLabels(_ text: String) throws(ValidationError) -> [(String, String)] {
        var out: [(String, String)] = []
        for item in text.split(separator: ",") {
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard kv.count == 2, !kv[0].isEmpty else { throw ValidationError("-l \(item): write key=value") }
            out.append((String(kv[0]), String(kv[1])))
        }
        return out
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            let prepared = try await prepare(c)
            var created: [JSONValue] = []
            for object in prepared {
                if dryRun {
                    created.append(object)
                    continue
                }
                let what = object.name ?? object["metadata"]?["generateName"]?.stringValue ?? "the workflow"
                created.append(try await c.call("workflow \(what)", resource: c.workflows, name: object.name, verb: "create") {
                    try await c.client.create(c.workflows, object, namespace: c.namespace, dryRun: serverDryRun)
                })
            }
            try report(created, cluster: c)
            if dryRun || serverDryRun || !(watch || wait || log) { return }
            var failed = false
            for object in created {
                guard let n = object.name else { continue }
                let final = try await follow(n, cluster: c)
                if WorkflowRows.phase(final) != "Succeeded" { failed = true }
            }
            if failed { throw ExitCode(1) }
        }
    }

    func report(_ objects: [JSONValue], cluster c: Cluster) throws {
        switch output {
        case .json, .yaml:
            print(output!.render(objects, list: objects.count > 1)!)
        case .name:
            for o in objects { print(o.name ?? o["metadata"]?["generateName"]?.stringValue ?? "") }
        case .wide, nil:
            // The header `skein get` shows; --watch shows it anyway.
            if watch && !dryRun && !serverDryRun { return }
            for (i, o) in objects.enumerated() {
                if i > 0 { print("") }
                if dryRun || serverDryRun {
                    print(o.yamlText(), terminator: "")
                } else {
                    print(WorkflowView.header(try Cluster.decode(o), object: o, now: WorkflowView.now()).joined(separator: "\n"))
                }
            }
        }
    }

    /// --watch, --wait or --log until the workflow completes; returns it.
    func follow(_ name: String, cluster c: Cluster) async throws -> JSONValue {
        let follower = WorkflowFollower(cluster: c, name: name)
        if watch {
            let view = LiveView()
            let final = try await follower.run { try view.show($0) }
            try view.finish(final)
            return final
        }
        if log {
            let logs = WorkflowLogs(cluster: c, workflow: name, only: nil, options: LogOptions(container: "main"), grep: nil, prefix: true)
            try await logs.followAll(name: name)
        }
        let final = try await follower.run { _ in }
        WaitCommand.printOutcome(final)
        return final
    }

    /// The workflows to create: from the files (overridden, converted, linted) or --from.
    func prepare(_ c: Cluster) async throws -> [JSONValue] {
        var docs: [SourceDocument]
        var templates: [SourceDocument] = []
        do {
            if let from {
                docs = [try await fromTemplate(from, cluster: c)]
            } else {
                let all = try InputFiles.load(files)
                docs = all.filter { $0.kind == .workflow }
                templates = all.filter { $0.kind == .workflowTemplate || $0.kind == .clusterWorkflowTemplate }
                if docs.isEmpty {
                    throw Diagnostics([Diagnostic(SourceLocation(file: files.joined(separator: ", ")), "no Workflow to submit in the files given",
                                                  fix: "templates and cron workflows are created with `skein template create`, `skein cluster-template create` and `skein cron create`")])
                }
            }
            if name != nil && docs.count > 1 {
                throw Diagnostics([Diagnostic(SourceLocation(file: files.joined(separator: ", ")),
                                              "--name names one workflow, but there are \(docs.count)", fix: "use --generate-name, or submit them one by one")])
            }
            var params: [(String, String)] = []
            if let f = parameterFile { params += try WorkflowSelection.parameterFile(f) }
            for p in parameters {
                let parts = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                params.append((String(parts[0]), parts.count > 1 ? String(parts[1]) : ""))
            }
            var out: [JSONValue] = []
            for doc in docs {
                var selection = WorkflowSelection(document: doc, templates: templates)
                try selection.override(parameters: params, entrypoint: entrypoint, parallelism: nil)
                var d = selection.document
                d.raw = customize(d.raw, group: c.kinds.group)
                let fetched = try await referencedTemplates(d.raw, cluster: c)
                let problems = Linter.lint([d] + templates + fetched)
                    .filter { p in !fetched.contains { $0.file == p.location.file } }
                if !problems.isEmpty { throw Diagnostics(problems) }
                let ignored = IgnoredFields.warnings([d] + templates, runtime: .cluster)
                if !ignored.isEmpty { Terminal.printDiagnostics(ignored, warning: true) }
                out.append(d.raw)
            }
            return out
        } catch let d as Diagnostics {
            Terminal.printDiagnostics(d.items)
            throw ExitCode(2)
        }
    }

    /// The command line's changes: names, labels, service account, our apiVersion.
    func customize(_ raw: JSONValue, group: String) -> JSONValue {
        var o = raw
        o.set(path: ["apiVersion"], to: .string("\(group)/v1alpha1"))
        o.set(path: ["kind"], to: "Workflow")
        if let name {
            o.setMetadata("name", .string(name))
            o.setMetadata("generateName", nil)
        } else if let generateName {
            o.setMetadata("generateName", .string(generateName))
            o.setMetadata("name", nil)
        }
        if let l = labels, let pairs = try? Self.parseLabels(l) {
            var map = o["metadata"]?["labels"]?.objectValue ?? [:]
            for (k, v) in pairs { map[k] = .string(v) }
            o.setMetadata("labels", .object(map))
        }
        if let serviceAccount { o.set(path: ["spec", "serviceAccountName"], to: .string(serviceAccount)) }
        o.setMetadata("namespace", nil)
        o.setMetadata("resourceVersion", nil)
        o.setMetadata("uid", nil)
        o.setMetadata("creationTimestamp", nil)
        o.set(path: ["status"], to: nil)
        return o
    }

    /// `--from KIND/NAME`: a workflow that runs the template (workflowTemplateRef), or the
    /// cron workflow's workflowSpec.
    func fromTemplate(_ text: String, cluster c: Cluster) async throws -> SourceDocument {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        let kind = Self.fromKinds[parts[0].lowercased()]!
        let name = parts[1]
        let group = c.kinds.group
        var labels: [String: JSONValue] = [:]
        var spec: JSONValue
        switch kind {
        case .cronWorkflow:
            let cron = try await c.call("cron workflow \(name)", resource: c.kinds.cronWorkflows, name: name, verb: "get") {
                try await c.client.get(c.kinds.cronWorkflows, name, namespace: c.namespace)
            }
            spec = cron["spec"]?["workflowSpec"] ?? [:]
            for g in Set([group, "argoproj.io"]) { labels["workflows.\(g)/cron-workflow"] = .string(name) }
        case .clusterWorkflowTemplate:
            _ = try await c.call("cluster workflow template \(name)", resource: c.kinds.clusterWorkflowTemplates, name: name, verb: "get") {
                try await c.client.get(c.kinds.clusterWorkflowTemplates, name)
            }
            spec = ["workflowTemplateRef": ["name": .string(name), "clusterScope": true]]
            for g in Set([group, "argoproj.io"]) { labels["workflows.\(g)/cluster-workflow-template"] = .string(name) }
        default:
            _ = try await c.call("workflow template \(name)", resource: c.kinds.workflowTemplates, name: name, verb: "get") {
                try await c.client.get(c.kinds.workflowTemplates, name, namespace: c.namespace)
            }
            spec = ["workflowTemplateRef": ["name": .string(name)]]
            for g in Set([group, "argoproj.io"]) { labels["workflows.\(g)/workflow-template"] = .string(name) }
        }
        let object: JSONValue = ["apiVersion": .string("\(group)/v1alpha1"), "kind": "Workflow",
                                 "metadata": ["generateName": .string(name + "-"), "labels": .object(labels)], "spec": spec]
        return SourceDocument(object: object, file: text, kind: .workflow)
    }

    /// The templates a workflow references, read from the cluster, for lint.
    func referencedTemplates(_ object: JSONValue, cluster c: Cluster) async throws -> [SourceDocument] {
        var fetched: [TemplateReference: JSONValue] = [:]
        var pending = Array(TemplateReference.all(in: object["spec"]))
        while let ref = pending.popLast(), fetched.count < 200 {
            if fetched[ref] != nil { continue }
            let resource = ref.cluster ? c.kinds.clusterWorkflowTemplates : c.kinds.workflowTemplates
            let found: JSONValue
            do {
                found = try await c.client.get(resource, ref.name, namespace: ref.cluster ? nil : c.namespace)
            } catch KubeError.notFound(let s) where s.details?["name"] != nil {
                continue   // lint reports the missing template, with its location
            } catch let e as KubeError {
                throw await c.explain(e, what: "template \(ref.name)", resource: resource, name: ref.name, verb: "get", namespace: c.namespace)
            }
            fetched[ref] = found
            pending += TemplateReference.all(in: found["spec"]).filter { fetched[$0] == nil }
        }
        return fetched.sorted { $0.key.name < $1.key.name }.map { ref, t in
            SourceDocument(object: t, file: "\(ref.cluster ? "clusterworkflowtemplate" : "workflowtemplate")/\(ref.name) (cluster)",
                           kind: ref.cluster ? .clusterWorkflowTemplate : .workflowTemplate)
        }
    }
}
