import KubeAPI
public import SkeinJSON
public import WorkflowEngine
public import WorkflowModel

/// Builds the pod of one step (pure: same inputs, same pod).
///
/// Two shapes:
/// - **minimal**: the step needs nothing from the executor (no input or output artifacts,
///   no output parameters, no `result` that anything could read): the pod holds the user's
///   container alone, as written, and the step's exit code comes from the pod status.
/// - **full**: an `init` container (Skein's image) copies `skein-emissary` into the shared
///   volume at `/var/run/skein` and fetches input artifacts; the user's `main` container
///   runs its command through the emissary (which keeps stdout/stderr for `kubectl logs`,
///   records the exit code and copies declared outputs); a `wait` container (Skein's image)
///   collects outputs and reports them in a WorkflowTaskResult.
///
/// The user's container spec is kept as written apart from what the layout needs.
public struct PodBuilder: Sendable {
    public struct Settings: Sendable {
        /// Skein's own image (init and wait containers).
        public var executorImage: String
        public var executorImagePullPolicy: String?
        /// API group of the Workflow kind (owner references, labels).
        public var group: String
        /// The volume that holds the artifact repository (a volume source such as
        /// `{"persistentVolumeClaim": {"claimName": "skein-artifacts"}}` or a `hostPath`),
        /// mounted into the executor containers of steps that read or write artifacts.
        public var artifactVolume: JSONValue?
        /// The artifact repository in S3 (instead of a volume): the executor containers
        /// reach it themselves.
        public var s3Repository: S3Repository?
        /// `SKEIN_REPORT_TIMEOUT` of the wait container (see `ControllerSettings.reportTimeout`).
        public var reportTimeout: Double?
        /// What images run when a container has no `command` (see `ImageCommand`).
        public var images: [String: ImageCommand] = ImageCommand.builtIn
        /// The controller replica that creates the pods (annotation `workflows.GROUP/controller`),
        /// so that a pod made by a replica that had lost its lease can be told apart.
        public var identity: String?

        public init(executorImage: String, executorImagePullPolicy: String? = nil, group: String = "skein.dev",
                    artifactVolume: JSONValue? = nil) {
            self.executorImage = executorImage
            self.executorImagePullPolicy = executorImagePullPolicy
            self.group = group
            self.artifactVolume = artifactVolume
        }
    }

    public enum BuildError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The main container has no `command`: the emissary must know what to run and
        /// the controller cannot read an image's entrypoint.
        case commandRequired(template: String)
        case notAPodTemplate(template: String)
        case badPodSpecPatch(template: String, message: String)

