import KubeAPI
import KubeClient
import SkeinJSON

/// The controller's view of the cluster: informers on workflows, their pods and task
/// results, and the templates workflows may reference.
final class ControllerInformers: Sendable {
    static let byWorkflow = "workflow"
    static let byNamespace = "namespace"
    /// Workflows by the CronWorkflow that started them (`namespace/cron`).
    static let byCron = "cron"

    let workflows: Informer
    let pods: Informer
    let taskResults: Informer
    let workflowTemplates: Informer
    let clusterWorkflowTemplates: Informer
    let cronWorkflows: Informer

    init(client: KubeClient, settings: ControllerSettings) {
        // nil: every namespace (the client's "" means all).
        let namespace = settings.namespace ?? ""
        let label = settings.workflowLabel
        let instance = settings.instanceID.map { "\(settings.instanceLabel)=\($0)" } ?? "!\(settings.instanceLabel)"
        // Pods and task results belong to the workflow named by their label, in their namespace.
        let owner: ObjectStore.IndexFunction = { o in
            guard let wf = o.labels[label] else { return [] }
            return ["\(o.namespace ?? "")/\(wf)"]
        }
        let cronLabel = settings.cronWorkflowLabel
        let cron: ObjectStore.IndexFunction = { o in
            guard let c = o.labels[cronLabel] else { return [] }
            return ["\(o.namespace ?? "")/\(c)"]
        }
        workflows = Informer(client: client, resource: settings.workflows, namespace: namespace,
                             options: ListWatchOptions(labelSelector: instance), indexers: [ControllerInformers.byCron: cron])
        cronWorkflows = Informer(client: client, resource: settings.cronWorkflows, namespace: namespace,
                                 options: ListWatchOptions(labelSelector: instance))
        pods = Informer(client: client, resource: .pods, namespace: namespace,
                        options: ListWatchOptions(labelSelector: label), indexers: [ControllerInformers.byWorkflow: owner])
        taskResults = Informer(client: client, resource: settings.taskResults, namespace: namespace,
                               options: ListWatchOptions(labelSelector: label), indexers: [ControllerInformers.byWorkflow: owner])
        workflowTemplates = Informer(client: client, resource: settings.workflowTemplates, namespace: namespace,
                                     indexers: [ControllerInformers.byNamespace: ObjectStore.namespaceIndex])
        clusterWorkflowTemplates = Informer(client: client, resource: settings.clusterWorkflowTemplates, namespace: "")
    }

    var all: [Informer] { [workflows, pods, taskResults, workflowTemplates, clusterWorkflowTemplates, cronWorkflows] }
}
