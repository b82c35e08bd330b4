import WorkflowModel

/// How a template is named by a step, task, hook or the workflow itself.
enum TemplateHolder: Hashable {
    case name(String)
    case ref(TemplateRef)
    case inline(Template)

    init(step: WorkflowStep) {
        if let inline = step.inline {
            self = .inline(inline)
        } else if let ref = step.templateRef {
            self = .ref(ref)
        } else {
            self = .name(step.template ?? "")
        }
    }

    var description: String {
        switch self {
        case .name(let n): return "template '\(n)'"
        case .ref(let r): return "template '\(r.template)' of \(r.clusterScope == true ? "ClusterWorkflowTemplate" : "WorkflowTemplate") '\(r.name)'"
        case .inline: return "inline template"
        }
    }
}

/// Where template names resolve: the workflow's own templates, or those of the
/// WorkflowTemplate a `templateRef` led into.
struct TemplateScope: Hashable {
    var templates: [Template]
    /// "namespaced/NAME" or "cluster/NAME"; nil for the workflow itself.
    var label: String?
}

/// One request to execute a template as a node.
struct ExecRequest {
    var nodeName: String
    var displayName: String
    var holder: TemplateHolder
    var arguments: Arguments
    var templateScope: TemplateScope
    var boundaryID: String?
    var parentID: String?
    /// Step/task-level exit handler and hooks.
    var onExit: String?
    var hooks: [String: LifecycleHook]?
    /// Set for the attempts under a Retry node: the attempt number.
    var retryAttempt: Int?
    /// Hosts an attempt must not run on (`retryStrategy.affinity.nodeAntiAffinity`).
    var avoidNodes: [String] = []
    /// Set on the node this request makes (see `NodeFlag`).
    var nodeFlag: NodeFlag?
    /// The loop item, for `{{item}}` in the template's own fields.
    var item: JSONValue?
    /// Variables the caller's scope adds (e.g. `workflow.status` for exit handlers).
    var extraVariables: [String: String] = [:]
    /// The deadline inherited from enclosing templates.
    var deadline: Timestamp?
    /// Exit handlers and hooks still run after the workflow is stopped or out of time.
    var isExitWork = false
    /// The scope the step was called from (hook expressions see its siblings).
    var stepScope: Scope?
}

/// A template after lookup, with the scope its own references resolve in.
struct ResolvedTemplate {
    var template: Template
    var scope: TemplateScope
    var name: String?
    var ref: TemplateRef?
}
