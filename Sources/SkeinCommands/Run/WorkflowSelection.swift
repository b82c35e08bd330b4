import Foundation
import WorkflowModel

/// Picks the workflow to run from the documents given, and applies command-line overrides.
struct WorkflowSelection {
    var document: SourceDocument
    var templates: [SourceDocument]

    /// The first Workflow; else a lone WorkflowTemplate or CronWorkflow, run as a workflow.
    static func choose(_ docs: [SourceDocument]) throws(Diagnostics) -> WorkflowSelection {
        let templates = docs.filter { $0.kind == .workflowTemplate || $0.kind == .clusterWorkflowTemplate }
        // What runs is in the first file; the others bring templates and ConfigMaps: a
        // CronWorkflow given first runs even when a later file has a Workflow.
        let first = docs.first?.file
        let cronFirst = docs.first { $0.file == first && $0.kind == .cronWorkflow }
        if let wf = docs.first(where: { $0.kind == .workflow }), cronFirst == nil || wf.file == first {
            return WorkflowSelection(document: wf, templates: templates)
        }
        if let cron = cronFirst ?? docs.first(where: { $0.kind == .cronWorkflow }) {
            var d = cron
            d.kind = .workflow
            var meta = cron.raw["metadata"]?.objectValue ?? [:]
            // As the cron scheduler starts a run: the CronWorkflow's workflowMetadata, its name
            // as labels, and the time it was meant to start (now) for {{workflow.scheduledTime}}.
            var labels = cron.raw["spec"]?["workflowMetadata"]?["labels"]?.objectValue ?? [:]
            var annotations = cron.raw["spec"]?["workflowMetadata"]?["annotations"]?.objectValue ?? [:]
            if let n = meta["name"]?.stringValue {
                meta["generateName"] = .string(n + "-")
                meta["name"] = nil
                labels["workflows.argoproj.io/cron-workflow"] = .string(n)
                labels["workflows.skein.dev/cron-workflow"] = .string(n)
            }
            let now = Date().timeIntervalSince1970.rounded(.down)
            annotations["workflows.skein.dev/scheduled-time"] = .string(Timestamp(seconds: now).description)
            meta["labels"] = .object(labels)
            meta["annotations"] = .object(annotations)
            d.raw = .object(["apiVersion": .string(APIGroup.skein), "kind": "Workflow", "metadata": .object(meta),
                             "spec": cron.raw["spec"]?["workflowSpec"] ?? .object([:])])
            return WorkflowSelection(document: d, templates: templates)
        }
        if templates.count == 1, let t = templates.first {
            var d = t
            d.kind = .workflow
            var raw = t.raw.objectValue ?? [:]
            raw["kind"] = "Workflow"
            var meta = raw["metadata"]?.objectValue ?? [:]
            if let n = meta["name"]?.stringValue {
                meta["generateName"] = .string(n + "-")
                meta["name"] = nil
            }
            raw["metadata"] = .object(meta)
            d.raw = .object(raw)
            return WorkflowSelection(document: d, templates: templates)
        }
        let file = docs.first?.file ?? "(input)"
        throw Diagnostics([Diagnostic(SourceLocation(file: file), "no Workflow to run among the documents given",
                                      fix: "give a file with `kind: Workflow` (other files may hold the WorkflowTemplates it uses)")])
    }

    /// `-p name=value`, `--parameter-file`, `--entrypoint`, `--parallelism`, applied to the
    /// document itself so lint sees the values.
    mutating func override(parameters: [(String, String)], entrypoint: String?, parallelism: Int?) throws(Diagnostics) {
        guard case .object(var root) = document.raw, case .object(var spec) = root["spec"] ?? .object([:]) else { return }
        var args = spec["arguments"]?.objectValue ?? [:]
        var params = args["parameters"]?.arrayValue ?? []
        var problems: [Diagnostic] = []
        for (name, value) in parameters {
            if let i = params.firstIndex(where: { $0["name"]?.stringValue == name }) {
                var p = params[i].objectValue ?? [:]
                p["value"] = .string(value)
                params[i] = .object(p)
            } else if spec["workflowTemplateRef"] != nil {
                params.append(.object(["name": .string(name), "value": .string(value)]))
            } else {
                let declared = params.compactMap { $0["name"]?.stringValue }
                problems.append(Diagnostic(SourceLocation(file: document.file, path: FieldPath([.key("spec"), .key("arguments"), .key("parameters")])),
                                           "-p \(name): the workflow declares no parameter '\(name)'",
                                           fix: declared.isEmpty ? "declare it under spec.arguments.parameters" : "declared: \(declared.joined(separator: ", "))"))
            }
        }
        if !problems.isEmpty { throw Diagnostics(problems) }
        if !params.isEmpty {
            args["parameters"] = .array(params)
            spec["arguments"] = .object(args)
        }
        if let entrypoint { spec["entrypoint"] = .string(entrypoint) }
        if let parallelism { spec["parallelism"] = .int(parallelism) }
        root["spec"] = .object(spec)
        document.raw = .object(root)
    }

    /// `name=value` pairs from a YAML or JSON map file.
    static func parameterFile(_ path: String) throws(Diagnostics) -> [(String, String)] {
        let docs: [YAMLDocument]
        do throws(Diagnostic) {
            docs = try YAMLLoader.load(try DocumentLoader.readText(path), file: path)
        } catch {
            throw Diagnostics([error])
        }
        guard let first = docs.first, case .object(let map) = first.value else {
            throw Diagnostics([Diagnostic(SourceLocation(file: path), "a parameter file is a map of parameter names to values",
                                          fix: "write lines like `message: hello`")])
        }
        return map.keys.sorted().map { k in (k, map[k]!.scalarText ?? map[k]!.compactJSON) }
    }
}
