import WorkflowExpressions

extension LintContext {
    mutating func checkTemplate(_ t: Template, raw: JSONValue, at path: FieldPath, known: Set<String>, globals: Set<String>?) {
        checkFields(raw, KnownFields.template, at: path)
        if let p = t.parallelism, p < 1 {
            error(path / "parallelism", "parallelism is \(p); it must be at least 1", fix: "remove it for no limit")
        }
        let kinds = t.kinds
        if kinds.isEmpty {
            error(path, "template '\(t.name ?? "")' has none of container, script, steps, dag, suspend or resource",
                  fix: "add exactly one of them")
        } else if kinds.count > 1 {
            error(path, "template '\(t.name ?? "")' has both \(kinds[0].rawValue) and \(kinds[1].rawValue)",
                  fix: "a template does one thing: split it into two templates")
        }
        for key in ["inputs", "outputs"] {
            checkFields(raw[key], key == "inputs" ? KnownFields.io : KnownFields.outputs, at: path / key)
            for (i, p) in (raw[key]?["parameters"]?.arrayValue ?? []).enumerated() {
                checkFields(p, KnownFields.parameter, at: path / key / "parameters" / i)
                checkFields(p["valueFrom"], KnownFields.valueFrom, at: path / key / "parameters" / i / "valueFrom")
                if let filter = p["valueFrom"]?["jqFilter"]?.stringValue {
                    do {
                        _ = try JQPath(parsing: filter)
                    } catch {
                        self.error(path / key / "parameters" / i / "valueFrom" / "jqFilter", "jqFilter \(error.description)")
                    }
                }
            }
            for (i, a) in (raw[key]?["artifacts"]?.arrayValue ?? []).enumerated() {
                checkFields(a, KnownFields.artifact, at: path / key / "artifacts" / i)
            }
        }
        if let r = t.retryStrategy { checkRetryStrategy(r, raw: raw["retryStrategy"], at: path / "retryStrategy") }
        checkContainer(raw["container"], at: path / "container")
        checkContainer(raw["script"], at: path / "script", script: true)
        for key in ["sidecars", "initContainers"] {
            for (i, c) in (raw[key]?.arrayValue ?? []).enumerated() { checkContainer(c, at: path / key / i, user: true) }
        }
        checkVolumes(raw["volumes"], at: path / "volumes")
        checkFields(raw["suspend"], KnownFields.suspend, at: path / "suspend")
        checkDuration(raw["suspend"]?["duration"], at: path / "suspend" / "duration", name: "suspend.duration", example: "20s, 5m or 1h")
        checkDuration(raw["timeout"], at: path / "timeout", name: "timeout")
        checkDuration(raw["pendingTimeout"], at: path / "pendingTimeout", name: "pendingTimeout")
        let inputs = Set((t.inputs?.parameters ?? []).map(\.name))
        let artifacts = Set((t.inputs?.artifacts ?? []).map(\.name))
        if t.isLeaf {
            for (i, a) in (t.inputs?.artifacts ?? []).enumerated() where a.path == nil {
                error(path / "inputs" / "artifacts" / i, "input artifact '\(a.name)' has no path", fix: "add `path:` where the step reads it")
            }
        }
        let vars = VariableScope(inputs: inputs, artifacts: artifacts, globals: globals, siblings: nil)
        if let groups = t.steps {
            checkSteps(groups, raw: raw["steps"] ?? .null, at: path / "steps", known: known, vars: vars)
        }
        if let dag = t.dag {
            checkDAG(dag, raw: raw["dag"] ?? .null, at: path / "dag", known: known, vars: vars)
        }
        // Variables in the template's own fields; a steps or dag template's outputs may name its steps or tasks.
        for key in ["container", "script", "inputs", "podSpecPatch", "volumes", "suspend", "timeout", "activeDeadlineSeconds"] {
            if let v = raw[key] { checkVariables(v, at: path / key, vars: vars) }
        }
        var outVars = vars
        if let groups = t.steps {
            outVars.siblingKind = "steps"
            outVars.siblings = Set(groups.flatMap { $0.steps.map(\.name) })
        } else if let dag = t.dag {
            outVars.siblingKind = "tasks"
            outVars.siblings = Set(dag.tasks.map(\.name))
        }
        if let v = raw["outputs"] { checkVariables(v, at: path / "outputs", vars: outVars) }
    }

