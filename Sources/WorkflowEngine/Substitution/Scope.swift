import WorkflowExpressions
import WorkflowModel

/// The names visible where a string is substituted: local variables (inputs, item, pod name,
/// retries...), the outputs of sibling steps or tasks, and the workflow's globals.
struct Scope {
    enum Siblings {
        case none
        /// Steps: step name → the node(s) it ran as (several for a loop).
        case steps(map: [String: [String]], loops: Set<String>)
        /// DAG tasks: task name → the node(s) (a loop's children, or the task node itself).
        case tasks(dagNodeName: String, names: Set<String>)
    }

    var vars: [String: String] = [:]
    var siblings: Siblings = .none
    /// The loop item as a value, for `{{=item.x}}`.
    var item: JSONValue?
    /// The enclosing template's input artifacts, for `from: "{{inputs.artifacts.x}}"`.
    var inputArtifacts: [String: Artifact] = [:]
    /// In a step's own hooks: its name and node, so `steps.NAME.outputs.artifacts.X` finds the
    /// step itself (it is not yet among the siblings its scope was built from).
    var ownStep: (name: String, id: String)?

    func with(_ extra: [String: String]) -> Scope {
        var s = self
        s.vars.merge(extra) { _, new in new }
        return s
    }
}

extension WorkflowExecution {
    /// When the workflow was created (when it started, for one that has no creation time).
    var creationTime: Timestamp? {
        workflow.metadata.creationTimestamp.flatMap { Timestamp(rfc3339: $0) } ?? wfStatus.startedAt
    }

    /// Global variables: `workflow.*` and workflow outputs.
    var globalVariables: [String: String] {
        var v = globalParameters
        v["workflow.name"] = name
        v["workflow.namespace"] = workflow.metadata.namespace ?? "default"
        v["workflow.uid"] = workflow.metadata.uid ?? ""
        v["workflow.serviceAccountName"] = spec.serviceAccountName ?? "default"
        v["workflow.mainEntrypoint"] = spec.entrypoint ?? ""
        if let created = creationTime {
            v["workflow.creationTimestamp"] = workflow.metadata.creationTimestamp ?? created.description
            if creationTimeVariables == nil {
                var made: [String: String] = [:]
                for letter in Strftime.letters.map(String.init) + ["s", "RFC3339"] {
                    made["workflow.creationTimestamp.\(letter)"] = Strftime.format(Substring(letter), created)
                }
                creationTimeVariables = made
            }
            v.merge(creationTimeVariables ?? [:]) { _, new in new }
        }
        if let started = wfStatus.startedAt {
            v["workflow.duration"] = JSONValue.double(now.seconds - started.seconds).scalarText ?? "0"
        }
        v["workflow.priority"] = String(spec.priority ?? 0)
        for (k, val) in exitGlobals { v[k] = val }
        let metadata = resolvedMetadata()
        for (k, val) in metadata.labels { v["workflow.labels.\(k)"] = val }
        v["workflow.labels.json"] = JSONValue.object(metadata.labels.mapValues { .string($0) }).compactJSON
        v["workflow.annotations.json"] = JSONValue.object(metadata.annotations.mapValues { .string($0) }).compactJSON
        for (k, val) in metadata.annotations {
            v["workflow.annotations.\(k)"] = val
            // Set by the cron scheduler (workflows.GROUP/scheduled-time).
            if k.hasPrefix("workflows."), k.hasSuffix("/scheduled-time") { v["workflow.scheduledTime"] = val }
        }
        if let params = spec.arguments?.parameters {
            let list: [JSONValue] = params.map { p in
                .object(["name": .string(p.name), "value": .string(globalParameters["workflow.parameters.\(p.name)"] ?? "")])
            }
            v["workflow.parameters"] = JSONValue.array(list).compactJSON
            v["workflow.parameters.json"] = v["workflow.parameters"]
        }
        return v
    }

    /// Resolve one `{{name}}`.
    func lookup(_ key: String, in scope: Scope) -> String? {
        if let v = scope.vars[key] { return v }
        if key.hasPrefix("steps.") || key.hasPrefix("tasks.") {
            return siblingValue(key, scope: scope)
        }
        if key.hasPrefix("workflow.") {
            if let v = globalParameters[key] { return v }
            if key.hasPrefix("workflow.creationTimestamp."), let created = creationTime {
                return Strftime.format(key.dropFirst("workflow.creationTimestamp.".count), created)
            }
            return globalVariables[key]
        }
        if key == "item" || key.hasPrefix("item."), let item = scope.item {
            return itemText(item, path: key)
        }
        return nil
    }

    func itemText(_ item: JSONValue, path: String) -> String? {
        var v = item
        for part in path.split(separator: ".").dropFirst() {
            guard let next = v[String(part)] else { return nil }
            v = next
        }
        return v.scalarText ?? v.compactJSON
    }

