import WorkflowExpressions
import WorkflowModel

extension WorkflowExecution {
    /// A steps or DAG node whose children all finished well: resolve its declared outputs
    /// (`valueFrom.parameter`, `valueFrom.expression`, artifacts `from`) and mark it Succeeded.
    func completeComposite(_ nid: String, template: Template, scope: Scope) {
        var outputs = Outputs()
        do throws(EngineFailure) {
            for p in template.outputs?.parameters ?? [] {
                var q = Parameter(name: p.name)
                q.globalName = p.globalName
                if let ref = p.valueFrom?.parameter {
                    // valueFrom.default stands in when the reference cannot be resolved (a child that did not run).
                    do {
                        q.value = AnyString(try substitute(ref, scope: scope, field: "outputs.parameters.\(p.name).valueFrom.parameter"))
                    } catch {
                        guard let d = p.valueFrom?.default else { throw error }
                        q.value = d
                    }
                } else if let expr = p.valueFrom?.expression {
                    do {
                        q.value = AnyString(try evaluateExpression(expr, scope: scope, dialect: .expr).text)
                    } catch {
                        guard let d = p.valueFrom?.default else { throw error }
                        q.value = d
                    }
                } else if let v = p.value {
                    q.value = AnyString(try substitute(v.value, scope: scope, field: "outputs.parameters.\(p.name).value"))
                } else if let d = p.valueFrom?.default ?? p.default {
                    q.value = d
                } else {
                    throw EngineFailure("outputs.parameters.\(p.name) has no value source for a \(template.kind?.rawValue ?? "") template; use valueFrom.parameter or valueFrom.expression")
                }
                outputs.parameters = (outputs.parameters ?? []) + [q]
            }
            for a in template.outputs?.artifacts ?? [] {
                if a.from == nil, let expr = a.fromExpression {
                    if var found = try artifactFromExpression(expr, scope: scope, field: "outputs.artifacts.\(a.name).fromExpression") {
                        found.name = a.name
                        found.globalName = a.globalName
                        found.from = nil
                        found.fromExpression = nil
                        outputs.artifacts = (outputs.artifacts ?? []) + [found]
                    } else if a.optional != true {
                        throw EngineFailure("outputs.artifacts.\(a.name): fromExpression '\(expr)' names no artifact")
                    }
                    continue
                }
                guard let from = a.from else { continue }
                if let found = try resolveArtifactReference(from, scope: scope) {
                    var q = found
                    q.name = a.name
                    q.globalName = a.globalName
                    q.from = nil
                    outputs.artifacts = (outputs.artifacts ?? []) + [q]
                } else if a.optional != true {
                    throw EngineFailure("outputs.artifacts.\(a.name): failed to resolve \(from)")
                }
            }
        } catch {
            setPhase(nid, .error, message: error.message)
            finishComposite(nid)
            return
        }
        if var n = nodes[nid], !outputs.isEmpty {
            n.outputs = outputs
            nodes[nid] = n
        }
        setPhase(nid, .succeeded)
        finishComposite(nid)
        publishGlobalOutputs(of: nid)
    }

    func finishComposite(_ nid: String) {
        wakeAt[nid] = nil
        dagStates[nid] = nil
    }

    /// Outputs with `globalName` become `workflow.outputs.parameters.NAME` / artifacts.
    func publishGlobalOutputs(of nid: String) {
        guard let outs = nodes[nid]?.outputs else { return }
        for p in outs.parameters ?? [] {
            guard let g = p.globalName else { continue }
            let v = p.value?.value ?? ""
            globalParameters["workflow.outputs.parameters.\(g)"] = v
            var o = wfStatus.outputs ?? Outputs()
            var list = o.parameters ?? []
            list.removeAll { $0.name == g }
            list.append(Parameter(name: g, value: v))
            o.parameters = list
            wfStatus.outputs = o
        }
        for a in outs.artifacts ?? [] {
            guard let g = a.globalName else { continue }
            var o = wfStatus.outputs ?? Outputs()
            var list = o.artifacts ?? []
            list.removeAll { $0.name == g }
            var copy = a
            copy.name = g
            list.append(copy)
            o.artifacts = list
            wfStatus.outputs = o
        }
    }
}
