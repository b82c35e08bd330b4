public import SkeinJSON
public import KubeAPI
public import WorkflowEngine

/// How `skein controller` runs: which namespaces it watches, how many workflows it works
/// on at once, and what it puts into pods.
public struct ControllerSettings: Sendable {
    /// The namespace to watch; nil watches every namespace.
    public var namespace: String?
    /// Workflows reconciled at the same time.
    public var workers: Int
    /// API group of Skein's kinds (`skein.dev`, or another given to `skein crds --group`).
    public var group: String
    /// Skein's image, for the init and wait containers of steps that need the executor.
    public var executorImage: String
    public var executorImagePullPolicy: String?
    /// Volume source of the artifact repository (see `PodBuilder.Settings.artifactVolume`).
    public var artifactVolume: JSONValue?
    /// The artifact repository in S3 (Argo's `artifactRepository.s3`); wins over `artifactVolume`.
    public var s3Repository: S3Repository?
    /// The repository's `archiveLogs`: every step's log is kept in it as `main-logs`.
    public var archiveLogs = false

    /// `status.artifactRepositoryRef` of the workflows this controller starts: where their
    /// artifacts and archived logs are, for the CLI (`skein logs`, `skein artifacts`).
    public var artifactRepositoryRecord: JSONValue? {
        var repository: [String: JSONValue] = ["archiveLogs": .bool(archiveLogs)]
        if let s3 = s3Repository {
            repository["s3"] = s3.json
        } else if let v = artifactVolume {
            // Not an Argo kind: the volume the executors mount (Argo's clients ignore it).
            repository["volume"] = v
        } else {
            return nil
        }
        return ["default": true, "artifactRepository": .object(repository)]
    }
    /// Only workflows labelled `workflows.GROUP/controller-instanceid=ID` when set; only
    /// unlabelled workflows when nil (as Argo's instance ID).
    public var instanceID: String?
    /// Most workflows running at once (0: no limit); the others wait, Pending.
    public var parallelism: Int
    /// Most workflows running at once in one namespace (0: no limit).
    public var namespaceParallelism: Int
    /// Where the controller records its version for `skein version` (the ConfigMap
    /// `controllerInfoName`); nil records nothing.
    public var infoNamespace: String?
    /// The version it records.
    public var version = "unknown"
    /// Which Kubernetes Events to record about workflows.
    public var events = EventPolicy.failures
    /// Whether resource steps may act on cluster-scoped objects (Namespaces, CRDs,
    /// ClusterRoles...). Off by default: such an object is shared by every namespace.
    public var clusterScopedResources = false
    /// How long a step's wait container retries writing its task result through errors
    /// that may pass, in seconds (nil: the executor's default, 300).
    public var reportTimeout: Double?
    /// What images run when a container has no `command` (built-ins, then the ConfigMap's `images`).
    public var images: [String: ImageCommand] = ImageCommand.builtIn
    /// How long after a step's wait container ended its task result may still arrive
    /// (seconds) before its outputs count as lost.
    public var resultGrace = StepObservation.resultGrace
    /// This replica's identity (its leader-election identity), put on the pods it creates.
    public var identity: String?

    public init(namespace: String? = nil, workers: Int = 8, group: String = "skein.dev",
                executorImage: String = "ghcr.io/skein-dev/skein:latest", executorImagePullPolicy: String? = nil,
                artifactVolume: JSONValue? = nil, instanceID: String? = nil, parallelism: Int = 0, namespaceParallelism: Int = 0) {
        self.parallelism = parallelism
        self.namespaceParallelism = namespaceParallelism
        self.namespace = namespace
        self.workers = workers
        self.group = group
        self.executorImage = executorImage
        self.executorImagePullPolicy = executorImagePullPolicy
        self.artifactVolume = artifactVolume
        self.instanceID = instanceID
    }

    public var workflows: ResourceType { kind("workflows", "Workflow") }
    public var workflowTemplates: ResourceType { kind("workflowtemplates", "WorkflowTemplate") }
    public var clusterWorkflowTemplates: ResourceType {
        ResourceType(group: group, version: "v1alpha1", resource: "clusterworkflowtemplates", kind: "ClusterWorkflowTemplate",
                     namespaced: false)
    }
    public var taskResults: ResourceType { kind("workflowtaskresults", "WorkflowTaskResult") }
    public var cronWorkflows: ResourceType { kind("cronworkflows", "CronWorkflow") }

    private func kind(_ plural: String, _ kind: String) -> ResourceType {
        ResourceType(group: group, version: "v1alpha1", resource: plural, kind: kind, namespaced: true)
    }

    /// The label that ties pods and task results to their workflow.
    public var workflowLabel: String { "workflows.\(group)/workflow" }
    public var instanceLabel: String { "workflows.\(group)/controller-instanceid" }
    public var nodeIDAnnotation: String { "workflows.\(group)/node-id" }
    /// Set by `skein resume`: `{"at": RFC 3339 time, "nodeFieldSelector": "..."}`. Suspend
    /// nodes started before `at` that the selector (if any) matches are resumed.
    public var resumeAnnotation: String { "workflows.\(group)/resume" }
    /// Set by `skein retry` after it rewrote the status: a new value makes the controller
    /// rebuild the workflow's state from that status.
    public var retryAnnotation: String { "workflows.\(group)/retry" }
    /// The message `skein stop --message` gives the stopped workflow.
    public var stopMessageAnnotation: String { "workflows.\(group)/stop-message" }
    /// Label of the workflows a CronWorkflow started (and of `skein submit --from cronworkflow/NAME`): its name.
    public var cronWorkflowLabel: String { "workflows.\(group)/cron-workflow" }
    /// When the cron scheduler meant a workflow to start (RFC 3339); `{{workflow.scheduledTime}}`.
    public var scheduledTimeAnnotation: String { "workflows.\(group)/scheduled-time" }
    /// The ConfigMap in which the running controller records its version and identity.
    public var controllerInfoName: String { "skein-controller" + (instanceID.map { "-" + $0 } ?? "") + "-info" }
    /// Label of workflows `skein submit --from` and `skein resubmit` created: where from.
    public var resubmittedFromLabel: String { "workflows.\(group)/resubmitted-from" }
}
