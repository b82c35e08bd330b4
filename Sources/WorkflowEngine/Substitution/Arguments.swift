import WorkflowExpressions
import WorkflowModel

extension WorkflowExecution {
    /// A step's or task's arguments with every tag resolved in the caller's scope; artifact
    /// arguments with `from` become the stored artifact they name.
    func resolveArguments(_ args: Arguments?, scope: Scope, field: String) throws(EngineFailure) -> Arguments {
        var out = Arguments()
        if let ps = args?.parameters {
            var list: [Parameter] = []
            for p in ps {
                var q = p
                if let v = p.value, isAbsentSkippedOutput(v.value, scope: scope) {
                    // Absent: the input's own value or default applies (see SkippedOutputs);
                    // `valueFrom.parameter` keeps the reference for the message when there is none.
                    q.value = nil
                    q.valueFrom = ValueFrom(parameter: v.value)
                } else if let v = p.value {
                    q.value = AnyString(try substitute(v.value, scope: scope, field: "\(field).parameters.\(p.name)"))
                } else if let expr = p.valueFrom?.expression {
                    q.value = AnyString(try evaluateExpression(expr, scope: scope, dialect: .expr).text)
                } else if let d = p.default {
                    q.value = AnyString(try substitute(d.value, scope: scope, field: "\(field).parameters.\(p.name)"))
                }
                list.append(q)
            }
            out.parameters = list
        }
        if let arts = args?.artifacts {
            var list: [Artifact] = []
            for a in arts {
                var q = a
                if let from = a.from {
                    if let found = try resolveArtifactReference(from, scope: scope) {
                        q.key = found.key
                        // An artifact stored in a location of its own carries it along.
                        if found.key != nil, found.s3?["bucket"] != nil { q.s3 = found.s3 }
                        q.raw = found.raw ?? q.raw
                        q.http = found.http ?? q.http
                        if found.key == nil && found.raw == nil && found.http == nil, a.optional != true {
                            throw EngineFailure("\(field).artifacts.\(a.name): \(from) has not been saved")
                        }
                    } else if a.optional == true {
                        // As in Argo, an optional argument that names nothing is left out: the
                        // template's input then needs a default or `optional: true` of its own.
                        continue
                    } else {
                        throw EngineFailure("\(field).artifacts.\(a.name): failed to resolve \(from) (fix: if that artifact may not be made, mark this argument `optional: true`)")
                    }
                } else if let expr = a.fromExpression {
                    if let found = try artifactFromExpression(expr, scope: scope, field: "\(field).artifacts.\(a.name).fromExpression") {
                        q.key = found.key
                        if found.key != nil, found.s3?["bucket"] != nil { q.s3 = found.s3 }
                        q.raw = found.raw ?? q.raw
                        q.http = found.http ?? q.http
                    } else if a.optional == true {
                        continue
                    } else {
                        throw EngineFailure("\(field).artifacts.\(a.name): fromExpression '\(expr)' names no artifact")
                    }
                    q.fromExpression = nil
                }
                if let sub = a.subPath {
                    // Resolved where the step is written, as the rest of its arguments.
                    q.subPath = try substitute(sub, scope: scope, field: "\(field).artifacts.\(a.name).subPath")
                }
                if let raw = a.raw {
                    q.raw = RawArtifact(data: try substitute(raw.data, scope: scope, field: "\(field).artifacts.\(a.name).raw.data"))
                }
                list.append(q)
            }
            out.artifacts = list
        }
        return out
    }

    /// The artifact an expression gives (`steps.X.outputs.artifacts.Y`, chosen with `?:`), or
    /// nil when it gives nil. A string is taken as a stored key.
    func artifactFromExpression(_ expr: String, scope: Scope, field: String) throws(EngineFailure) -> Artifact? {
        let v = try evaluateExpression(expr, scope: scope, dialect: .expr)
        switch v {
        case .null: return nil
        case .string(let key):
            var a = Artifact(name: "", path: nil)
            a.key = key.isEmpty ? nil : key
            return key.isEmpty ? nil : a
        case .map:
            guard let json = try? JSONValue.parseJSON(v.jsonText), let a = try? JSONValueDecoder().decode(Artifact.self, from: json) else {
                throw EngineFailure("\(field): '\(expr)' gave \(v.text), which is not an artifact")
            }
            return a
        default:
            throw EngineFailure("\(field): '\(expr)' gave \(v.text); it must give an artifact such as steps.NAME.outputs.artifacts.ART")
        }
    }

    /// `{{steps.X.outputs.artifacts.Y}}`, `{{tasks.X.outputs.artifacts.Y}}`,
    /// `{{inputs.artifacts.Y}}`, `{{workflow.outputs.artifacts.Y}}`.
    func resolveArtifactReference(_ text: String, scope: Scope) throws(EngineFailure) -> Artifact? {
        let tags = TemplateText.tags(in: text)
        guard tags.count == 1, let tag = tags.first else {
            throw EngineFailure("artifact reference '\(text)' must be one {{...}} tag naming an artifact")
        }
        let parts = tag.split(separator: ".").map(String.init)
        if parts.count == 3, parts[0] == "inputs", parts[1] == "artifacts" {
            return scope.inputArtifacts[parts[2]]
        }
        if parts.count == 4, parts[0] == "workflow", parts[1] == "outputs", parts[2] == "artifacts" {
            return wfStatus.outputs?.artifacts?.first(where: { $0.name == parts[3] })
        }
        if parts.count == 5, parts[0] == "steps" || parts[0] == "tasks", parts[2] == "outputs", parts[3] == "artifacts" {
            guard let ids = siblingNodes(parts[1], scope: scope), let first = ids.first, let node = nodes[first] else { return nil }
            var candidates = [node]
            if node.type == .taskGroup || ids.count > 1 {
                candidates = (node.type == .taskGroup ? node.children ?? [] : ids).compactMap { nodes[$0] }
            }
            for c in candidates.reversed() {
                if let a = c.outputs?.artifacts?.first(where: { $0.name == parts[4] }) { return a }
            }
            return nil
        }
        throw EngineFailure("'\(text)' does not name an artifact; use {{steps.STEP.outputs.artifacts.NAME}}, {{tasks.TASK.outputs.artifacts.NAME}} or {{inputs.artifacts.NAME}}")
    }

    /// A `when` condition: substitute, then evaluate with govaluate's rules.
    func evaluateWhen(_ when: String, scope: Scope, field: String) throws(EngineFailure) -> Bool {
        let text = try substitute(when, scope: scope, field: field)
        let v = try evaluateExpression(text, scope: scope, dialect: .govaluate)
        guard case .bool(let b) = v else {
            throw EngineFailure("when '\(when)' evaluated to '\(v.text)'; it must be true or false")
        }
        return b
    }
}
