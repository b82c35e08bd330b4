import Controller
import Foundation
import KubeAPI
import KubeClient
import LocalRunner
import SkeinJSON
import WorkflowModel

/// Reading workflows from the cluster, as the commands need them.
extension Cluster {
    /// `NAME`, or `@latest`: the newest workflow of the namespace.
    func workflowObject(_ name: String) async throws -> JSONValue {
        if name == "@latest" {
            let all = try await call("listing workflows", resource: workflows, verb: "list") {
                try await client.listAll(workflows, namespace: namespace).items
            }
            guard let newest = all.max(by: { WorkflowRows.created($0) < WorkflowRows.created($1) }) else {
                throw CLIFailure("@latest: there are no workflows in namespace \(namespace)", fix: "submit one with `skein submit FILE`")
            }
            return newest
        }
        return try await call("workflow \(name)", resource: workflows, name: name, verb: "get") {
            try await client.get(workflows, name, namespace: namespace)
        }
    }

    /// The typed workflow, with compressed nodes put back.
    static func decode(_ object: JSONValue) throws -> Workflow {
        let expanded: JSONValue
        do {
            expanded = try NodeCompression.expand(object)
        } catch {
            throw CLIFailure("workflow \(object.name ?? ""): \(error)")
        }
        do {
            return try JSONValueDecoder().decode(Workflow.self, from: expanded)
        } catch {
            throw CLIFailure("workflow \(object.name ?? "") cannot be read: \(error)")
        }
    }
}

/// The `skein get` view: a header, then the tree of nodes.
enum WorkflowView {
    static func now() -> Timestamp { Timestamp(seconds: Date().timeIntervalSince1970) }

    static func render(_ wf: Workflow, object: JSONValue, now: Timestamp, color: Bool,
                       include: ((NodeStatus) -> Bool)? = nil) -> String {
        var lines = header(wf, object: object, now: now)
        let rows = StatusTree.rows(wf, now: now, include: include)
        if !rows.isEmpty {
            lines.append("")
            lines += StatusTree.render(rows, color: color)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func header(_ wf: Workflow, object: JSONValue, now: Timestamp) -> [String] {
        var fields: [(String, String)] = []
        let status = wf.status
        fields.append(("Name:", wf.metadata.name ?? ""))
        fields.append(("Namespace:", wf.metadata.namespace ?? ""))
        fields.append(("ServiceAccount:", wf.spec.serviceAccountName ?? "unset (the namespace's default service account)"))
        fields.append(("Status:", WorkflowRows.status(object)))
        if let m = status?.message, !m.isEmpty { fields.append(("Message:", m)) }
        let conditions = (status?.conditions ?? []).compactMap { c -> String? in
            guard let t = c["type"]?.stringValue else { return nil }
            return " \(t)\(String(repeating: " ", count: max(1, 18 - t.count)))\(c["status"]?.stringValue ?? "")"
        }
        if !conditions.isEmpty { fields.append(("Conditions:", "")) }
        var lines = align(fields)
        lines += conditions
        var times: [(String, String)] = []
        if let c = object["metadata"]?["creationTimestamp"]?.stringValue, let t = Timestamp(rfc3339: c) {
            times.append(("Created:", "\(t) (\(ago(t, now: now)))"))
        }
        if let s = status?.startedAt { times.append(("Started:", "\(s) (\(ago(s, now: now)))")) }
        if let f = status?.finishedAt { times.append(("Finished:", "\(f) (\(ago(f, now: now)))")) }
        if let s = status?.startedAt {
            times.append(("Duration:", StatusTree.formatDuration((status?.finishedAt ?? now).seconds - s.seconds)))
        }
        if let p = status?.progress { times.append(("Progress:", p)) }
        lines += align(times)
        let params = wf.spec.arguments?.parameters ?? []
        if !params.isEmpty {
            lines.append("Parameters:")
            lines += align(params.map { ("  \($0.name):", $0.value?.value ?? $0.default?.value ?? "") })
        }
        if let out = status?.outputs?.parameters, !out.isEmpty {
            lines.append("Outputs:")
            lines += align(out.map { ("  \($0.name):", $0.value?.value ?? "") })
        }
        return lines
    }

    static func align(_ fields: [(String, String)]) -> [String] {
        fields.map { k, v in
            v.isEmpty ? k : k + String(repeating: " ", count: max(1, 21 - k.count)) + v
        }
    }

    /// `5s ago`, `3m ago`.
    static func ago(_ t: Timestamp, now: Timestamp) -> String {
        "\(WorkflowRows.age(now.seconds - t.seconds)) ago"
    }
}

/// The columns of `skein list`.
enum WorkflowRows {
    static func created(_ o: JSONValue) -> Double {
        o["metadata"]?["creationTimestamp"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }?.seconds ?? 0
    }

    static func phase(_ o: JSONValue) -> String {
        o["status"]?["phase"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "Pending"
    }

    /// Succeeded, Failed or Error: the model's own notion of a completed workflow.
    static func isCompleted(_ phase: String) -> Bool { WorkflowPhase(rawValue: phase)?.isCompleted == true }

    /// The phase, with `(Suspended)`, `(Stopping)` or `(Terminating)` while that applies.
    static func status(_ o: JSONValue) -> String {
        let p = phase(o)
        guard !isCompleted(p) else { return p }
        if let s = o["spec"]?["shutdown"]?.stringValue, !s.isEmpty { return "\(p) (\(s == "Stop" ? "Stopping" : "Terminating"))" }
        if o["spec"]?["suspend"] == .bool(true) { return "\(p) (Suspended)" }
        return p
    }

    /// kubectl's age: `45s`, `12m`, `3h`, `5d`.
    static func age(_ seconds: Double) -> String {
        let s = max(0, Int(seconds))
        if s < 120 { return "\(s)s" }
        if s < 3600 * 2 { return "\(s / 60)m" }
        if s < 86400 * 2 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }

    static func duration(_ o: JSONValue, now: Double) -> String {
        guard let s = o["status"]?["startedAt"]?.stringValue.flatMap({ Timestamp(rfc3339: $0) }) else { return "" }
        let end = o["status"]?["finishedAt"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }?.seconds ?? now
        return StatusTree.formatDuration(end - s.seconds)
    }

    /// Left-aligned columns separated by three spaces, as kubectl prints them.
    static func table(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = [Int](repeating: 0, count: first.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        var out = ""
        for r in rows {
            var line = ""
            for (i, c) in r.enumerated() {
                line += c
                if i < r.count - 1 { line += String(repeating: " ", count: widths[i] - c.count + 3) }
            }
            while line.last == " " { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
