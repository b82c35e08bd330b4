import Foundation
import KubeAPI
import KubeClient
import Logging
public import SkeinJSON
import WorkflowEngine
import WorkflowModel

/// Before a workflow's first reconcile: its templates from the cluster, lint, the execution.
extension WorkflowReconciler {
    enum Prepared {
        case ready(WorkflowExecution)
        case invalid(String)
    }

    /// Lints the workflow (with the templates it may reference) and builds its execution.
    func prepare(_ compressed: JSONValue, key: String) async -> Prepared {
        var object: JSONValue
        do {
            object = try NodeCompression.expand(compressed)
        } catch {
            return .invalid("invalid workflow: \(error.description)")
        }
        // A workflow that waited for a slot (--parallelism) starts afresh.
        if object["status"]?["phase"] == "Pending", object["status"]?["nodes"] == nil {
            object.set(path: ["status"], to: nil)
        }
        let file = "workflow \(key)"
        let doc = SourceDocument(object: object, file: file, kind: .workflow)
        let namespace = object.namespace ?? "default"
        // The WorkflowTemplates and ClusterWorkflowTemplates it references (and those they
        // reference), from the informers, or from the API server when the informer has not
        // seen one yet (created just before the workflow).
        var fetched: [TemplateReference: JSONValue] = [:]
        var pending = Array(TemplateReference.all(in: object["spec"]))
        while let ref = pending.popLast(), fetched.count < 200 {
            if fetched[ref] != nil { continue }
            var found = ref.cluster ? informers.clusterWorkflowTemplates.store.get(ref.name)
                : informers.workflowTemplates.store.get(namespace: namespace, name: ref.name)
            if found == nil {
                let resource = ref.cluster ? settings.clusterWorkflowTemplates : settings.workflowTemplates
                found = try? await client.get(resource, ref.name, namespace: ref.cluster ? nil : namespace)
            }
            guard let template = found else { continue }   // lint reports it missing
            fetched[ref] = template
            pending += TemplateReference.all(in: template["spec"]).filter { fetched[$0] == nil }
        }
        var templateDocs: [SourceDocument] = []
        var library: [WorkflowTemplate] = []
        for (ref, t) in fetched.sorted(by: { $0.key.name < $1.key.name }) {
            templateDocs.append(SourceDocument(object: t, file: "\(ref.cluster ? "clusterworkflowtemplate" : "workflowtemplate") \(ref.name)",
                                               kind: ref.cluster ? .clusterWorkflowTemplate : .workflowTemplate))
            if let decoded = try? JSONValueDecoder().decode(WorkflowTemplate.self, from: t) { library.append(decoded) }
        }
        let problems = Linter.lint([doc] + templateDocs).filter { $0.location.file == file }
        if !problems.isEmpty {
            return .invalid(Diagnostic.invalidWorkflowMessage(problems))
        }
        let workflow: Workflow
        do {
            workflow = try doc.decode(Workflow.self)
        } catch {
            return .invalid(Diagnostic.invalidWorkflowMessage([error]))
        }
        // The ConfigMaps `valueFrom.configMapKeyRef` reads, in the workflow's namespace only.
        var names = ConfigMapData.referencedNames(in: object["spec"] ?? .null)
        for t in fetched.values { names.formUnion(ConfigMapData.referencedNames(in: t["spec"] ?? .null)) }
        var configMaps = ConfigMapData()
        for name in names.sorted() {
            // The client retries transient failures itself; what is left counts as missing.
            guard let cm = try? await client.get(.configMaps, name, namespace: namespace) else { continue }
            configMaps.maps[name] = (cm["data"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        }
        // artifactGC: its strategies checked, and the finalizer on before anything is stored.
        let templates = (workflow.spec.templates ?? []) + library.flatMap { $0.spec.templates ?? [] }
        if let problem = ArtifactGC.problem(spec: workflow.spec, templates: templates) { return .invalid(problem) }
        let execution = WorkflowExecution(workflow: workflow, library: TemplateLibrary(library), configMaps: configMaps)
        execution.needsArtifactGCFinalizer = ArtifactGC.isNeeded(spec: workflow.spec, templates: templates)
        execution.transientErrorPattern = ProcessInfo.processInfo.environment["TRANSIENT_ERROR_PATTERN"]
        if execution.artifactRepositoryRef == nil {
            // The repository is decided once, when the workflow starts, and kept in its status.
            let ref = workflow.spec.artifactRepositoryRef
            let name = ArtifactRepositories.configMapName(ref)
            // The client retries transient failures itself; what is left counts as missing.
            let cm = (try? await client.get(.configMaps, name, namespace: namespace)).map {
                ArtifactRepositories.ConfigMap(data: ($0["data"]?.objectValue ?? [:]).compactMapValues(\.stringValue), annotations: $0.annotations)
            }
            do {
                if let record = try ArtifactRepositories.resolve(ref: ref, namespace: namespace, configMap: cm) ?? settings.artifactRepositoryRecord {
                    execution.recordArtifactRepository(record)
                }
            } catch {
                return .invalid(error.description)
            }
        }
        execution.archiveLogsByDefault = ArtifactRepositories.archivesLogs(execution.artifactRepositoryRef)
        return .ready(execution)
    }

    func writeInvalid(_ object: JSONValue, message: String) async throws {
        let now = WorkflowReconciler.clock()
        var status = WorkflowStatus()
        status.phase = .error
        status.message = message
        status.startedAt = now
        status.finishedAt = now
        try await statusWriter.write(StatusWriter.encode(status), onto: object)
        events.record(events.events(from: WorkflowEvents.Snapshot(), to: status, workflow: object))
    }
}

/// A `templateRef` or `workflowTemplateRef`: a template by name, namespaced or cluster-wide.
public struct TemplateReference: Hashable, Sendable {
    public var name: String
    public var cluster: Bool

    /// Every reference anywhere under `value`.
    public static func all(in value: JSONValue?) -> Set<TemplateReference> {
        var out: Set<TemplateReference> = []
        func walk(_ v: JSONValue) {
            switch v {
            case .object(let o):
                for key in ["templateRef", "workflowTemplateRef"] {
                    if let ref = o[key], let name = ref["name"]?.stringValue {
                        out.insert(TemplateReference(name: name, cluster: ref["clusterScope"] == .bool(true)))
                    }
                }
                for child in o.values { walk(child) }
            case .array(let a):
                for child in a { walk(child) }
            default:
                break
            }
        }
        if let value { walk(value) }
        return out
    }
}
