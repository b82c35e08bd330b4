import WorkflowExpressions
import WorkflowModel

/// Bookkeeping for one DAG node, so a reconcile after a task finishes only looks at that
/// task's dependents instead of every task. Rebuilt from the node table when missing.
final class DAGState {
    enum TaskState { case waiting, started, done }

    let tasks: [DAGTask]
    let index: [String: Int]
    let taskNames: Set<String>
    let deps: [[Int]]
    let dependents: [[Int]]
    let depends: [DependsExpression]
    let nodeIDs: [String]
    let byNodeID: [String: Int]
    let topoOrder: [Int]
    let needed: [Bool]
    let neededCount: Int
    let targets: [Int]

    var state: [TaskState]
    var remaining: [Int]
    var ready: [Int] = []
    var readyHead = 0
    var neededDone = 0
    var active: Set<Int> = []
    var failFastTriggered = false

    init(tasks: [DAGTask], index: [String: Int], deps: [[Int]], depends: [DependsExpression], nodeIDs: [String],
         topoOrder: [Int], targets: [Int])
    {
        self.tasks = tasks
        self.index = index
        self.taskNames = Set(index.keys)
        self.deps = deps
        self.depends = depends
        self.nodeIDs = nodeIDs
        self.topoOrder = topoOrder
        self.targets = targets
        var dependents = Array(repeating: [Int](), count: tasks.count)
        for (t, ds) in deps.enumerated() { for d in ds { dependents[d].append(t) } }
        self.dependents = dependents
        var byNodeID: [String: Int] = [:]
        for (i, n) in nodeIDs.enumerated() { byNodeID[n] = i }
        self.byNodeID = byNodeID
        // Tasks the targets need: the targets and everything they depend on.
        var needed = Array(repeating: false, count: tasks.count)
        var stack = targets
        while let t = stack.popLast() {
            if needed[t] { continue }
            needed[t] = true
            stack.append(contentsOf: deps[t])
        }
        self.needed = needed
        self.neededCount = needed.filter { $0 }.count
        state = Array(repeating: .waiting, count: tasks.count)
        remaining = deps.map(\.count)
    }

    func popReady() -> Int? {
        guard readyHead < ready.count else {
            ready.removeAll(keepingCapacity: true)
            readyHead = 0
            return nil
        }
        defer { readyHead += 1 }
        return ready[readyHead]
    }

    /// A task finished: count it, and release dependents whose dependencies are all done.
    func markDone(_ t: Int) {
        guard state[t] != .done else { return }
        state[t] = .done
        active.remove(t)
        if needed[t] { neededDone += 1 }
        for d in dependents[t] {
            remaining[d] -= 1
            if remaining[d] == 0, state[d] == .waiting, needed[d] { ready.append(d) }
        }
    }

    var isComplete: Bool { neededDone == neededCount }
}

extension WorkflowExecution {
    /// Build the DAG's bookkeeping from its template: dependencies, a topological order
    /// (a cycle is an error), the targets, and what has already run.
    func buildDAGState(dagName: String, dag: DAGTemplate, targetText: String?) throws(EngineFailure) -> DAGState {
        let tasks = dag.tasks
        var index: [String: Int] = [:]
        for (i, t) in tasks.enumerated() {
            if index[t.name] != nil { throw EngineFailure("dag has two tasks named '\(t.name)'") }
            index[t.name] = i
        }
        var deps: [[Int]] = []
        var exprs: [DependsExpression] = []
        for t in tasks {
            let expr: DependsExpression
            if let d = t.depends {
                do {
                    expr = try DependsExpression.parse(d)
                } catch {
                    throw EngineFailure("task '\(t.name)': invalid depends '\(d)': \(error.description)")
                }
            } else {
                expr = DependsExpression.fromDependencies(t.dependencies ?? [])
            }
            var ds: [Int] = []
            for n in expr.taskNames {
                guard let i = index[n] else { throw EngineFailure("task '\(t.name)' depends on unknown task '\(n)'") }
                if !ds.contains(i) { ds.append(i) }
            }
            deps.append(ds)
            exprs.append(expr)
        }
        // Kahn's algorithm, keeping task order among ready tasks.
        var indeg = deps.map(\.count)
        var dependents = Array(repeating: [Int](), count: tasks.count)
        for (t, ds) in deps.enumerated() { for d in ds { dependents[d].append(t) } }
        var queue = (0..<tasks.count).filter { indeg[$0] == 0 }
        var head = 0
        while head < queue.count {
            let t = queue[head]
            head += 1
            for d in dependents[t] {
                indeg[d] -= 1
                if indeg[d] == 0 { queue.append(d) }
            }
        }
        if queue.count != tasks.count {
            let inCycle = (0..<tasks.count).filter { indeg[$0] > 0 }.map { tasks[$0].name }
            throw EngineFailure("dag has a dependency cycle among tasks: \(inCycle.joined(separator: ", "))")
        }
        var targets: [Int]
        if let text = targetText, !text.trimmingWhitespace.isEmpty {
            targets = []
            for n in text.split(whereSeparator: { $0 == " " || $0 == "," }) {
                guard let i = index[String(n)] else { throw EngineFailure("dag target '\(n)' is not a task of this dag") }
                targets.append(i)
            }
        } else {
            targets = (0..<tasks.count).filter { dependents[$0].isEmpty }
        }
        let nodeIDs = tasks.map { id(of: "\(dagName).\($0.name)") }
        let st = DAGState(tasks: tasks, index: index, deps: deps, depends: exprs, nodeIDs: nodeIDs, topoOrder: queue, targets: targets)
        // What already ran (a rebuilt execution): in topological order so counts are right.
        for t in queue {
            // Started tasks are re-checked by the first visit, which marks the finished ones done.
            if nodes[nodeIDs[t]] != nil {
                st.state[t] = .started
                st.active.insert(t)
            }
        }
        for t in queue where st.state[t] == .waiting && st.remaining[t] == 0 && st.needed[t] {
            st.ready.append(t)
        }
        return st
    }
}
