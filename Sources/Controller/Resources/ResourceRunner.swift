import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import WorkflowEngine
import WorkflowModel

/// Carries out a `resource` template in the controller (no pod): the action on the object,
/// then, with conditions, a check of the object every `pollInterval` until one of them holds;
/// outputs come from the object by `jsonPath`. The object is read and written as the step's
/// service account (impersonated), so Kubernetes RBAC decides what a workflow may touch, as
/// it does for Argo's resource pods; only discovery uses the controller's own identity.
struct ResourceRunner: Sendable {
    let client: KubeClient
    let group: String
    /// Whether resource steps may act on cluster-scoped objects (off unless the
    /// controller's configuration allows them).
    var clusterScoped = false
    var pollInterval: Duration = .seconds(1)

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The step's observation once it is done (or could not be done).
    func run(_ launch: ResourceLaunch, workflow: Workflow, namespace: String, stillWanted: @Sendable () -> Bool) async -> Observation {
        let started = WorkflowReconciler.clock()
        func finish(_ phase: NodePhase, _ message: String?, outputs: Outputs? = nil) -> Observation {
            .step(launch.nodeID, phase: phase, outputs: outputs, message: message, startedAt: started,
                  finishedAt: WorkflowReconciler.clock())
        }
        do {
            let (resource, object) = try await prepare(launch, workflow: workflow, namespace: namespace)
            let client = self.client.impersonating(.serviceAccount(launch.serviceAccountName, namespace: namespace))
            let ns = resource.namespaced ? (object.namespace ?? namespace) : nil
            let what = "\(object.kind ?? "") \(object.name ?? object["metadata"]?["generateName"]?.stringValue ?? "")"
            var current = try await act(launch, resource: resource, object: object, namespace: ns, as: client)
            guard let current0 = current else { return finish(.succeeded, nil) }   // deleted
            current = current0
            let success = try launch.successCondition.map { c throws(Failure) in try condition(c) }
            let failure = try launch.failureCondition.map { c throws(Failure) in try condition(c) }
            if success != nil || failure != nil {
                let name = current0.name ?? object.name ?? ""
                while true {
                    guard let o = current else { break }
                    if let f = failure, f.holds(for: o) {
                        return finish(.failed, "\(what): failure condition '\(launch.failureCondition ?? "")' is met",
                                      outputs: try? outputs(launch, o))
                    }
                    if let s = success, s.holds(for: o) { break }
                    if success == nil && failure != nil { break }   // only a failure condition, not met
                    try await Task.sleep(for: pollInterval)
                    guard stillWanted() else { return finish(.error, "the workflow went away") }
                    current = try? await client.get(resource, name, namespace: ns)
                }
            }
            return finish(.succeeded, nil, outputs: try outputs(launch, current ?? current0))
        } catch let e as Failure {
            return finish(.error, e.description)
        } catch {
            return finish(.error, "resource \(launch.action): \(error)")
        }
    }

    func condition(_ text: String) throws(Failure) -> ResourceCondition {
        do {
            return try ResourceCondition(parsing: text)
        } catch {
            throw Failure(description: error.description)
        }
    }

    /// The object from the manifest (namespace and owner set) and the resource serving its kind.
    func prepare(_ launch: ResourceLaunch, workflow: Workflow, namespace: String) async throws -> (ResourceType, JSONValue) {
        let docs: [YAMLDocument]
        do {
            docs = try YAMLLoader.load(launch.manifest, file: "resource.manifest")
        } catch {
            throw Failure(description: "resource.manifest is not YAML: \(error)")
        }
        guard var object = docs.first?.value, case .object = object else {
            throw Failure(description: "resource.manifest must be one Kubernetes object (a map with apiVersion, kind and metadata)")
        }
        guard let apiVersion = object.apiVersion, let kind = object.kind else {
            throw Failure(description: "resource.manifest needs apiVersion and kind")
        }
        let served: ResourceType?
        do {
            served = try await client.resourceType(apiVersion: apiVersion, kind: kind)
        } catch KubeError.notFound {
            served = nil   // the API group itself is not served
        }
        guard let resource = served else {
            throw Failure(description: "the cluster serves no \(kind) in \(apiVersion) (is its CRD installed?)")
        }
        // A step acts in its workflow's namespace only: the controller's identity reaches
        // every namespace, the workflow's author should not.
        if resource.namespaced {
            if let other = object.namespace, other != namespace {
                throw Failure(description: "resource.manifest names namespace '\(other)', but a resource step acts only in its "
                              + "workflow's namespace, '\(namespace)': remove metadata.namespace, or run the workflow in '\(other)'")
            }
            object.setMetadata("namespace", .string(namespace))
        } else if !clusterScoped {
            throw Failure(description: "\(kind) is cluster-scoped, and resource steps act only on namespaced objects unless the "
                          + "controller allows cluster-scoped ones (--allow-cluster-scoped-resources, or clusterScopedResources: \"true\" in its ConfigMap)")
        }
        if launch.action == "create" {
            // So that a restarted controller finds the object this step made (see `act`).
            var notes = object["metadata"]?["annotations"]?.objectValue ?? [:]
            notes[nodeAnnotation] = .string(launch.nodeID)
            object.setMetadata("annotations", .object(notes))
        }
        if launch.setOwnerReference {
            var refs = object["metadata"]?["ownerReferences"]?.arrayValue ?? []
            refs.append(["apiVersion": .string("\(group)/v1alpha1"), "kind": "Workflow",
                         "name": .string(workflow.metadata.name ?? ""), "uid": .string(workflow.metadata.uid ?? ""),
                         "blockOwnerDeletion": true])
            object.setMetadata("ownerReferences", .array(refs))
        }
        return (resource, object)
    }

