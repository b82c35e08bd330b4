import WorkflowExpressions

extension LintContext {
    mutating func checkSpec(_ spec: WorkflowSpec, raw: JSONValue, at path: FieldPath) {
        checkFields(raw, KnownFields.workflowSpec, at: path)
        checkVolumes(raw["volumes"], at: path / "volumes")
        checkContainer(raw["templateDefaults"]?["container"], at: path / "templateDefaults" / "container")
        checkContainer(raw["templateDefaults"]?["script"], at: path / "templateDefaults" / "script", script: true)
        if let p = spec.parallelism, p < 1 {
            error(path / "parallelism", "parallelism is \(p); it must be at least 1", fix: "remove it for no limit")
        }
        let templates = spec.templates ?? []
        var names: [String: Int] = [:]
        for (i, t) in templates.enumerated() {
            let tp = path / "templates" / i
            guard let n = t.name else {
                error(tp, "template has no name", fix: "add `name:`")
                continue
            }
            if let first = names[n] {
                error(tp / "name", "template name '\(n)' is used twice (also spec.templates[\(first)])", fix: "give each template its own name")
            } else {
                names[n] = i
            }
            if !Names.isTemplateName(n) {
                error(tp / "name", "template name '\(n)' is invalid", fix: "use letters, digits and '-', starting with a letter or digit")
            }
        }
        let known = Set(names.keys)
        var globals = Set((spec.arguments?.parameters ?? []).map(\.name))
        var base: JSONValue?
        if let ref = spec.workflowTemplateRef {
            if let lib = library.lookup(ref.name, cluster: ref.clusterScope ?? false) {
                base = lib.spec
                for p in lib.spec?["arguments"]?["parameters"]?.arrayValue ?? [] {
                    if let n = p["name"]?.stringValue { globals.insert(n) }
                }
            } else if doc.kind == .workflow {
                error(path / "workflowTemplateRef", "\(ref.clusterScope == true ? "ClusterWorkflowTemplate" : "WorkflowTemplate") '\(ref.name)' not found",
                      fix: "give the file that defines it too (skein lint wf.yaml templates.yaml)")
            }
        }
        let entry = spec.entrypoint ?? base?["entrypoint"]?.stringValue
        if let e = spec.entrypoint {
            if !known.contains(e) && spec.workflowTemplateRef == nil {
                error(path / "entrypoint", "entrypoint '\(e)' is not a template of this workflow",
                      fix: known.isEmpty ? "add templates" : "use one of: \(known.sorted().joined(separator: ", "))")
            }
        } else if entry == nil && doc.kind == .workflow && spec.workflowTemplateRef == nil {
            error(path, "spec.entrypoint is missing", fix: "add `entrypoint:` naming the template to run first")
        }
        if templates.isEmpty && spec.workflowTemplateRef == nil {
            error(path, "spec.templates is empty", fix: "add at least one template")
        }
        if let onExit = spec.onExit, !known.contains(onExit) {
            error(path / "onExit", "onExit template '\(onExit)' not found")
        }
        for (i, p) in (spec.arguments?.parameters ?? []).enumerated() {
            let pp = path / "arguments" / "parameters" / i
            checkFields(raw["arguments"]?["parameters"]?[i], KnownFields.parameter, at: pp)
            if doc.kind == .workflow, p.value == nil, p.default == nil, p.valueFrom == nil {
                error(pp, "workflow parameter '\(p.name)' has no value", fix: "give it a value, or pass -p \(p.name)=VALUE")
            }
            if let v = p.value?.value, let allowed = p.enum, !allowed.isEmpty, !allowed.contains(where: { $0.value == v }) {
                error(pp / "value", "value '\(v)' is not one of the allowed values: \(allowed.map(\.value).joined(separator: ", "))")
            }
        }
        for (name, hook) in spec.hooks ?? [:] {
            let hp = path / "hooks" / name
            checkFields(raw["hooks"]?[name], KnownFields.hook, at: hp)
            checkReference(template: hook.template, ref: hook.templateRef, inline: false, known: known, at: hp)
            if let e = hook.expression { checkExpression(e, at: hp / "expression") }
        }
        if let r = spec.retryStrategy { checkRetryStrategy(r, raw: raw["retryStrategy"], at: path / "retryStrategy") }
        checkDuration(raw["podGC"]?["deleteDelayDuration"], at: path / "podGC" / "deleteDelayDuration", name: "podGC.deleteDelayDuration")
        if let td = raw["templateDefaults"] { checkFields(td, KnownFields.template, at: path / "templateDefaults") }
        let globalScope = doc.kind == .workflow && spec.workflowTemplateRef == nil ? globals : nil
        for (i, t) in templates.enumerated() {
            checkTemplate(t, raw: raw["templates"]?[i] ?? .null, at: path / "templates" / i, known: known, globals: globalScope)
        }
        if let e = spec.entrypoint, let t = templates.first(where: { $0.name == e }) {
            for (i, p) in (t.inputs?.parameters ?? []).enumerated() where p.value == nil && p.default == nil && p.valueFrom == nil {
                if !globals.contains(p.name) && !(spec.arguments?.parameters ?? []).contains(where: { $0.name == p.name }) {
                    error(path / "templates" / (names[e] ?? 0) / "inputs" / "parameters" / i,
                          "entrypoint input parameter '\(p.name)' has no value and spec.arguments does not supply one",
                          fix: "give it a default, or add it to spec.arguments.parameters")
                }
            }
        }
    }

    mutating func checkReference(template: String?, ref: TemplateRef?, inline: Bool, known: Set<String>, at path: FieldPath) {
        if inline { return }
        if let ref {
            let cluster = ref.clusterScope ?? false
            if let lib = library.lookup(ref.name, cluster: cluster) {
                if !lib.templates.contains(ref.template) {
                    error(path / "templateRef" / "template", "template '\(ref.template)' not found in \(cluster ? "ClusterWorkflowTemplate" : "WorkflowTemplate") '\(ref.name)'")
                }
            } else {
                error(path / "templateRef", "\(cluster ? "ClusterWorkflowTemplate" : "WorkflowTemplate") '\(ref.name)' not found",
                      fix: "give the file that defines it too (skein lint wf.yaml templates.yaml)")
            }
            return
        }
        guard let template else {
            error(path, "names no template", fix: "add `template:` (or templateRef / inline)")
            return
        }
        if !known.contains(template) {
            let near = KnownFields.suggestion(for: template, in: known)
            error(path / "template", "template '\(template)' not found",
                  fix: near.map { "did you mean '\($0)'?" } ?? "define it under spec.templates")
        }
    }

    mutating func checkExpression(_ source: String, at path: FieldPath) {
        do {
            // `{{...}}` tags are substituted before the expression is parsed.
            _ = try Expression.parse(LintContext.replaceTags(in: source, with: "nil"), dialect: .expr)
        } catch {
            self.error(path, "expression does not parse: \(error.description)")
        }
    }
}
