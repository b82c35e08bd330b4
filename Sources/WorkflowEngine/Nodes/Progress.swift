import WorkflowModel

/// Node and workflow `progress` as Argo computes it: an executable node (a pod, suspend, HTTP
/// or plugin node) is `0/1` until it succeeds (or is skipped or omitted), then complete; its
/// own `N/M` when the step reported one (ARGO_PROGRESS_FILE). Every other node sums the
/// executable nodes it reaches through its children, each counted once; the workflow sums
/// all executable nodes.
///
/// Argo walks each parent's descendants afresh (quadratic on long chains). Here a node whose
/// descendants can be reached only through it keeps its sum, so the walk is linear unless
/// the graph fans in; below a fan-in the exact walk is done, stopping at such nodes.
extension WorkflowExecution {
    static func isExecutable(_ t: NodeType) -> Bool {
        switch t {
        case .pod, .container, .suspend, .http, .plugin: return true
        default: return false
        }
    }

    struct Progress: Equatable {
        var done = 0
        var total = 0
        static func + (a: Progress, b: Progress) -> Progress { Progress(done: a.done + b.done, total: a.total + b.total) }
        var text: String { "\(done)/\(total)" }

        /// `N/M` with 0 ≤ N ≤ M and M > 0, as Argo accepts it.
        init(done: Int = 0, total: Int = 0) {
            self.done = done
            self.total = total
        }
        init?(_ text: String?) {
            guard let parts = text?.split(separator: "/"), parts.count == 2, let n = Int(parts[0]), let m = Int(parts[1]),
                  n >= 0, m > 0, n <= m else { return nil }
            done = n
            total = m
        }
    }

    /// An executable node's own progress.
    func ownProgress(_ n: NodeStatus) -> Progress {
        var p = Progress(n.progress) ?? Progress(done: 0, total: 1)
        if [.succeeded, .skipped, .omitted].contains(n.phase) { p.done = p.total }
        return p
    }

    /// The nodes with their progress set, and the workflow's.
    func progressed() -> (nodes: [String: NodeStatus], workflow: Progress) {
        var own: [String: Progress] = [:]
        var inDegree: [String: Int] = [:]
        var workflow = Progress()
        for (id, n) in nodes {
            if Self.isExecutable(n.type) {
                let p = ownProgress(n)
                own[id] = p
                workflow = workflow + p
            }
            for c in n.children ?? [] { inDegree[c, default: 0] += 1 }
        }
        // Children before parents (iterative: chains are long).
        var order: [String] = []
        order.reserveCapacity(nodes.count)
        var state: [String: Bool] = [:]   // false: entered, true: done
        for root in nodes.keys where state[root] == nil {
            var stack: [(String, Bool)] = [(root, false)]
            while let (id, expanded) = stack.popLast() {
                if expanded {
                    state[id] = true
                    order.append(id)
                    continue
                }
                if state[id] != nil { continue }
                state[id] = false
                stack.append((id, true))
                for c in nodes[id]?.children ?? [] where state[c] == nil && nodes[c] != nil { stack.append((c, false)) }
            }
        }
        var shared: Set<String> = []      // reaches a node with several parents
        var memo: [String: Progress] = [:] // sum of descendants, for nodes that are not `shared`
        for id in order {
            let children = (nodes[id]?.children ?? []).filter { nodes[$0] != nil }
            if children.contains(where: { (inDegree[$0] ?? 0) > 1 || shared.contains($0) }) {
                shared.insert(id)
                continue
            }
            var sum = Progress()
            for c in children { sum = sum + (memo[c] ?? Progress()) + (own[c] ?? Progress()) }
            memo[id] = sum
        }
        var out = nodes
        for (id, n) in nodes {
            if let p = own[id] {
                if n.progress != p.text { out[id]?.progress = p.text }
                continue
            }
            var sum: Progress
            if let m = memo[id] {
                sum = m
            } else {
                sum = Progress()
                var visited: Set<String> = []
                var stack = (n.children ?? [])
                while let c = stack.popLast() {
                    guard nodes[c] != nil, visited.insert(c).inserted else { continue }
                    sum = sum + (own[c] ?? Progress())
                    if shared.contains(c) {
                        stack.append(contentsOf: nodes[c]?.children ?? [])
                    } else {
                        sum = sum + (memo[c] ?? Progress())
                    }
                }
            }
            let text: String? = sum.total > 0 ? sum.text : n.progress
            if n.progress != text { out[id]?.progress = text }
        }
        return (out, workflow)
    }
}