        public var description: String {
            switch self {
            case .commandRequired(let t):
                return "template \(t): a step with outputs or input artifacts runs through the emissary, which needs "
                    + "the container's `command` (the image's entrypoint cannot be read from here); add `command:` to the container, "
                    + "or give the image's entrypoint under `images` in the controller's ConfigMap"
            case .notAPodTemplate(let t):
                return "template \(t) is neither a container nor a script template"
            case .badPodSpecPatch(let t, let m):
                return "template \(t): podSpecPatch: \(m) (it must be a YAML or JSON map of pod spec fields, "
                    + "e.g. '{\"containers\": [{\"name\": \"main\", \"resources\": {...}}]}')"
            }
        }
    }

    /// Paths inside every full pod.
    public static let varDirectory = "/var/run/skein"
    public static let varVolume = "skein-var"
    public static let emissaryPath = varDirectory + "/bin/skein-emissary"
    public static let controlDirectory = varDirectory + "/control"
    public static let scriptPath = varDirectory + "/script"
    public static let inputsDirectory = varDirectory + "/inputs"
    /// The step's progress file in the shared volume.
    public static var progressPath: String { controlDirectory + "/" + StepProgress.fileName }

    /// Where executor containers see the artifact repository volume.
    public static let artifactDirectory = "/var/run/skein-artifacts"
    public static let artifactVolumeName = "skein-artifacts"

    /// Labels and annotations Skein puts on pods.
    public func workflowLabel() -> String { "workflows.\(settings.group)/workflow" }
    public func completedLabel() -> String { "workflows.\(settings.group)/completed" }
    public func nodeIDAnnotation() -> String { "workflows.\(settings.group)/node-id" }
    public func nodeNameAnnotation() -> String { "workflows.\(settings.group)/node-name" }

    public let settings: Settings

    public init(settings: Settings) { self.settings = settings }

    /// The PersistentVolumeClaim made from the workflow's `volumeClaimTemplates` entry `volume`.
    public static func claimName(_ volume: String, workflow: Workflow) -> String {
        "\(workflow.metadata.name ?? "")-\(volume)"
    }

    /// The claims of a workflow's `volumeClaimTemplates`, owned by it (deleted with it).
    public func claims(of workflow: Workflow) -> [JSONValue] {
        (workflow.spec.volumeClaimTemplates ?? []).compactMap { template in
            guard case .object(var claim) = template, let volume = template["metadata"]?["name"]?.stringValue else { return nil }
            var meta = claim["metadata"]?.objectValue ?? [:]
            meta["name"] = .string(PodBuilder.claimName(volume, workflow: workflow))
            meta["namespace"] = .string(workflow.metadata.namespace ?? "default")
            var labels = meta["labels"]?.objectValue ?? [:]
            labels[workflowLabel()] = .string(workflow.metadata.name ?? "")
            meta["labels"] = .object(labels)
            meta["ownerReferences"] = [[
                "apiVersion": .string("\(settings.group)/v1alpha1"), "kind": "Workflow",
                "name": .string(workflow.metadata.name ?? ""), "uid": .string(workflow.metadata.uid ?? ""),
                "controller": true, "blockOwnerDeletion": true,
            ]]
            claim["metadata"] = .object(meta)
            claim["apiVersion"] = "v1"
            claim["kind"] = "PersistentVolumeClaim"
            return .object(claim)
        }
    }

    /// True when the step can run as a plain pod with the user's container alone.
    public static func isMinimal(_ launch: StepLaunch) -> Bool {
        launch.inputArtifacts.isEmpty && launch.outputArtifacts.isEmpty && launch.outputParameters.isEmpty
            && !launch.captureResult && launch.template.script == nil && !StepProgress.isReported(by: launch.template) && launch.logKey == nil
    }

    /// The pod for `launch` of `workflow` (whose metadata must carry name, namespace and uid).
    /// `repository` is the workflow's `status.artifactRepositoryRef`: an S3 repository it
    /// names (from an `artifactRepositoryRef`) wins over the controller's.
    public func pod(for launch: StepLaunch, workflow: Workflow, repository: JSONValue? = nil) throws(BuildError) -> JSONValue {
        let t = launch.template
        let templateName = t.name ?? launch.displayName
        guard let userContainer = t.container ?? t.script else { throw .notAPodTemplate(template: templateName) }
        let spec = workflow.spec
        let minimal = PodBuilder.isMinimal(launch)

        var main = userContainer.objectValue ?? [:]
        main["name"] = .string(PodObservation.mainContainer)
        main["source"] = nil   // a script's source goes into a file, not into the container spec

        var containers: [JSONValue] = []
        var initContainers: [JSONValue] = []
        var volumes: [JSONValue] = (spec.volumes ?? []) + (t.volumes ?? [])
        for claim in spec.volumeClaimTemplates ?? [] {
            guard let name = claim["metadata"]?["name"]?.stringValue else { continue }
            volumes.append(["name": .string(name),
                            "persistentVolumeClaim": ["claimName": .string(PodBuilder.claimName(name, workflow: workflow))]])
        }

        if minimal {
            containers.append(.object(main))
        } else {
            let varMount: JSONValue = ["name": .string(PodBuilder.varVolume), "mountPath": .string(PodBuilder.varDirectory)]
            volumes.append(["name": .string(PodBuilder.varVolume), "emptyDir": [:]])
            let stepJSON = stepDocument(launch, workflow: workflow)

            // main: the original command behind the emissary.
            var command: [JSONValue]
            if t.script != nil {
                let interpreter = main["command"]?.arrayValue ?? ["sh"]
                command = interpreter + [.string(PodBuilder.scriptPath)]
            } else {
                guard let argv = ImageCommand.argv(command: main["command"]?.arrayValue, args: main["args"]?.arrayValue,
                                                   image: main["image"]?.stringValue, table: settings.images) else {
                    throw .commandRequired(template: templateName)
                }
                command = argv
            }
            var emissary: [JSONValue] = [.string(PodBuilder.emissaryPath), "--control", .string(PodBuilder.controlDirectory)]
            for path in outputPaths(launch) { emissary += ["--output", .string(path)] }
            main["command"] = .array(emissary + ["--"] + command)
            main["args"] = nil
            var mounts = main["volumeMounts"]?.arrayValue ?? []
            mounts.append(varMount)
            // An optional artifact that was not given is not mounted, so its path does not exist
            // (as in Argo; a mount would make an empty directory there).
            for a in launch.inputArtifacts where a.source != .none {
                mounts.append(["name": .string(PodBuilder.varVolume), "mountPath": .string(a.path),
                               "subPath": .string("inputs/\(a.name)")])
            }
            main["volumeMounts"] = .array(mounts)
            // Where the step may write its N/M; the wait container reads it (Argo's ARGO_PROGRESS_FILE).
            var mainEnv = main["env"]?.arrayValue ?? []
            if !mainEnv.contains(where: { $0["name"]?.stringValue == StepProgress.environmentVariable }) {
                mainEnv.append(["name": .string(StepProgress.environmentVariable), "value": .string(PodBuilder.progressPath)])
            }
            main["env"] = .array(mainEnv)

            let env: [JSONValue] = [
                ["name": "SKEIN_STEP", "value": .string(stepJSON)],
                ["name": "SKEIN_POD_NAME", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]],
                ["name": "SKEIN_NAMESPACE", "valueFrom": ["fieldRef": ["fieldPath": "metadata.namespace"]]],
                ["name": "SKEIN_API_GROUP", "value": .string(settings.group)],
            ]
            var executorMounts = [varMount]
            var executorEnv = env
            if let t = settings.reportTimeout {
                executorEnv.append(["name": "SKEIN_REPORT_TIMEOUT", "value": .string(JSONValue.double(t).scalarText ?? "300")])
            }
            let usesRepository = launch.logKey != nil || launch.outputArtifacts.contains { $0.location == nil }
                || launch.inputArtifacts.contains { if case .stored = $0.source { $0.location == nil } else { false } }
            // The keys of artifacts' own S3 locations, from their Secrets.
            let secretRefs = Set(launch.inputArtifacts.flatMap { $0.location?.secrets ?? [] } + launch.outputArtifacts.flatMap { $0.location?.secrets ?? [] })
            for ref in secretRefs.sorted(by: { $0.environmentVariable < $1.environmentVariable }) {
                executorEnv.append(["name": .string(ref.environmentVariable),
                                    "valueFrom": ["secretKeyRef": ["name": .string(ref.name), "key": .string(ref.key)]]])
            }
            if usesRepository, let s3 = ArtifactRepositories.s3(of: repository) ?? settings.s3Repository {
                executorEnv += s3.environment
            } else if usesRepository, let source = settings.artifactVolume?.objectValue {
                var volume = source
                volume["name"] = .string(PodBuilder.artifactVolumeName)
                volumes.append(.object(volume))
                executorMounts.append(["name": .string(PodBuilder.artifactVolumeName), "mountPath": .string(PodBuilder.artifactDirectory)])
                executorEnv.append(["name": "SKEIN_ARTIFACT_DIRECTORY", "value": .string(PodBuilder.artifactDirectory)])
            }
            initContainers.append(executorContainer("init", env: executorEnv, mounts: executorMounts))
            containers.append(.object(main))
            containers.append(executorContainer("wait", env: executorEnv, mounts: executorMounts))
        }
        containers += t.sidecars ?? []
        initContainers += t.initContainers ?? []

        // Metadata: workflow-wide pod metadata, then the template's, then Skein's own keys.
        var labels: [String: JSONValue] = [:]
        var annotations: [String: JSONValue] = [:]
        for source in [spec.podMetadata, t.metadata] {
            for (k, v) in source?["labels"]?.objectValue ?? [:] { labels[k] = v }
            for (k, v) in source?["annotations"]?.objectValue ?? [:] { annotations[k] = v }
        }
        labels[workflowLabel()] = .string(workflow.metadata.name ?? "")
        labels[completedLabel()] = "false"
        annotations[nodeIDAnnotation()] = .string(launch.nodeID)
        annotations[nodeNameAnnotation()] = .string(launch.nodeName)
        if let id = settings.identity { annotations["workflows.\(settings.group)/controller"] = .string(id) }

        var podSpec: [String: JSONValue] = [
            "restartPolicy": "Never",
            "containers": .array(containers),
        ]
        if !initContainers.isEmpty { podSpec["initContainers"] = .array(initContainers) }
        if !volumes.isEmpty { podSpec["volumes"] = .array(volumes) }
        func set(_ key: String, _ value: JSONValue?) { if let v = value { podSpec[key] = v } }
        set("serviceAccountName", (t.serviceAccountName ?? spec.serviceAccountName).map { .string($0) })
        set("automountServiceAccountToken", (t.automountServiceAccountToken ?? spec.automountServiceAccountToken).map { .bool($0) })
        let selector = (spec.nodeSelector ?? [:]).merging(t.nodeSelector ?? [:]) { _, template in template }
        if !selector.isEmpty { podSpec["nodeSelector"] = .object(selector.mapValues { .string($0) }) }
        set("affinity", PodBuilder.affinity(t.affinity ?? spec.affinity, avoiding: launch.avoidNodes))
        set("tolerations", (t.tolerations ?? spec.tolerations).map { .array($0) })
        set("securityContext", t.securityContext ?? spec.securityContext)
        set("imagePullSecrets", spec.imagePullSecrets.map { .array($0) })
        set("priorityClassName", (t.priorityClassName ?? spec.podPriorityClassName ?? spec.priorityClassName).map { .string($0) })
        set("schedulerName", (t.schedulerName ?? spec.schedulerName).map { .string($0) })
        set("hostAliases", (t.hostAliases ?? spec.hostAliases).map { .array($0) })
        set("dnsConfig", spec.dnsConfig)
        set("dnsPolicy", spec.dnsPolicy.map { .string($0) })
        set("hostNetwork", spec.hostNetwork.map { .bool($0) })
        if let deadline = activeDeadlineSeconds(t) { podSpec["activeDeadlineSeconds"] = .int(deadline) }
        // podSpecPatch: the workflow's, then the template's, as strategic merge patches
        // (containers by name: the user's container is `main`).
        for patchText in [spec.podSpecPatch, t.podSpecPatch].compactMap({ $0 }) where !patchText.isEmpty {
            do {
                guard let patch = try YAMLLoader.load(patchText, file: "podSpecPatch").first?.value, case .object = patch else {
                    throw BuildError.badPodSpecPatch(template: templateName, message: "not a map")
                }
                guard case .object(let patched) = try StrategicMergePatch.apply(patch, to: .object(podSpec)) else { continue }
                podSpec = patched
            } catch let e as BuildError {
                throw e
            } catch {
                throw .badPodSpecPatch(template: templateName, message: "\(error)")
            }
        }

        let namespace = workflow.metadata.namespace ?? "default"
        return [
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": [
                "name": .string(launch.podName),
                "namespace": .string(namespace),
                "labels": .object(labels),
                "annotations": .object(annotations),
                "ownerReferences": [[
                    "apiVersion": .string("\(settings.group)/v1alpha1"), "kind": "Workflow",
                    "name": .string(workflow.metadata.name ?? ""), "uid": .string(workflow.metadata.uid ?? ""),
                    "controller": true, "blockOwnerDeletion": true,
                ]],
            ],
            "spec": .object(podSpec),
        ]
    }

    /// The label of the pods that delete a workflow's artifacts (`artifactGC`); its value is
    /// the stage (`completion` or `deletion`).
    public func artifactGCLabel() -> String { "workflows.\(settings.group)/artifact-gc" }

    /// The pod that deletes `items` of `workflow`: `skein executor gc`, with the repository
    /// reached as the workflow's steps reach it (the volume, or S3 with the keys from the
    /// Secrets) and as the workflow's service account, so its RBAC decides.
    public func artifactGCPod(name: String, stage: String, items: [ArtifactGC.Item], workflow: Workflow,
                              repository: JSONValue?) -> JSONValue {
        var env: [JSONValue] = [["name": "SKEIN_GC", "value": .string(JSONValue.array(items.map(\.json)).compactJSON)]]
        var mounts: [JSONValue] = []
        var volumes: [JSONValue] = []
        if items.contains(where: { $0.location == nil }) {
            if let s3 = ArtifactRepositories.s3(of: repository) ?? settings.s3Repository {
                env += s3.environment
            } else if let source = settings.artifactVolume?.objectValue {
                var volume = source
                volume["name"] = .string(PodBuilder.artifactVolumeName)
                volumes.append(.object(volume))
                mounts.append(["name": .string(PodBuilder.artifactVolumeName), "mountPath": .string(PodBuilder.artifactDirectory)])
                env.append(["name": "SKEIN_ARTIFACT_DIRECTORY", "value": .string(PodBuilder.artifactDirectory)])
            }
        }
        for ref in Set(items.flatMap { $0.location?.secrets ?? [] }).sorted(by: { $0.environmentVariable < $1.environmentVariable }) {
            env.append(["name": .string(ref.environmentVariable), "valueFrom": ["secretKeyRef": ["name": .string(ref.name), "key": .string(ref.key)]]])
        }
        var container = executorContainer("gc", env: env, mounts: mounts).objectValue ?? [:]
        container["name"] = "main"
        var podSpec: [String: JSONValue] = ["restartPolicy": "Never", "containers": [.object(container)]]
        if !volumes.isEmpty { podSpec["volumes"] = .array(volumes) }
        let gc = workflow.spec.artifactGC
        if let sa = gc?["serviceAccountName"]?.stringValue ?? workflow.spec.serviceAccountName { podSpec["serviceAccountName"] = .string(sa) }
        var labels: [String: JSONValue] = [workflowLabel(): .string(workflow.metadata.name ?? ""), artifactGCLabel(): .string(stage)]
        var annotations: [String: JSONValue] = [:]
        for (k, v) in gc?["podMetadata"]?["labels"]?.objectValue ?? [:] { labels[k] = v }
        for (k, v) in gc?["podMetadata"]?["annotations"]?.objectValue ?? [:] { annotations[k] = v }
        return [
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": [
                "name": .string(name),
                "namespace": .string(workflow.metadata.namespace ?? "default"),
                "labels": .object(labels),
                "annotations": .object(annotations),
                "ownerReferences": [[
                    "apiVersion": .string("\(settings.group)/v1alpha1"), "kind": "Workflow",
                    "name": .string(workflow.metadata.name ?? ""), "uid": .string(workflow.metadata.uid ?? ""),
                    "controller": true, "blockOwnerDeletion": false,
                ]],
            ],
            "spec": .object(podSpec),
        ]
    }

    /// Files the emissary copies out after the command: output parameters read from files
    /// and output artifacts.
    /// The pod's affinity, with the hosts a retry avoids added to every required node selector
    /// term (a new term when there is none), as Argo's `nodeAntiAffinity` does.
    static func affinity(_ given: JSONValue?, avoiding hosts: [String]) -> JSONValue? {
        guard !hosts.isEmpty else { return given }
        let notIn: JSONValue = ["key": "kubernetes.io/hostname", "operator": "NotIn", "values": .array(hosts.map { .string($0) })]
        var affinity = given ?? .object([:])
        var terms = affinity["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"]?.arrayValue ?? []
        if terms.isEmpty { terms = [.object([:])] }
        for i in terms.indices {
            let expressions = (terms[i]["matchExpressions"]?.arrayValue ?? []) + [notIn]
            terms[i].set(path: ["matchExpressions"], to: .array(expressions))
        }
        affinity.set(path: ["nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"], to: .array(terms))
        return affinity
    }

    func outputPaths(_ launch: StepLaunch) -> [String] {
        var paths: [String] = []
        for p in launch.outputParameters { if let path = p.valueFrom?.path, !paths.contains(path) { paths.append(path) } }
        for a in launch.outputArtifacts where !paths.contains(a.path) { paths.append(a.path) }
        return paths
    }

    private func executorContainer(_ name: String, env: [JSONValue], mounts: [JSONValue]) -> JSONValue {
        var c: [String: JSONValue] = [
            "name": .string(name),
            "image": .string(settings.executorImage),
            "command": ["skein", "executor", .string(name)],
            "env": .array(env),
            "volumeMounts": .array(mounts),
            "resources": ["requests": ["cpu": "10m", "memory": "32Mi"]],
            // Skein's image runs as a non-root user (see the Dockerfile); nothing it does needs more.
            "securityContext": ["runAsNonRoot": true, "allowPrivilegeEscalation": false, "capabilities": ["drop": ["ALL"]]],
        ]
        if let p = settings.executorImagePullPolicy { c["imagePullPolicy"] = .string(p) }
        return .object(c)
    }

    private func activeDeadlineSeconds(_ t: Template) -> Int? {
        switch t.activeDeadlineSeconds {
        case .int(let i)?: return i
        case .string(let s)?: return Int(s)
        case nil: return nil
        }
    }

    /// What the executor needs to know about the step, as compact JSON in `SKEIN_STEP`.
    func stepDocument(_ launch: StepLaunch, workflow: Workflow) -> String {
        StepDocument(launch: launch, workflowName: workflow.metadata.name ?? "", workflowUID: workflow.metadata.uid ?? "")
            .json.compactJSON
    }
}
