import ArgumentParser
import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import WorkflowEngine
import WorkflowModel

/// Which nodes a retry runs again, and the status it starts from (pure).
enum RetryPlan {
    static let leafTypes: Set<NodeType> = [.pod, .container, .suspend, .skipped, .http, .plugin]

    /// The status to write and the nodes removed from it. Failed steps (and steps that did
    /// not run because of them) are removed so the controller runs them again; the steps and
    /// DAGs above them are Running again; with `restartSuccessful`, succeeded steps that
    /// `selector` matches are run again too, with the nodes under them.
    static func plan(_ status: WorkflowStatus, workflow: String, restartSuccessful: Bool,
                     selector: NodeFieldSelector?) -> (status: WorkflowStatus, removed: Set<String>) {
        var nodes = status.nodes ?? [:]
        var removed: Set<String> = []
        var parent: [String: String] = [:]
        for n in nodes.values { for c in n.children ?? [] where parent[c] == nil { parent[c] = n.id } }
        func removeTree(_ id: String) {
            guard removed.insert(id).inserted, let n = nodes[id] else { return }
            for c in n.children ?? [] { removeTree(c) }
        }
        for n in nodes.values {
            if n.name.hasSuffix(".onExit") {
                removeTree(n.id)   // the exit handler runs again at the end
            } else if leafTypes.contains(n.type), n.phase != .succeeded, n.phase != .skipped {
                removeTree(n.id)
            } else if restartSuccessful, let selector, n.phase == .succeeded, n.id != workflow, selector.matches(n) {
                removeTree(n.id)
            }
        }
        // Everything above a removed node runs again.
        var reopened: Set<String> = []
        for id in removed {
            var p = parent[id] ?? nodes[id]?.boundaryID
            var guardCount = 0
            while let pid = p, !removed.contains(pid), guardCount < 10_000 {
                // A step a removed one depended on (a DAG task lists its dependents as
                // children) stays as it is; the steps, DAG and groups above run again.
                if let t = nodes[pid]?.type, !leafTypes.contains(t) { reopened.insert(pid) }
                p = parent[pid] ?? nodes[pid]?.boundaryID
                guardCount += 1
            }
        }
        for n in nodes.values where !leafTypes.contains(n.type) && n.phase.isFailure && !removed.contains(n.id) {
            reopened.insert(n.id)
        }
        for id in removed { nodes[id] = nil }
        for id in nodes.keys {
            guard var n = nodes[id] else { continue }
            if let c = n.children { n.children = c.filter { !removed.contains($0) } }
            if let o = n.outboundNodes { n.outboundNodes = o.filter { !removed.contains($0) } }
            if reopened.contains(id) {
                n.phase = .running
                n.finishedAt = nil
                n.message = nil
                n.outputs = nil
            }
            nodes[id] = n
        }
        var s = status
        s.nodes = nodes
        s.compressedNodes = nil
        s.phase = .running
        s.finishedAt = nil
        s.message = nil
        s.outputs = nil
        s.conditions = nil
        s.progress = nil
        return (s, removed)
    }
}

struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Run a failed workflow's failed steps again, keeping what succeeded.",
        discussion: """
            The failed steps' pods are deleted and the workflow runs on from where it \
            failed: succeeded steps keep their outputs. --restart-successful with \
            --node-field-selector runs the matching succeeded steps (and those under them) again too.
            """)

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The workflow (or @latest).")
    var workflow: String

    @Flag(help: "Also run again the succeeded steps --node-field-selector matches.")
    var restartSuccessful = false

    @Option(help: "The succeeded steps to run again, like displayName=build (with --restart-successful).")
    var nodeFieldSelector: String?

    @Flag(name: .customLong("wait"), help: "Wait until the workflow completes again.")
    var waitForIt = false

    func validate() throws {
        if let s = nodeFieldSelector {
            do { _ = try NodeFieldSelector(s) } catch { throw ValidationError(error.description) }
        }
        if restartSuccessful && nodeFieldSelector == nil {
            throw ValidationError("--restart-successful needs --node-field-selector to say which steps")
        }
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            var object = try NodeCompressionView.expanded(try await c.workflowObject(workflow))
            let name = object.name ?? workflow
            let phase = WorkflowRows.phase(object)
            guard phase == "Failed" || phase == "Error" else {
                throw CLIFailure("workflow \(name) is \(phase): only Failed or Error workflows can be retried",
                                 fix: phase == "Succeeded" ? "`skein resubmit \(name)` runs it again" : "wait for it: `skein wait \(name)`")
            }
            let selector = try nodeFieldSelector.map { try NodeFieldSelector($0) }
            var plan = RetryPlan.plan(try Cluster.decode(object).status ?? WorkflowStatus(), workflow: name,
                                      restartSuccessful: restartSuccessful, selector: selector)
            // The removed steps' pods and results go first: the new attempts reuse their names.
            let pods = try await c.call("listing the pods of \(name)", resource: .pods, verb: "list") {
                try await c.client.listAll(.pods, namespace: c.namespace,
                                           options: ListOptions(labelSelector: "\(c.kinds.workflowLabel)=\(name)")).items
            }
            var doomed: [String] = []
            for p in pods {
                guard let nid = p.annotations[c.kinds.nodeIDAnnotation], plan.removed.contains(nid), let pn = p.name else { continue }
                doomed.append(pn)
                _ = try? await c.client.delete(.pods, pn, namespace: c.namespace, options: DeleteOptions(gracePeriodSeconds: 0))
            }
            for nid in plan.removed {
                _ = try? await c.client.delete(c.kinds.taskResults, nid, namespace: c.namespace)
            }
            let deadline = Date().addingTimeInterval(60)
            for pn in doomed {
                while Date() < deadline, (try? await c.client.get(.pods, pn, namespace: c.namespace)) != nil {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            // The status to start from, then the token that makes the controller read it.
            // Conditional on the version read: if the controller wrote meanwhile, read and plan again.
            for attempt in 1...5 {
                object.set(path: ["status"], to: try JSONValueEncoding.encode(plan.status))
                do {
                    _ = try await c.client.updateStatus(c.workflows, object, namespace: c.namespace)
                    break
                } catch KubeError.conflict where attempt < 5 {
                    object = try NodeCompressionView.expanded(try await c.workflowObject(name))
                    plan = RetryPlan.plan(try Cluster.decode(object).status ?? WorkflowStatus(), workflow: name,
                                          restartSuccessful: restartSuccessful, selector: selector)
                } catch let e as KubeError {
                    throw await c.explain(e, what: "workflow \(name)", resource: c.workflows, name: name, verb: "update",
                                          namespace: c.namespace)
                }
            }
            let patch: JSONValue = ["spec": ["shutdown": .null, "suspend": .null],
                                    "metadata": ["annotations": [c.kinds.retryAnnotation: .string(UUID().uuidString.lowercased())]]]
            _ = try await c.call("workflow \(name)", resource: c.workflows, name: name, verb: "patch") {
                try await c.client.patch(c.workflows, name, namespace: c.namespace, type: .merge, patch)
            }
            print("workflow \(name) retried: \(plan.removed.count) step\(plan.removed.count == 1 ? "" : "s") to run again")
            if waitForIt { try await WorkflowFollower(cluster: c, name: name).waitForOutcome() }
        }
    }
}

