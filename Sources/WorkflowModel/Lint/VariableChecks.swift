/// What a template's `{{...}}` tags may name, where it can be known without running.
struct VariableScope {
    var inputs: Set<String>
    var artifacts: Set<String>
    /// Workflow parameters; nil when they cannot be known (templates, workflowTemplateRef).
    var globals: Set<String>?
    var siblings: Set<String>?
    var siblingKind = ""
    var inLoop = false
}

extension LintContext {
    static let roots: Set<String> = [
        "inputs", "outputs", "steps", "tasks", "workflow", "item", "pod", "node", "retries", "lastRetry",
        "cronworkflow", "status",
    ]

    mutating func checkVariables(_ value: JSONValue, at path: FieldPath, vars: VariableScope) {
        switch value {
        case .string(let s):
            guard s.contains("{{") else { return }
            for tag in LintContext.tags(in: s) { checkTag(tag, at: path, vars: vars) }
        case .array(let a):
            for (i, v) in a.enumerated() { checkVariables(v, at: path / i, vars: vars) }
        case .object(let o):
            for (k, v) in o { checkVariables(v, at: path / k, vars: vars) }
        default: return
        }
    }

    mutating func checkTag(_ tag: String, at path: FieldPath, vars: VariableScope) {
        if tag.hasPrefix("=") { 
            checkExpression(String(tag.dropFirst()), at: path)
            return
        }
        let parts = tag.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let root = parts.first else { return }
        if !LintContext.roots.contains(root) {
            let near = KnownFields.suggestion(for: root, in: LintContext.roots)
            error(path, "unknown variable {{\(tag)}}", fix: near.map { "did you mean {{\($0)\(tag.dropFirst(root.count))}}?" } ?? "see the variables Argo documents")
            return
        }
        switch root {
        case "inputs" where parts.count >= 3:
            if parts[1] == "parameters", !vars.inputs.contains(parts[2]) {
                error(path, "{{\(tag)}}: the template has no input parameter '\(parts[2])'",
                      fix: vars.inputs.isEmpty ? "declare it under inputs.parameters" : "declared: \(vars.inputs.sorted().joined(separator: ", "))")
            } else if parts[1] == "artifacts", !vars.artifacts.contains(parts[2]) {
                error(path, "{{\(tag)}}: the template has no input artifact '\(parts[2])'", fix: "declare it under inputs.artifacts")
            }
        case "workflow" where parts.count >= 3 && parts[1] == "parameters" && !(parts.count == 3 && parts[2] == "json"):
            if let g = vars.globals, !g.contains(parts[2]) {
                error(path, "{{\(tag)}}: the workflow has no parameter '\(parts[2])'",
                      fix: g.isEmpty ? "declare it under spec.arguments.parameters" : "declared: \(g.sorted().joined(separator: ", "))")
            }
        case "steps", "tasks":
            // The current step's or task's own name, known in its arguments and in the template it calls.
            if parts.count == 2 && parts[1] == "name" { return }
            guard parts.count >= 2 else { return }
            guard let sib = vars.siblings, vars.siblingKind == root else {
                error(path, "{{\(tag)}}: '\(root).' names are only known inside a \(root == "steps" ? "steps" : "dag") template",
                      fix: "pass the value in as an input parameter")
                return
            }
            if !sib.contains(parts[1]) {
                error(path, "{{\(tag)}}: there is no \(root == "steps" ? "step" : "task") named '\(parts[1])'",
                      fix: KnownFields.suggestion(for: parts[1], in: sib).map { "did you mean '\($0)'?" } ?? "use one of: \(sib.sorted().joined(separator: ", "))")
            }
        default:
            return
        }
    }

    static func tags(in text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            let after = rest[open.upperBound...]
            guard let close = after.firstRange(of: "}}") else { break }
            var tag = after[..<close.lowerBound]
            while tag.first == " " { tag = tag.dropFirst() }
            while tag.last == " " { tag = tag.dropLast() }
            found.append(String(tag))
            rest = after[close.upperBound...]
        }
        return found
    }
}
