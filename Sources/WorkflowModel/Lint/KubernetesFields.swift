/// The Kubernetes fields Argo embeds (core/v1 Container and its parts, as the API reference
/// lists them): `argo lint` decodes them strictly, so a misspelt `comand` is an error there,
/// and here.
enum KubernetesFields {
    static let container: Set<String> = [
        "args", "command", "env", "envFrom", "image", "imagePullPolicy", "lifecycle", "livenessProbe", "name", "ports",
        "readinessProbe", "resizePolicy", "resources", "restartPolicy", "securityContext", "startupProbe", "stdin", "stdinOnce",
        "terminationMessagePath", "terminationMessagePolicy", "tty", "volumeDevices", "volumeMounts", "workingDir",
    ]
    /// A script template is a container with its `source`.
    static let script: Set<String> = container.union(["source"])
    /// Argo's UserContainer (sidecars, init containers): a container that may mirror main's volume mounts.
    static let userContainer: Set<String> = container.union(["mirrorVolumeMounts"])
    static let envVar: Set<String> = ["name", "value", "valueFrom"]
    static let envVarSource: Set<String> = ["configMapKeyRef", "fieldRef", "resourceFieldRef", "secretKeyRef"]
    static let envFromSource: Set<String> = ["configMapRef", "prefix", "secretRef"]
    static let resources: Set<String> = ["claims", "limits", "requests"]
    static let volumeMount: Set<String> = ["mountPath", "mountPropagation", "name", "readOnly", "recursiveReadOnly", "subPath", "subPathExpr"]
    static let containerPort: Set<String> = ["containerPort", "hostIP", "hostPort", "name", "protocol"]
    static let volume: Set<String> = [
        "name", "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "configMap", "csi", "downwardAPI", "emptyDir",
        "ephemeral", "fc", "flexVolume", "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", "hostPath", "image", "iscsi",
        "nfs", "persistentVolumeClaim", "photonPersistentDisk", "portworxVolume", "projected", "quobyte", "rbd", "scaleIO",
        "secret", "storageos", "vsphereVolume",
    ]
}

extension LintContext {
    /// A container (or script, sidecar, init container) and the parts of it users write most.
    mutating func checkContainer(_ c: JSONValue?, at path: FieldPath, script: Bool = false, user: Bool = false) {
        guard case .object? = c else { return }
        checkFields(c, script ? KubernetesFields.script : user ? KubernetesFields.userContainer : KubernetesFields.container, at: path)
        for (i, e) in (c?["env"]?.arrayValue ?? []).enumerated() {
            checkFields(e, KubernetesFields.envVar, at: path / "env" / i)
            checkFields(e["valueFrom"], KubernetesFields.envVarSource, at: path / "env" / i / "valueFrom")
        }
        for (i, e) in (c?["envFrom"]?.arrayValue ?? []).enumerated() {
            checkFields(e, KubernetesFields.envFromSource, at: path / "envFrom" / i)
        }
        checkFields(c?["resources"], KubernetesFields.resources, at: path / "resources")
        for (i, m) in (c?["volumeMounts"]?.arrayValue ?? []).enumerated() {
            checkFields(m, KubernetesFields.volumeMount, at: path / "volumeMounts" / i)
        }
        for (i, p) in (c?["ports"]?.arrayValue ?? []).enumerated() {
            checkFields(p, KubernetesFields.containerPort, at: path / "ports" / i)
        }
    }

    /// `volumes`: each a name and one volume source Kubernetes knows.
    mutating func checkVolumes(_ v: JSONValue?, at path: FieldPath) {
        for (i, volume) in (v?.arrayValue ?? []).enumerated() {
            checkFields(volume, KubernetesFields.volume, at: path / i)
        }
    }
}