struct ResubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resubmit",
        abstract: "Submit a new workflow with the same spec as an earlier one.",
        discussion: "With --memoized, the new workflow reuses the steps that succeeded (and their outputs) instead of running them again.")

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The workflow (or @latest).")
    var workflow: String

    @Flag(help: "Keep the steps that succeeded in the earlier run.")
    var memoized = false

    @Option(name: [.short, .customLong("parameter")], help: "Change a parameter (repeatable): -p name=value.")
    var parameters: [String] = []

    @Option(name: [.short, .customLong("output")], help: "Print the new workflow: json, yaml, wide or name.")
    var output: ObjectOutput?

    @Flag(name: .customLong("wait"), help: "Wait until the new workflow completes.")
    var waitForIt = false

    func validate() throws {
        for p in parameters where !p.contains("=") { throw ValidationError("-p \(p): write -p name=value") }
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            let old = try NodeCompressionView.expanded(try await c.workflowObject(workflow))
            let oldName = old.name ?? workflow
            if memoized && !WorkflowFollower.completed(old) {
                throw CLIFailure("workflow \(oldName) is still running: --memoized reuses the steps of a completed run",
                                 fix: "wait for it (`skein wait \(oldName)`), or resubmit without --memoized")
            }
            var labels = old["metadata"]?["labels"]?.objectValue ?? [:]
            labels = labels.filter { !$0.key.hasSuffix("/completed") && !$0.key.hasSuffix("/phase") }
            labels[c.kinds.resubmittedFromLabel] = .string(oldName)
            var spec = old["spec"]?.objectValue ?? [:]
            spec["shutdown"] = nil
            spec["suspend"] = memoized ? true : nil
            var params = spec["arguments"]?["parameters"]?.arrayValue ?? []
            for p in parameters {
                let kv = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                guard let i = params.firstIndex(where: { $0["name"]?.stringValue == kv[0] }) else {
                    throw CLIFailure("-p \(kv[0]): workflow \(oldName) has no parameter '\(kv[0])'", code: 2)
                }
                params[i].set(path: ["value"], to: .string(kv.count > 1 ? kv[1] : ""))
            }
            if !params.isEmpty { spec["arguments"] = ["parameters": .array(params)] }
            let prefix = Self.basePrefix(old)
            let fresh: JSONValue = ["apiVersion": .string("\(c.kinds.group)/v1alpha1"), "kind": "Workflow",
                                    "metadata": ["generateName": .string(prefix), "labels": .object(labels)],
                                    "spec": .object(spec)]
            var created = try await c.call("the resubmitted workflow", resource: c.workflows, verb: "create") {
                try await c.client.create(c.workflows, fresh, namespace: c.namespace)
            }
            let newName = created.name ?? ""
            if memoized {
                let reused = try await memoize(old: old, new: &created, cluster: c)
                Terminal.printError("reusing \(reused) succeeded step\(reused == 1 ? "" : "s") of \(oldName)")
            }
            switch output {
            case .json, .yaml: print(output!.render([created], list: false)!)
            case .name: print(newName)
            case .wide, nil: print("workflow \(newName) submitted (resubmitted from \(oldName))")
            }
            if waitForIt { try await WorkflowFollower(cluster: c, name: newName).waitForOutcome() }
        }
    }

    /// `hello-x7k2p` was made from `hello-`: resubmit with the same prefix.
    static func basePrefix(_ o: JSONValue) -> String {
        if let g = o["metadata"]?["generateName"]?.stringValue, !g.isEmpty { return g }
        return (o.name ?? "workflow") + "-"
    }

    /// The earlier run's succeeded steps, renamed for the new workflow, as its starting status;
    /// then the new workflow is released (it was created suspended so it waits for this).
    func memoize(old: JSONValue, new created: inout JSONValue, cluster c: Cluster) async throws -> Int {
        let oldName = old.name ?? ""
        let newName = created.name ?? ""
        let oldStatus = try Cluster.decode(old).status ?? WorkflowStatus()
        var nodes: [String: NodeStatus] = [:]
        for n in (oldStatus.nodes ?? [:]).values where n.phase == .succeeded && RetryPlan.leafTypes.contains(n.type) && n.type != .suspend {
            var m = n
            if m.name.hasPrefix(oldName) { m.name = newName + m.name.dropFirst(oldName.count) }
            m.id = NodeNaming.nodeID(workflow: newName, nodeName: m.name)
            m.boundaryID = m.boundaryID.map { $0 == oldName ? newName : $0 }
            m.children = nil
            m.message = "memoized from \(oldName)"
            nodes[m.id] = m
        }
        var status = WorkflowStatus()
        status.phase = .running
        status.startedAt = Timestamp(seconds: Date().timeIntervalSince1970.rounded(.down))
        status.nodes = nodes
        for attempt in 0..<5 {
            created.set(path: ["status"], to: try JSONValueEncoding.encode(status))
            do {
                created = try await c.client.updateStatus(c.workflows, created, namespace: c.namespace)
                break
            } catch KubeError.conflict where attempt < 4 {
                created = try await c.client.get(c.workflows, newName, namespace: c.namespace)
            } catch let e as KubeError {
                throw await c.explain(e, what: "workflow \(newName)", resource: c.workflows, name: newName, verb: "update", namespace: c.namespace)
            }
        }
        let patch: JSONValue = ["spec": ["suspend": .null],
                                "metadata": ["annotations": [c.kinds.retryAnnotation: .string(UUID().uuidString.lowercased())]]]
        created = try await c.call("workflow \(newName)", resource: c.workflows, name: newName, verb: "patch") {
            try await c.client.patch(c.workflows, newName, namespace: c.namespace, type: .merge, patch)
        }
        return nodes.count
    }
}
