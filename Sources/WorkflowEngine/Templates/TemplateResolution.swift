import WorkflowModel

extension WorkflowExecution {
    var workflowScope: TemplateScope { TemplateScope(templates: spec.templates ?? [], label: nil) }

    /// Find the template a holder names, applying `templateDefaults`.
    func resolve(_ holder: TemplateHolder, in scope: TemplateScope) throws(EngineFailure) -> ResolvedTemplate {
        var resolved: ResolvedTemplate
        switch holder {
        case .name(let n):
            guard let t = scope.templates.first(where: { $0.name == n }) else {
                let known = scope.templates.compactMap(\.name)
                throw EngineFailure("template '\(n)' not found" + (known.isEmpty ? "" : " (templates: \(known.joined(separator: ", ")))"))
            }
            resolved = ResolvedTemplate(template: t, scope: scope, name: n, ref: nil)
        case .ref(let r):
            let cluster = r.clusterScope ?? false
            guard let wt = library.lookup(r.name, clusterScope: cluster) else {
                throw EngineFailure("\(cluster ? "ClusterWorkflowTemplate" : "WorkflowTemplate") '\(r.name)' not found; give it on the command line or in the same file")
            }
            guard let t = wt.spec.templates?.first(where: { $0.name == r.template }) else {
                throw EngineFailure("template '\(r.template)' not found in \(wt.kind) '\(r.name)'")
            }
            let inner = TemplateScope(templates: wt.spec.templates ?? [], label: "\(cluster ? "cluster" : "namespaced")/\(r.name)")
            resolved = ResolvedTemplate(template: t, scope: inner, name: r.template, ref: r)
        case .inline(let t):
            resolved = ResolvedTemplate(template: t, scope: scope, name: t.name, ref: nil)
        }
        if let defaults = spec.templateDefaults {
            resolved.template = WorkflowExecution.apply(defaults: defaults, to: resolved.template)
        }
        return resolved
    }

    /// `templateDefaults`: fields the template leaves unset take the default's value; maps
    /// (container fields, metadata) merge key by key with the template winning.
    static func apply(defaults: Template, to t: Template) -> Template {
        guard let encodedT = try? JSONValueEncoding.encode(t), let encodedD = try? JSONValueEncoding.encode(defaults) else { return t }
        let merged = mergeDefaults(encodedD, encodedT)
        return (try? JSONValueDecoder().decode(Template.self, from: merged)) ?? t
    }

    static func mergeDefaults(_ d: JSONValue, _ t: JSONValue) -> JSONValue {
        guard case .object(let dobj) = d, case .object(var tobj) = t else { return t }
        for (k, dv) in dobj where k != "name" {
            if let tv = tobj[k] {
                tobj[k] = mergeDefaults(dv, tv)
            } else if k == "container" || k == "script" || !Template.kindKeys.contains(k) {
                // Only add a kind field when the template has no other kind.
                if Template.kindKeys.contains(k), Template.kindKeys.contains(where: { tobj[$0] != nil }) { continue }
                tobj[k] = dv
            }
        }
        return .object(tobj)
    }

    /// A Workflow naming a WorkflowTemplate: the template's spec with the workflow's own fields on top.
    static func merge(workflowSpec w: WorkflowSpec, onto base: WorkflowSpec) -> WorkflowSpec {
        guard let bw = try? JSONValueEncoding.encode(base), let ww = try? JSONValueEncoding.encode(w),
              case .object(var merged) = bw, case .object(let top) = ww
        else { return w }
        for (k, v) in top where k != "workflowTemplateRef" {
            if k == "arguments", let baseArgs = merged[k] {
                merged[k] = mergeArguments(baseArgs, v)
            } else {
                merged[k] = v
            }
        }
        return (try? JSONValueDecoder().decode(WorkflowSpec.self, from: .object(merged))) ?? w
    }

    /// Arguments merge by parameter/artifact name, the workflow's values winning.
    static func mergeArguments(_ base: JSONValue, _ top: JSONValue) -> JSONValue {
        var out = base.objectValue ?? [:]
        for key in ["parameters", "artifacts"] {
            var list = base[key]?.arrayValue ?? []
            for item in top[key]?.arrayValue ?? [] {
                if let i = list.firstIndex(where: { $0["name"] == item["name"] }) { list[i] = item } else { list.append(item) }
            }
            if !list.isEmpty { out[key] = .array(list) }
        }
        return .object(out)
    }
}

extension Template {
    static let kindKeys: Set<String> = ["container", "script", "steps", "dag", "suspend", "resource", "data", "http", "plugin", "containerSet"]
}
