import SkeinJSON

/// The parts of the Kubernetes Pod schema (core/v1, as the API reference lists its fields)
/// that the controller writes: every key it produces must be one the API knows, and the
/// required ones must be there. Objects the user supplies and the controller passes
/// through unchanged (affinity, securityContext, probes, ...) are not descended into.
enum PodSchema {
    static let pod: Set<String> = ["apiVersion", "kind", "metadata", "spec", "status"]
    static let objectMeta: Set<String> = [
        "annotations", "creationTimestamp", "deletionGracePeriodSeconds", "deletionTimestamp", "finalizers", "generateName",
        "generation", "labels", "managedFields", "name", "namespace", "ownerReferences", "resourceVersion", "selfLink", "uid",
    ]
    static let ownerReference: Set<String> = ["apiVersion", "blockOwnerDeletion", "controller", "kind", "name", "uid"]
    static let podSpec: Set<String> = [
        "activeDeadlineSeconds", "affinity", "automountServiceAccountToken", "containers", "dnsConfig", "dnsPolicy",
        "enableServiceLinks", "ephemeralContainers", "hostAliases", "hostIPC", "hostNetwork", "hostPID", "hostUsers", "hostname",
        "imagePullSecrets", "initContainers", "nodeName", "nodeSelector", "os", "overhead", "preemptionPolicy", "priority",
        "priorityClassName", "readinessGates", "resourceClaims", "resources", "restartPolicy", "runtimeClassName", "schedulerName",
        "schedulingGates", "securityContext", "serviceAccount", "serviceAccountName", "setHostnameAsFQDN", "shareProcessNamespace",
        "subdomain", "terminationGracePeriodSeconds", "tolerations", "topologySpreadConstraints", "volumes",
    ]
    static let container: Set<String> = [
        "args", "command", "env", "envFrom", "image", "imagePullPolicy", "lifecycle", "livenessProbe", "name", "ports",
        "readinessProbe", "resizePolicy", "resources", "restartPolicy", "securityContext", "startupProbe", "stdin", "stdinOnce",
        "terminationMessagePath", "terminationMessagePolicy", "tty", "volumeDevices", "volumeMounts", "workingDir",
    ]
    static let volumeMount: Set<String> = ["mountPath", "mountPropagation", "name", "readOnly", "recursiveReadOnly", "subPath", "subPathExpr"]
    static let envVar: Set<String> = ["name", "value", "valueFrom"]
    static let envVarSource: Set<String> = ["configMapKeyRef", "fieldRef", "resourceFieldRef", "secretKeyRef"]
    static let resources: Set<String> = ["claims", "limits", "requests"]
    static let volumeSources: Set<String> = [
        "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "configMap", "csi", "downwardAPI", "emptyDir",
        "ephemeral", "fc", "flexVolume", "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", "hostPath", "image", "iscsi",
        "nfs", "persistentVolumeClaim", "photonPersistentDisk", "portworxVolume", "projected", "quobyte", "rbd", "scaleIO",
        "secret", "storageos", "vsphereVolume",
    ]

    /// Every problem with `pod`, as `path: what` (empty when it is valid).
    static func problems(_ pod: JSONValue) -> [String] {
        var out: [String] = []
        func known(_ v: JSONValue?, _ fields: Set<String>, _ path: String) {
            guard let o = v?.objectValue else {
                if v != nil { out.append("\(path): expected a map") }
                return
            }
            for k in o.keys where !fields.contains(k) { out.append("\(path).\(k): unknown field") }
        }
        func required(_ v: JSONValue?, _ keys: [String], _ path: String) {
            for k in keys where v?[k] == nil || v?[k] == .null { out.append("\(path).\(k): required") }
        }
        known(pod, Self.pod, "pod")
        required(pod, ["apiVersion", "kind", "metadata", "spec"], "pod")
        let meta = pod["metadata"]
        known(meta, objectMeta, "metadata")
        if meta?["name"] == nil && meta?["generateName"] == nil { out.append("metadata.name: required") }
        for (i, r) in (meta?["ownerReferences"]?.arrayValue ?? []).enumerated() {
            known(r, ownerReference, "metadata.ownerReferences[\(i)]")
            required(r, ["apiVersion", "kind", "name", "uid"], "metadata.ownerReferences[\(i)]")
        }
        for key in ["labels", "annotations"] {
            for (k, v) in meta?[key]?.objectValue ?? [:] where v.stringValue == nil { out.append("metadata.\(key).\(k): must be a string") }
        }
        let spec = pod["spec"]
        known(spec, podSpec, "spec")
        if (spec?["containers"]?.arrayValue ?? []).isEmpty { out.append("spec.containers: required") }
        for list in ["initContainers", "containers"] {
            var names: Set<String> = []
            for (i, c) in (spec?[list]?.arrayValue ?? []).enumerated() {
                let path = "spec.\(list)[\(i)]"
                known(c, container, path)
                required(c, ["name", "image"], path)
                if let n = c["name"]?.stringValue, !names.insert(n).inserted { out.append("\(path).name: duplicate \(n)") }
                for (j, m) in (c["volumeMounts"]?.arrayValue ?? []).enumerated() {
                    known(m, volumeMount, "\(path).volumeMounts[\(j)]")
                    required(m, ["name", "mountPath"], "\(path).volumeMounts[\(j)]")
                    let volumeNames = (spec?["volumes"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
                    if let n = m["name"]?.stringValue, !volumeNames.contains(n) {
                        out.append("\(path).volumeMounts[\(j)].name: no volume \(n)")
                    }
                }
                for (j, e) in (c["env"]?.arrayValue ?? []).enumerated() {
                    known(e, envVar, "\(path).env[\(j)]")
                    required(e, ["name"], "\(path).env[\(j)]")
                    known(e["valueFrom"], envVarSource, "\(path).env[\(j)].valueFrom")
                }
                known(c["resources"], resources, "\(path).resources")
                for key in ["command", "args"] {
                    for (j, a) in (c[key]?.arrayValue ?? []).enumerated() where a.stringValue == nil {
                        out.append("\(path).\(key)[\(j)]: must be a string")
                    }
                }
            }
        }
        for (i, v) in (spec?["volumes"]?.arrayValue ?? []).enumerated() {
            let path = "spec.volumes[\(i)]"
            required(v, ["name"], path)
            let sources = (v.objectValue ?? [:]).keys.filter { $0 != "name" }
            for s in sources where !volumeSources.contains(s) { out.append("\(path).\(s): unknown volume source") }
            if sources.count != 1 { out.append("\(path): exactly one volume source, found \(sources.count)") }
        }
        return out
    }
}
