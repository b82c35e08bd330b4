// The fields Argo's workflow language defines for each object Skein reads, so a typo in a
// Skein-specific place ("dependecies", "tempalte") is reported with the nearest real name.
// Kubernetes objects embedded in a spec (containers, volumes, metadata, affinity...) are
// passed through and not checked here. Hand-written from Argo's field reference.

enum KnownFields {
    static let workflow: Set<String> = ["apiVersion", "kind", "metadata", "spec", "status"]

    static let workflowSpec: Set<String> = [
        "entrypoint", "arguments", "templates", "onExit", "hooks", "parallelism", "activeDeadlineSeconds",
        "templateDefaults", "workflowTemplateRef", "suspend", "shutdown", "serviceAccountName",
        "automountServiceAccountToken", "executor", "volumes", "volumeClaimTemplates", "volumeClaimGC",
        "nodeSelector", "affinity", "tolerations", "securityContext", "imagePullSecrets", "hostNetwork",
        "dnsPolicy", "dnsConfig", "hostAliases", "priority", "schedulerName", "podGC",
        "podPriorityClassName", "podSpecPatch", "podMetadata", "podDisruptionBudget", "ttlStrategy",
        "retryStrategy", "metrics", "synchronization", "artifactRepositoryRef", "artifactGC", "archiveLogs",
        "workflowMetadata", "podResources", "resourceClaims", "executorPlugins",
    ]

    /// Fields some Argo workflows still carry that Argo's language does not have (any more),
    /// with what to write instead.
    static let replaced: [String: String] = [
        "ttlSecondsAfterFinished": "removed from Argo: write ttlStrategy: {secondsAfterCompletion: N}",
        "ttlSecondsAfterSuccess": "write ttlStrategy: {secondsAfterSuccess: N}",
        "ttlSecondsAfterFailure": "write ttlStrategy: {secondsAfterFailure: N}",
        "podPriority": "removed in Argo 4: use podPriorityClassName",
        "failFast": "failFast is a field of a DAG (dag.failFast) or of a template, not of the workflow's spec",
        "priorityClassName": "on the workflow's spec it is podPriorityClassName (priorityClassName is a template field)",
        "runtimeClassName": "Argo has no runtimeClassName field: set it on the pods with podSpecPatch: '{\"runtimeClassName\": \"NAME\"}'",
    ]

    /// The same for a template.
    static let replacedInTemplate: [String: String] = [
        "hooks": "hooks belong to a step or a DAG task (or to the workflow's spec), not to a template",
        "runtimeClassName": "Argo has no runtimeClassName field: set it on the pod with podSpecPatch: '{\"runtimeClassName\": \"NAME\"}'",
    ]

    /// The same for an artifact.
    static let replacedInArtifact: [String: String] = [
        "key": "a key belongs to the artifact's location: s3: {key: ...} (or gcs, oss, azure: blob, ...)",
    ]

    /// What to write instead of `key`, in the object whose fields are `known`.
    static func replacement(for key: String, in known: Set<String>) -> String? {
        if known.contains("entrypoint") { return replaced[key] }
        if known.contains("container") { return replacedInTemplate[key] }
        if known.contains("fromExpression") { return replacedInArtifact[key] }
        return nil
    }

    static let cronSpec: Set<String> = [
        "schedule", "schedules", "timezone", "concurrencyPolicy", "startingDeadlineSeconds",
        "successfulJobsHistoryLimit", "failedJobsHistoryLimit", "suspend", "when", "stopStrategy",
        "workflowMetadata", "workflowSpec",
    ]

    static let template: Set<String> = [
        "name", "inputs", "outputs", "container", "script", "steps", "dag", "suspend", "resource", "data", "http",
        "plugin", "containerSet", "retryStrategy", "activeDeadlineSeconds", "timeout", "pendingTimeout", "parallelism", "failFast",
        "daemon", "memoize", "synchronization", "metadata", "podSpecPatch", "volumes", "initContainers", "sidecars",
        "nodeSelector", "affinity", "tolerations", "securityContext", "serviceAccountName",
        "automountServiceAccountToken", "executor", "priorityClassName", "priority", "schedulerName", "hostAliases",
        "archiveLocation", "metrics", "outputs", "annotations", "podResources", "resourceClaims",
    ]

    static let step: Set<String> = [
        "name", "template", "templateRef", "inline", "arguments", "when", "withItems", "withParam", "withSequence",
        "continueOn", "onExit", "hooks",
    ]

    static let dagTask: Set<String> = step.union(["dependencies", "depends"])

    static let dag: Set<String> = ["tasks", "target", "failFast"]

    static let parameter: Set<String> = ["name", "value", "default", "enum", "valueFrom", "globalName", "description"]

    static let valueFrom: Set<String> = [
        "path", "expression", "parameter", "jsonPath", "jqFilter", "event", "default", "supplied", "configMapKeyRef",
    ]

    static let artifact: Set<String> = [
        "name", "path", "mode", "from", "fromExpression", "optional", "subPath", "globalName", "archive", "raw",
        "http", "s3", "gcs", "git", "hdfs", "oss", "azure", "artifactory", "plugin", "archiveLogs",
        "recurseMode", "deleted", "artifactGC",
    ]

    static let io: Set<String> = ["parameters", "artifacts"]
    static let outputs: Set<String> = ["parameters", "artifacts", "result", "exitCode"]

    static let retryStrategy: Set<String> = ["limit", "retryPolicy", "backoff", "expression", "affinity"]
    static let backoff: Set<String> = ["duration", "factor", "maxDuration", "cap"]
    static let templateRef: Set<String> = ["name", "template", "clusterScope"]
    static let continueOn: Set<String> = ["failed", "error"]
    static let sequence: Set<String> = ["count", "start", "end", "format"]
    static let hook: Set<String> = ["template", "templateRef", "arguments", "expression"]
    static let suspend: Set<String> = ["duration"]

    /// The closest known name, for "did you mean".
    static func suggestion(for key: String, in known: Set<String>) -> String? {
        var best: (String, Int)?
        for k in known {
            let d = distance(key.lowercased(), k.lowercased())
            if d <= max(2, k.count / 4), best == nil || d < best!.1 { best = (k, d) }
        }
        return best?.0
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
