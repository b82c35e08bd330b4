/// Fields of Argo's language that Skein accepts (an Argo workflow must not be rejected for
/// them) but does not act on yet. Each is a warning, not an error: `skein lint` lists them
/// and exits 0, `skein run` prints them before it starts, so nobody believes a field works
/// when it is ignored. The table is the one `docs/argo-compatibility.md` gives.
public enum IgnoredFields {
    public enum Runtime: Sendable { case local, cluster }

    struct Entry {
        let field: String
        let effect: String
        /// Only in `skein run` (the controller acts on it).
        var localOnly = false
    }

    static let spec: [Entry] = [
        Entry(field: "metrics", effect: "Prometheus metrics of workflows are not emitted"),
        Entry(field: "synchronization", effect: "semaphores and mutexes are not implemented; the workflow does not wait for them"),
        Entry(field: "podDisruptionBudget", effect: "no PodDisruptionBudget is created"),
        Entry(field: "volumeClaimGC", effect: "claims are deleted with the workflow, not when it completes"),
        Entry(field: "executor", effect: "the executor's service account is the workflow's"),
        Entry(field: "priority", effect: "only {{workflow.priority}} sees it; workflows are not ordered by it"),
    ]

    static let template: [Entry] = [
        Entry(field: "daemon", effect: "daemon steps are not implemented: the step runs as a normal step and must exit"),
        Entry(field: "memoize", effect: "memoization is not implemented: the step runs every time"),
        Entry(field: "synchronization", effect: "semaphores and mutexes are not implemented; the step does not wait for them"),
        Entry(field: "metrics", effect: "Prometheus metrics of templates are not emitted"),
        Entry(field: "annotations", effect: "template annotations (such as a display name) are not read"),
        Entry(field: "executor", effect: "the executor's service account is the workflow's"),
        Entry(field: "sidecars", effect: "sidecars need a cluster; skein run starts only the main command", localOnly: true),
        Entry(field: "initContainers", effect: "init containers need a cluster; skein run starts only the main command", localOnly: true),
    ]

    static let artifact: [Entry] = [
        Entry(field: "archiveLogs", effect: "logs are not archived"),
    ]

    /// The warnings for the documents, for `runtime`.
    public static func warnings(_ docs: [SourceDocument], runtime: Runtime) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for d in docs {
            let specPath: FieldPath
            let spec: JSONValue?
            switch d.kind {
            case .cronWorkflow:
                specPath = FieldPath([.key("spec"), .key("workflowSpec")])
                spec = d.raw["spec"]?["workflowSpec"]
            default:
                specPath = FieldPath([.key("spec")])
                spec = d.raw["spec"]
            }
            guard let spec else { continue }
            func warn(_ entries: [Entry], in object: JSONValue?, at path: FieldPath) {
                guard case .object(let o)? = object else { return }
                for e in entries where o[e.field] != nil && o[e.field] != .null && (!e.localOnly || runtime == .local) {
                    out.append(d.diagnostic(path / e.field, "'\(e.field)' has no effect in Skein yet: \(e.effect)"))
                }
            }
            func artifacts(_ list: JSONValue?, at path: FieldPath, outputs: Bool) {
                for (i, a) in (list?.arrayValue ?? []).enumerated() {
                    let p = path / i
                    warn(artifact, in: a, at: p)
                    // On an input, zip unpacks the artifact; on an output it would store a zip.
                    if outputs, a["archive"]?["zip"] != nil {
                        out.append(d.diagnostic(p / "archive" / "zip", "'zip' has no effect in Skein yet: artifacts are stored as tar.gz"))
                    }
                    if a["archive"]?["tar"]?["compressionLevel"] != nil {
                        out.append(d.diagnostic(p / "archive" / "tar" / "compressionLevel",
                                                "'compressionLevel' has no effect in Skein yet: the default level is used"))
                    }
                }
            }
            warn(Self.spec, in: spec, at: specPath)
            for (i, t) in (spec["templates"]?.arrayValue ?? []).enumerated() {
                let tp = specPath / "templates" / i
                warn(template, in: t, at: tp)
                // Of a template's archiveLocation only `archiveLogs` is acted on.
                for k in (t["archiveLocation"]?.objectValue ?? [:]).keys.sorted() where k != "archiveLogs" {
                    out.append(d.diagnostic(tp / "archiveLocation" / k,
                                            "'\(k)' has no effect in Skein yet: artifacts go to the repository the run or the controller was given"))
                }
                for side in ["inputs", "outputs"] { artifacts(t[side]?["artifacts"], at: tp / side / "artifacts", outputs: side == "outputs") }
                if t["resource"]?["flags"] != nil {
                    out.append(d.diagnostic(tp / "resource" / "flags", "'flags' has no effect in Skein yet: the resource is acted on without kubectl flags"))
                }
            }
        }
        return out
    }
}