    /// The node ids a sibling name stands for in this scope.
    func siblingNodes(_ stepName: String, scope: Scope) -> [String]? {
        if let own = scope.ownStep, own.name == stepName, nodes[own.id] != nil {
            return [own.id]
        }
        switch scope.siblings {
        case .none: return nil
        case .steps(let map, _): return map[stepName]
        case .tasks(let dagName, let names):
            guard names.contains(stepName) else { return nil }
            let nid = id(of: "\(dagName).\(stepName)")
            return nodes[nid] == nil ? nil : [nid]
        }
    }

    /// `steps.X.outputs.parameters.p`, `tasks.X.outputs.result`, `steps.X.status`, ...
    func siblingValue(_ key: String, scope: Scope) -> String? {
        let parts = key.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        let stepName = String(parts[1])
        let rest = String(parts[2])
        guard let ids = siblingNodes(stepName, scope: scope), let first = ids.first, let node = nodes[first] else { return nil }
        // A loop (several nodes, or a TaskGroup) aggregates its children's outputs.
        if ids.count > 1 || node.type == .taskGroup || scope.isLoop(stepName) {
            let children = node.type == .taskGroup ? (node.children ?? []) : ids
            return aggregateValue(rest, children: children.compactMap { nodes[$0] }, group: node)
        }
        return nodeValue(rest, node: node)
    }

    /// A single node's `outputs.*`, `status`, `exitCode`, `id`, times.
    func nodeValue(_ rest: String, node: NodeStatus) -> String? {
        switch rest {
        case "status": return node.phase.rawValue
        case "id": return node.id
        case "ip": return node.podIP ?? ""
        case "startedAt": return node.startedAt?.description
        case "finishedAt": return node.finishedAt?.description
        case "exitCode": return node.outputs?.exitCode
        case "hostNodeName": return node.hostNodeName ?? ""
        case "outputs.result": return node.outputs?.result
        case "outputs.exitCode": return node.outputs?.exitCode
        case "outputs.parameters":
            let map = (node.outputs?.parameters ?? []).reduce(into: [String: JSONValue]()) { $0[$1.name] = .string($1.value?.value ?? "") }
            return JSONValue.object(map).compactJSON
        default:
            if rest.hasPrefix("outputs.parameters.") {
                let pname = String(rest.dropFirst("outputs.parameters.".count))
                return node.outputs?.parameters?.first(where: { $0.name == pname })?.value?.value
                    ?? declaredOutputDefault(of: node, parameter: pname)
            }
            if rest.hasPrefix("outputs.artifacts.") {
                let aname = String(rest.dropFirst("outputs.artifacts.".count))
                return node.outputs?.artifacts?.first(where: { $0.name == aname })?.key
            }
            return nil
        }
    }

    /// Fan-in: a loop's outputs as JSON lists, in item order.
    func aggregateValue(_ rest: String, children: [NodeStatus], group: NodeStatus) -> String? {
        switch rest {
        case "status": return group.phase.rawValue
        case "id": return group.id
        // The group's own times, as Argo gives every node in scope.
        case "startedAt": return group.startedAt?.description
        case "finishedAt": return group.finishedAt?.description
        case "outputs.result":
            let list: [JSONValue] = children.compactMap { c in
                guard let r = c.outputs?.result else { return nil }
                if let parsed = try? JSONValue.parseJSON(r), parsed.objectValue != nil || parsed.arrayValue != nil { return parsed }
                return .string(r)
            }
            return JSONValue.array(list).compactJSON
        case "outputs.parameters":
            let list: [JSONValue] = children.compactMap { c in
                guard let ps = c.outputs?.parameters, !ps.isEmpty else { return nil }
                return .object(ps.reduce(into: [String: JSONValue]()) { $0[$1.name] = .string($1.value?.value ?? "") })
            }
            return JSONValue.array(list).compactJSON
        default:
            if rest.hasPrefix("outputs.parameters.") {
                let pname = String(rest.dropFirst("outputs.parameters.".count))
                let list: [JSONValue] = children.compactMap { c in
                    c.outputs?.parameters?.first(where: { $0.name == pname }).map { .string($0.value?.value ?? "") }
                }
                return JSONValue.array(list).compactJSON
            }
            return nil
        }
    }

    /// Substitute a string; unresolved tags are an error naming them.
    func substitute(_ text: String, scope: Scope, field: String) throws(EngineFailure) -> String {
        let (out, unresolved) = try TemplateText.substitute(text, lookup: { lookup($0, in: scope) },
                                                             expression: { (body) throws(EngineFailure) in try evaluateTag(body, scope: scope) })
        if let first = unresolved.first {
            if let (step, phase) = unrunProducer(of: first, scope: scope) {
                let fix = first.hasSuffix(".outputs.result")
                    ? "read an output parameter with a valueFrom.default instead of its result, or give this step the same when"
                    : "give the output parameter a valueFrom.default, such as '[]' for a withParam, or give this step the same when"
                throw EngineFailure("failed to resolve {{\(first)}} in \(field): '\(step)' did not run (\(phase.rawValue)) and its output has no default (fix: \(fix))")
            }
            throw EngineFailure("failed to resolve {{\(first)}} in \(field)")
        }
        return out
    }

