import WorkflowModel

/// Outputs of a step or task that never ran (Skipped, or Omitted in a DAG), as Argo 4.x has
/// them: a reference to one of its output parameters gets the default the producer's template
/// declares (`valueFrom.default`, else `default`); without one the output is absent, so an
/// expression sees nil (`?? fallback` applies) and a consumer's input default applies.
extension WorkflowExecution {
    /// The declared default of output parameter `name` of the template a node that did not run
    /// would have run, or nil.
    func declaredOutputDefault(of node: NodeStatus, parameter name: String) -> String? {
        guard node.phase == .skipped || node.phase == .omitted,
              let p = declaredTemplate(of: node)?.outputs?.parameters?.first(where: { $0.name == name }) else { return nil }
        return p.valueFrom?.default?.value ?? p.default?.value
    }

    /// The output parameter names the template of a node that did not run declares.
    func declaredOutputNames(of node: NodeStatus) -> [String] {
        (declaredTemplate(of: node)?.outputs?.parameters ?? []).map(\.name)
    }

    func declaredTemplate(of node: NodeStatus) -> Template? {
        if let r = node.templateRef {
            return library.lookup(r.name, clusterScope: r.clusterScope ?? false)?.spec.templates?.first { $0.name == r.template }
        }
        if let n = node.templateName { return scopeTemplates(for: node).first { $0.name == n } }
        return nil
    }

    /// The templates a node's `templateName` is looked up among: its WorkflowTemplate's when it
    /// ran inside one (`templateScope` "namespaced/NAME" or "cluster/NAME"), else the workflow's.
    private func scopeTemplates(for node: NodeStatus) -> [Template] {
        if let label = node.templateScope {
            let parts = label.split(separator: "/", maxSplits: 1).map(String.init)
            if parts.count == 2, let wt = library.lookup(parts[1], clusterScope: parts[0] == "cluster") {
                return wt.spec.templates ?? []
            }
        }
        return spec.templates ?? []
    }

    /// Whether `text` is exactly one `{{steps.X.outputs.parameters.P}}` / `{{tasks.X...}}` tag
    /// naming an output of a step that did not run and declares no default for it.
    func isAbsentSkippedOutput(_ text: String, scope: Scope) -> Bool {
        let tags = TemplateText.tags(in: text)
        guard tags.count == 1, let tag = tags.first, text == "{{\(tag)}}" else { return false }
        let parts = tag.split(separator: ".", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, parts[0] == "steps" || parts[0] == "tasks", parts[2] == "outputs", parts[3] == "parameters",
              let ids = siblingNodes(parts[1], scope: scope), ids.count == 1, let node = nodes[ids[0]],
              node.phase == .skipped || node.phase == .omitted
        else { return false }
        return node.outputs?.parameters?.first(where: { $0.name == parts[4] }) == nil
            && declaredOutputDefault(of: node, parameter: parts[4]) == nil
    }

    /// The step or task (and its phase) that a `steps.X.outputs.…` / `tasks.X.outputs.…` tag
    /// names, when that one did not run, so the tag has nothing to resolve to.
    func unrunProducer(of tag: String, scope: Scope) -> (String, NodePhase)? {
        let parts = tag.split(separator: ".", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, parts[0] == "steps" || parts[0] == "tasks", parts[2] == "outputs",
              let ids = siblingNodes(parts[1], scope: scope), ids.count == 1, let node = nodes[ids[0]],
              node.phase == .skipped || node.phase == .omitted
        else { return nil }
        return (parts[1], node.phase)
    }
}