    /// The action; the object as the server has it afterwards (nil once deleted).
    func act(_ launch: ResourceLaunch, resource: ResourceType, object: JSONValue, namespace: String?,
             as client: KubeClient) async throws -> JSONValue? {
        let name = object.name ?? ""
        switch launch.action {
        case "create":
            if launch.resumed,
               let made = try await createdBefore(launch, resource: resource, object: object, namespace: namespace, as: client) {
                return made
            }
            return try await client.create(resource, object, namespace: namespace)
        case "apply":
            return try await client.apply(resource, object, namespace: namespace, fieldManager: "skein", force: true)
        case "patch":
            let type: PatchType
            switch launch.mergeStrategy ?? "strategic" {
            case "merge": type = .merge
            case "json": type = .json
            default: type = .strategicMerge
            }
            return try await client.patch(resource, name, namespace: namespace, type: type, object)
        case "replace":
            let live = try await client.get(resource, name, namespace: namespace)
            var updated = object
            updated.setMetadata("resourceVersion", live["metadata"]?["resourceVersion"])
            return try await client.update(resource, updated, namespace: namespace)
        case "delete":
            do {
                _ = try await client.delete(resource, name, namespace: namespace)
            } catch KubeError.notFound {}
            return nil
        default:
            return try await client.get(resource, name, namespace: namespace)
        }
    }

    var nodeAnnotation: String { "workflows.\(group)/node-id" }

    /// The object a resumed create step made before the restart, if it did: by name, or
    /// (with `generateName`) the one annotated with the step's node.
    func createdBefore(_ launch: ResourceLaunch, resource: ResourceType, object: JSONValue, namespace: String?,
                       as client: KubeClient) async throws -> JSONValue? {
        let ours: (JSONValue) -> Bool = { $0.annotations[nodeAnnotation] == launch.nodeID }
        if let name = object.name {
            do {
                let live = try await client.get(resource, name, namespace: namespace)
                return ours(live) ? live : nil
            } catch KubeError.notFound {
                return nil
            }
        }
        return try await client.list(resource, namespace: namespace).items.first(where: ours)
    }

    /// `outputs.parameters` with `valueFrom.jsonPath` or `valueFrom.jqFilter`, read from the object.
    func outputs(_ launch: ResourceLaunch, _ object: JSONValue) throws(Failure) -> Outputs? {
        var params: [Parameter] = []
        for p in launch.outputParameters {
            var q = Parameter(name: p.name)
            q.globalName = p.globalName
            if let path = p.valueFrom?.jsonPath {
                q.value = (ResourceCondition.jsonPath(path, in: object) ?? p.valueFrom?.default?.value).map { AnyString($0) }
            } else if let filter = p.valueFrom?.jqFilter {
                do {
                    q.value = AnyString(try JQPath(parsing: filter).evaluate(object))
                } catch {
                    throw Failure(description: "output parameter \(p.name): jqFilter \(error.description)")
                }
            } else {
                continue
            }
            params.append(q)
        }
        return params.isEmpty ? nil : Outputs(parameters: params)
    }
}

extension WorkflowReconciler {
    /// Runs a resource step in the background; its observation comes back through the inbox.
    func startResource(_ launch: ResourceLaunch, workflow: Workflow, namespace: String, key: String, uid: String) {
        let runner = ResourceRunner(client: client, group: settings.group, clusterScoped: settings.clusterScopedResources)
        let workflows = informers.workflows.store
        Task {
            let o = await runner.run(launch, workflow: workflow, namespace: namespace,
                                     stillWanted: { workflows.get(key)?.uid == uid })
            self.post(o, key: key)
        }
    }
}