    /// Substitute, leaving unknown tags as they are (for fields resolved in two passes).
    func substitutePartially(_ text: String, scope: Scope) throws(EngineFailure) -> String {
        try TemplateText.substitute(text, lookup: { lookup($0, in: scope) },
                                    expression: { (body) throws(EngineFailure) in try evaluateTag(body, scope: scope) }).text
    }

    /// Substitute every string inside a JSON value (container specs, manifests).
    func substitute(_ value: JSONValue, scope: Scope, field: String) throws(EngineFailure) -> JSONValue {
        switch value {
        case .string(let s): return .string(try substitute(s, scope: scope, field: field))
        case .array(let a):
            var out: [JSONValue] = []
            out.reserveCapacity(a.count)
            for (i, v) in a.enumerated() { out.append(try substitute(v, scope: scope, field: "\(field)[\(i)]")) }
            return .array(out)
        case .object(let o):
            var out: [String: JSONValue] = [:]
            for (k, v) in o { out[k] = try substitute(v, scope: scope, field: "\(field).\(k)") }
            return .object(out)
        default: return value
        }
    }

    /// `{{=expr}}`: evaluate with expr-lang rules over every variable in scope.
    func evaluateTag(_ body: String, scope: Scope) throws(EngineFailure) -> String {
        let value = try evaluateExpression(body, scope: scope, dialect: .expr)
        return value.text
    }

    func evaluateExpression(_ source: String, scope: Scope, dialect: ExpressionDialect,
                            extra: [String: ExprValue] = [:]) throws(EngineFailure) -> ExprValue
    {
        let expr: Expression
        do {
            expr = try Expression.parse(source, dialect: dialect)
        } catch {
            throw EngineFailure("invalid expression '\(source)': \(error.description)")
        }
        do {
            return try expr.evaluate(in: expressionEnvironment(scope, extra: extra))
        } catch {
            throw EngineFailure("expression '\(source)' failed: \(error.description)")
        }
    }

    /// Every variable in scope as a flat map, for expressions.
    func expressionEnvironment(_ scope: Scope, extra: [String: ExprValue]) -> ExprEnvironment {
        var flat: [String: ExprValue] = [:]
        for (k, v) in globalVariables { flat[k] = .string(v) }
        let prefix: String
        var names: [String] = []
        switch scope.siblings {
        case .none: prefix = ""
        case .steps(let map, _):
            prefix = "steps"
            names = Array(map.keys)
        case .tasks(_, let set):
            prefix = "tasks"
            names = Array(set)
        }
        for n in names {
            for rest in ["status", "id", "exitCode", "startedAt", "finishedAt", "outputs.result", "outputs.exitCode"] {
                if let v = siblingValue("\(prefix).\(n).\(rest)", scope: scope) { flat["\(prefix).\(n).\(rest)"] = .string(v) }
            }
            if let ids = siblingNodes(n, scope: scope), let node = ids.first.flatMap({ nodes[$0] }) {
                let params: [Parameter]
                if ids.count == 1 && node.type != .taskGroup { params = node.outputs?.parameters ?? [] } else {
                    let kids = node.type == .taskGroup ? (node.children ?? []) : ids
                    params = kids.compactMap { nodes[$0]?.outputs?.parameters }.flatMap { $0 }
                }
                for p in params {
                    let key = "\(prefix).\(n).outputs.parameters.\(p.name)"
                    if let v = siblingValue(key, scope: scope) { flat[key] = .string(v) }
                }
                // Output artifacts as maps (name, key, ...), for `fromExpression`.
                if ids.count == 1 {
                    for a in node.outputs?.artifacts ?? [] {
                        if let encoded = try? JSONValueEncoding.encode(a) {
                            flat["\(prefix).\(n).outputs.artifacts.\(a.name)"] = ExprValue(encoded)
                        }
                    }
                }
                // One that did not run: the defaults its template declares (absent ones stay nil).
                if ids.count == 1, node.phase == .skipped || node.phase == .omitted {
                    for name in declaredOutputNames(of: node) {
                        let key = "\(prefix).\(n).outputs.parameters.\(name)"
                        if flat[key] == nil, let v = declaredOutputDefault(of: node, parameter: name) { flat[key] = .string(v) }
                    }
                }
            }
        }
        // Local variables last: they are the more specific (a step's own status for its hooks).
        for (k, v) in scope.vars { flat[k] = .string(v) }
        if let item = scope.item { flat["item"] = ExprValue(item) }
        for (k, v) in extra { flat[k] = v }
        var env = ExprEnvironment(flat: flat)
        env.now = ExprTime(unix: now.seconds)
        return env
    }
}

extension Scope {
    /// Whether a step name in a steps scope ran as a loop.
    func isLoop(_ stepName: String) -> Bool {
        if case .steps(_, let loops) = siblings { return loops.contains(stepName) }
        return false
    }
}

extension ExprValue {
    init(_ v: JSONValue) {
        switch v {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .list(a.map(ExprValue.init))
        case .object(let o): self = .map(o.mapValues(ExprValue.init))
        }
    }
}