    mutating func checkSteps(_ groups: [StepGroup], raw: JSONValue, at path: FieldPath, known: Set<String>, vars: VariableScope) {
        var seen: [String: FieldPath] = [:]
        var siblings = vars
        siblings.siblingKind = "steps"
        siblings.siblings = Set(groups.flatMap { $0.steps.map(\.name) })
        for (i, g) in groups.enumerated() {
            for (j, s) in g.steps.enumerated() {
                let sp = path / i / j
                let rawStep = raw[i]?[j]
                checkFields(rawStep, KnownFields.step.union(["dependencies", "depends"]), at: sp)
                if s.dependencies != nil || s.depends != nil {
                    error(sp / (s.depends != nil ? "depends" : "dependencies"),
                          "'\(s.depends != nil ? "depends" : "dependencies")' is for DAG tasks; steps run in the order of their groups",
                          fix: "move the step into a later group, or make the template a dag")
                }
                checkStepCommon(s, raw: rawStep, at: sp, known: known, vars: siblings, seen: &seen)
            }
        }
    }

    mutating func checkDAG(_ dag: DAGTemplate, raw: JSONValue, at path: FieldPath, known: Set<String>, vars: VariableScope) {
        checkFields(raw, KnownFields.dag, at: path)
        var seen: [String: FieldPath] = [:]
        let names = Set(dag.tasks.map(\.name))
        var scope = vars
        scope.siblingKind = "tasks"
        scope.siblings = names
        var deps: [String: [String]] = [:]
        for (i, task) in dag.tasks.enumerated() {
            let tp = path / "tasks" / i
            let rawTask = raw["tasks"]?[i]
            checkFields(rawTask, KnownFields.dagTask, at: tp)
            checkStepCommon(task, raw: rawTask, at: tp, known: known, vars: scope, seen: &seen)
            if task.dependencies != nil && task.depends != nil {
                error(tp, "task '\(task.name)' has both dependencies and depends", fix: "keep one: depends can say everything dependencies can")
            }
            var list: [String] = []
            if let d = task.depends {
                do {
                    list = try DependsExpression.parse(d).taskNames
                } catch {
                    self.error(tp / "depends", "depends '\(d)' does not parse: \(error.description)")
                }
                for n in list where !names.contains(n) {
                    self.error(tp / "depends", "depends names unknown task '\(n)'",
                               fix: KnownFields.suggestion(for: n, in: names).map { "did you mean '\($0)'?" } ?? "use one of this dag's task names")
                }
            }
            for (k, n) in (task.dependencies ?? []).enumerated() {
                list.append(n)
                if !names.contains(n) {
                    error(tp / "dependencies" / k, "dependency '\(n)' is not a task of this dag",
                          fix: KnownFields.suggestion(for: n, in: names).map { "did you mean '\($0)'?" } ?? "use one of this dag's task names")
                }
            }
            deps[task.name] = list.filter { names.contains($0) }
        }
        if let cycle = LintContext.findCycle(deps, order: dag.tasks.map(\.name)) {
            let idx = dag.tasks.firstIndex(where: { $0.name == cycle[0] }) ?? 0
            error(path / "tasks" / idx, "dependency cycle: \(cycle.joined(separator: " -> "))", fix: "remove one of these dependencies")
        }
        if let target = dag.target, !target.contains("{{") {
            for n in target.split(whereSeparator: { $0 == " " || $0 == "," }) where !names.contains(String(n)) {
                error(path / "target", "target '\(n)' is not a task of this dag")
            }
        }
    }

