public import WorkflowModel
import WorkflowEngine

/// The tree of a workflow's nodes as `skein get` and `skein run` show it: one row per node
/// with its template, pod name, duration and message.
public struct StatusTree {
    public struct Row: Sendable, Hashable {
        public var prefix: String
        public var symbol: String
        public var name: String
        public var template: String
        public var podName: String
        public var duration: String
        public var message: String
        public var phase: NodePhase
        /// The node's id (empty for the header).
        public var id: String = ""
    }

    public static func symbol(_ n: NodeStatus) -> String {
        switch n.phase {
        case .succeeded: return "✔"
        case .failed: return "✖"
        case .error: return "⚠"
        case .skipped, .omitted: return "○"
        case .pending: return "◷"
        case .running: return n.type == .suspend ? "ǁ" : "●"
        }
    }

    /// Rows in display order; `now` gives running nodes their duration so far.
    /// `include`, when given, keeps only the nodes it accepts and those above them (the
    /// workflow's own row always shows).
    public static func rows(_ wf: Workflow, now: Timestamp, include: ((NodeStatus) -> Bool)? = nil) -> [Row] {
        guard let nodes = wf.status?.nodes, let name = wf.metadata.name else { return [] }
        var kids: [String: [String]] = [:]
        var statusParent: [String: String] = [:]
        for n in nodes.values {
            for c in n.children ?? [] where statusParent[c] == nil { statusParent[c] = n.id }
        }
        for n in nodes.values where n.id != name {
            var parent = statusParent[n.id]
            if let b = n.boundaryID, let bn = nodes[b], bn.type == .dag {
                let spType = parent.flatMap { nodes[$0] }?.type
                if ![NodeType.taskGroup, .retry, .stepGroup].contains(where: { $0 == spType }) { parent = b }
            }
            if n.name.hasSuffix(".onExit") || n.name.contains(".hooks.") {
                parent = parent ?? n.boundaryID ?? name
            }
            kids[parent ?? name, default: []].append(n.id)
        }
        // Start times have whole seconds: within one, a node comes after the node it
        // depends on (its status parent: a DAG task lists its dependents as children).
        var generation: [String: Int] = [:]
        func gen(_ id: String, depth: Int = 0) -> Int {
            if let g = generation[id] { return g }
            guard depth < 10_000, let p = statusParent[id] else { return 0 }
            generation[id] = 0
            let g = gen(p, depth: depth + 1) + 1
            generation[id] = g
            return g
        }
        // The children of a group, a loop or a retry keep their order (steps as written, items,
        // attempts): their pods may start in either order, across a second's boundary.
        var position: [String: (parent: String, index: Int)] = [:]
        for n in nodes.values where [NodeType.stepGroup, .taskGroup, .retry].contains(n.type) {
            for (i, c) in (n.children ?? []).enumerated() where position[c] == nil { position[c] = (n.id, i) }
        }
        for k in kids.keys {
            kids[k]?.sort { a, b in
                if let pa = position[a], let pb = position[b], pa.parent == pb.parent { return pa.index < pb.index }
                let na = nodes[a], nb = nodes[b]
                return (na?.startedAt?.seconds ?? 0, gen(a), na?.name ?? "") < (nb?.startedAt?.seconds ?? 0, gen(b), nb?.name ?? "")
            }
        }
        var rows: [Row] = []
        var visited: Set<String> = []
        var shown: [String: Bool] = [:]
        func shows(_ id: String, depth: Int = 0) -> Bool {
            guard let include else { return true }
            if let s = shown[id] { return s }
            guard let n = nodes[id], depth < 10_000 else { return false }
            shown[id] = false
            let s = include(n) || (kids[id] ?? []).contains { shows($0, depth: depth + 1) }
            shown[id] = s
            return s
        }
        func visit(_ id: String, prefix: String, childPrefix: String) {
            guard let n = nodes[id], visited.insert(id).inserted else { return }
            let isPod = n.type == .pod
            rows.append(Row(prefix: prefix, symbol: symbol(n), name: n.displayName, template: n.ranTemplate ?? "",
                            podName: isPod ? NodeNaming.podName(workflow: name, nodeName: n.name, templateName: n.ranTemplate) : "",
                            duration: isPod || id == name ? duration(n, now: now) : "", message: n.message ?? "", phase: n.phase, id: n.id))
            let children = (kids[id] ?? []).filter { shows($0) }
            for (i, c) in children.enumerated() {
                let last = i == children.count - 1
                visit(c, prefix: childPrefix + (last ? "└─" : "├─"), childPrefix: childPrefix + (last ? "  " : "│ "))
            }
        }
        visit(name, prefix: "", childPrefix: "")
        for id in nodes.keys.sorted() where !visited.contains(id) && shows(id) { visit(id, prefix: "", childPrefix: "") }
        return rows
    }

    public static func duration(_ n: NodeStatus, now: Timestamp) -> String {
        guard let s = n.startedAt else { return "" }
        let end = n.finishedAt ?? now
        return formatDuration(end.seconds - s.seconds)
    }

    /// `0s`, `12s`, `3m4s`, `1h2m`.
    public static func formatDuration(_ seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded()))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(s % 60)s" }
        return "\(s / 3600)h\(s % 3600 / 60)m"
    }

    /// Rows as aligned text lines.
    public static func render(_ rows: [Row], color: Bool) -> [String] {
        let header = Row(prefix: "", symbol: "", name: "STEP", template: "TEMPLATE", podName: "PODNAME", duration: "DURATION",
                         message: "MESSAGE", phase: .pending)
        func label(_ r: Row) -> String { r.symbol.isEmpty ? r.name : "\(r.prefix)\(r.symbol) \(r.name)" }
        let all = [header] + rows
        let w0 = all.map { label($0).count }.max() ?? 4
        let w1 = all.map(\.template.count).max() ?? 8
        let w2 = all.map(\.podName.count).max() ?? 7
        let w3 = all.map(\.duration.count).max() ?? 8
        func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        return all.enumerated().map { i, r in
            var sym = label(r)
            if color, i > 0 {
                let code: String
                switch r.phase {
                case .succeeded: code = "32"
                case .failed, .error: code = "31"
                case .running: code = "36"
                case .skipped, .omitted: code = "90"
                case .pending: code = "33"
                }
                sym = pad(sym, w0)
                sym = sym.replacingFirst(r.symbol, with: "\u{1B}[\(code)m\(r.symbol)\u{1B}[0m")
                return "\(sym)  \(pad(r.template, w1))  \(pad(r.podName, w2))  \(pad(r.duration, w3))  \(r.message)".trimmedRight
            }
            return "\(pad(sym, w0))  \(pad(r.template, w1))  \(pad(r.podName, w2))  \(pad(r.duration, w3))  \(r.message)".trimmedRight
        }
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, let r = firstRange(of: target) else { return self }
        return String(self[..<r.lowerBound]) + replacement + String(self[r.upperBound...])
    }

    var trimmedRight: String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