    mutating func checkStepCommon(_ s: WorkflowStep, raw: JSONValue?, at path: FieldPath, known: Set<String>,
                                  vars: VariableScope, seen: inout [String: FieldPath])
    {
        if let prior = seen[s.name] {
            error(path / "name", "'\(s.name)' is used twice (also \(prior))", fix: "give each step or task its own name")
        } else {
            seen[s.name] = path
        }
        if !Names.isTemplateName(s.name) {
            error(path / "name", "name '\(s.name)' is invalid", fix: "use letters, digits and '-', starting with a letter or digit")
        }
        checkReference(template: s.template, ref: s.templateRef, inline: s.inline != nil, known: known, at: path)
        checkFields(raw?["templateRef"], KnownFields.templateRef, at: path / "templateRef")
        checkFields(raw?["continueOn"], KnownFields.continueOn, at: path / "continueOn")
        checkFields(raw?["withSequence"], KnownFields.sequence, at: path / "withSequence")
        for (k, _) in raw?["arguments"]?.objectValue ?? [:] where !KnownFields.io.contains(k) {
            error(path / "arguments" / k, "unknown field '\(k)'", fix: "arguments has parameters and artifacts")
        }
        let loops = [s.withItems != nil, s.withParam != nil, s.withSequence != nil].filter { $0 }.count
        if loops > 1 {
            error(path, "'\(s.name)' has more than one of withItems, withParam and withSequence", fix: "keep one")
        }
        if let onExit = s.onExit, !known.contains(onExit) {
            error(path / "onExit", "onExit template '\(onExit)' not found")
        }
        for (name, hook) in s.hooks ?? [:] {
            checkFields(raw?["hooks"]?[name], KnownFields.hook, at: path / "hooks" / name)
            checkReference(template: hook.template, ref: hook.templateRef, inline: false, known: known, at: path / "hooks" / name)
            if let e = hook.expression { checkExpression(e, at: path / "hooks" / name / "expression") }
        }
        if let when = s.when {
            // Tags are substituted before a `when` is evaluated; check the shape with placeholders.
            let probe = LintContext.replaceTags(in: when, with: "x")
            do {
                _ = try Expression.parse(probe, dialect: .govaluate)
            } catch {
                self.error(path / "when", "when '\(when)' does not parse: \(error.description)")
            }
        }
        var inner = vars
        inner.inLoop = loops > 0
        if let raw { for key in ["arguments", "when", "withParam", "withItems"] { if let v = raw[key] { checkVariables(v, at: path / key, vars: inner) } } }
        if let inline = s.inline {
            checkTemplate(inline, raw: raw?["inline"] ?? .null, at: path / "inline", known: known, globals: vars.globals)
        }
    }

    static func findCycle(_ deps: [String: [String]], order: [String]) -> [String]? {
        var state: [String: Int] = [:]
        var stack: [String] = []
        func visit(_ n: String) -> [String]? {
            state[n] = 1
            stack.append(n)
            for d in deps[n] ?? [] {
                if state[d] == 1, let i = stack.firstIndex(of: d) { return Array(stack[i...]) + [d] }
                if state[d] == nil, let c = visit(d) { return c }
            }
            stack.removeLast()
            state[n] = 2
            return nil
        }
        for n in order where state[n] == nil {
            if let c = visit(n) { return c }
        }
        return nil
    }

    static func replaceTags(in text: String, with placeholder: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else {
                out += rest[open.lowerBound...]
                return out
            }
            out += placeholder
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// A template's or the workflow's `retryStrategy`.
    mutating func checkRetryStrategy(_ r: RetryStrategy, raw: JSONValue?, at path: FieldPath) {
        checkFields(raw, KnownFields.retryStrategy, at: path)
        checkFields(raw?["backoff"], KnownFields.backoff, at: path / "backoff")
        if let p = r.retryPolicy, !["Always", "OnFailure", "OnError", "OnTransientError"].contains(p) {
            error(path / "retryPolicy", "retryPolicy '\(p)' is not one of Always, OnFailure, OnError, OnTransientError")
        }
        if let e = r.expression { checkExpression(e, at: path / "expression") }
        for key in ["duration", "maxDuration", "cap"] {
            checkDuration(raw?["backoff"]?[key], at: path / "backoff" / key, name: "backoff.\(key)", example: "10s or 2m")
        }
    }

}
