import Foundation
import KubeAPI
import SkeinJSON

struct DeletionOptions: Sendable {
    var propagation: PropagationPolicy?
    var gracePeriodSeconds: Int?
    var preconditionUID: String?
    var preconditionRV: String?
}

extension APIServer {
    func deleteOptions(_ req: SimRequest) throws(Status) -> DeletionOptions {
        var o = DeletionOptions()
        if !req.body.isEmpty {
            let text = String(decoding: req.body, as: UTF8.self)
            guard let v = try? JSONValue.parseJSON(text) else { throw Status.badRequest("DeleteOptions is not JSON: \(text.prefix(120))") }
            o.propagation = v["propagationPolicy"]?.stringValue.flatMap(PropagationPolicy.init(rawValue:))
            if case .int(let g)? = v["gracePeriodSeconds"] { o.gracePeriodSeconds = g }
            o.preconditionUID = v["preconditions"]?["uid"]?.stringValue
            o.preconditionRV = v["preconditions"]?["resourceVersion"]?.stringValue
            if v["orphanDependents"] == .bool(true) { o.propagation = .orphan }
        }
        if let p = req.query["propagationPolicy"] {
            guard let pp = PropagationPolicy(rawValue: p) else {
                throw Status.badRequest("invalid propagationPolicy \"\(p)\" (use Orphan, Background or Foreground)")
            }
            o.propagation = pp
        }
        if let g = req.int("gracePeriodSeconds") { o.gracePeriodSeconds = g }
        return o
    }

    /// Deletes an object the way the API server does: preconditions first; objects with
    /// finalizers (including the ones Foreground and Orphan add) only get a
    /// deletionTimestamp; a pod running on the kubelet gets a grace period; anything else
    /// goes at once, and the garbage collector then removes dependents whose owners are gone.
    func delete(_ p: ResourcePath, name: String, _ options: DeletionOptions, dryRun: Bool) throws(Status) -> JSONValue {
        let r = p.resource
        let current = try store.get(r, namespace: p.namespace, name: name)
        if let u = options.preconditionUID, u != current.uid {
            throw Status.conflict(r.type(), name, "Precondition failed: UID in precondition: \(u), UID in object meta: \(current.uid ?? "")")
        }
        if let v = options.preconditionRV, v != current.resourceVersion {
            throw Status.conflict(r.type(), name,
                                  "Precondition failed: ResourceVersion in precondition: \(v), ResourceVersion in object meta: \(current.resourceVersion ?? "")")
        }
        if r.groupResource == .namespaces, ["default", "kube-system", "kube-public"].contains(name) {
            throw Status(code: 403, reason: "Forbidden", message: "namespaces \"\(name)\" is forbidden: this namespace may not be deleted")
        }
        var finalizers = current.metadata["finalizers"]?.arrayValue ?? []
        switch options.propagation {
        case .foreground?: if !finalizers.contains("foregroundDeletion") { finalizers.append("foregroundDeletion") }
        case .orphan?: if !finalizers.contains("orphan") { finalizers.append("orphan") }
        default: break
        }
        var grace = 0
        if r.groupResource == .pods, gracefulPodDeletion, current["spec"]?["nodeName"] != nil {
            let phase = current["status"]?["phase"]?.stringValue ?? ""
            if phase != "Succeeded" && phase != "Failed" {
                let specGrace: Int = if case .int(let g)? = current["spec"]?["terminationGracePeriodSeconds"] { g } else { 30 }
                grace = max(options.gracePeriodSeconds ?? specGrace, 0)
                // Already terminating with a shorter grace: keep it (a second delete may only shorten it).
                if case .int(let g)? = current.metadata["deletionGracePeriodSeconds"] { grace = min(grace, g) }
            }
        }
        if !finalizers.isEmpty || grace > 0 {
            if current.metadata["deletionTimestamp"] != nil && grace == 0 && finalizers == (current.metadata["finalizers"]?.arrayValue ?? []) {
                if case .int(let g)? = current.metadata["deletionGracePeriodSeconds"], g > 0, r.groupResource == .pods {
                    // A forced delete of a terminating pod: fall through to removal below when it has no finalizers.
                } else {
                    return current
                }
            } else {
                let result = try store.modify(r, namespace: p.namespace, name: name, dryRun: dryRun) { cur throws(Status) in
                    var next = cur
                    if cur.metadata["deletionTimestamp"] == nil || grace > 0 {
                        next.setMetadata("deletionTimestamp", .string(Clock.rfc3339(Date().addingTimeInterval(Double(grace)))))
                    }
                    next.setMetadata("deletionGracePeriodSeconds", .int(grace))
                    next.setMetadata("finalizers", finalizers.isEmpty ? nil : .array(finalizers))
                    if r.groupResource == .namespaces { next.set(path: ["status", "phase"], to: "Terminating") }
                    return next
                }
                if !dryRun { collectGarbage() }
                return result
            }
        }
        if !finalizers.isEmpty { return current }
        if r.groupResource == .namespaces && !dryRun { deleteNamespaceContents(name) }
        let removed = try store.remove(r, namespace: p.namespace, name: name, dryRun: dryRun)
        if !dryRun {
            if r.groupResource == .crds { store.unserve(GroupResource(group: removed["spec"]?["group"]?.stringValue ?? "",
                                                                      resource: removed["spec"]?["names"]?["plural"]?.stringValue ?? "")) }
            collectGarbage()
        }
        return removed
    }

    func deleteNamespaceContents(_ ns: String) {
        for r in store.servedResources where r.namespaced {
            let items = store.list(r, namespace: ns, labels: .everything, fields: .everything).items
            for o in items {
                _ = try? delete(ResourcePath(resource: r, version: r.versions[0], namespace: ns), name: o.name ?? "",
                                DeletionOptions(gracePeriodSeconds: 0), dryRun: false)
                _ = try? store.remove(r, namespace: ns, name: o.name ?? "")
            }
        }
    }

    func deleteCollection(_ req: SimRequest, _ p: ResourcePath, _ options: DeletionOptions, dryRun: Bool) throws(Status) -> SimResponse {
        let (labels, fields) = try selectors(req)
        let items = store.list(p.resource, namespace: p.namespace, labels: labels, fields: fields).items
        var deleted: [JSONValue] = []
        for o in items {
            if let d = try? delete(ResourcePath(resource: p.resource, version: p.version, namespace: o.namespace), name: o.name ?? "",
                                   options, dryRun: dryRun) {
                deleted.append(present(d, p))
            }
        }
        return .json(200, ["kind": .string(p.resource.listKind), "apiVersion": .string(p.apiVersion),
                           "metadata": ["resourceVersion": .string(String(store.currentRV))], "items": .array(deleted)])
    }

    /// The garbage collector: removes objects all of whose owners are gone (background
    /// propagation), strips owner references for Orphan deletes, and finishes Foreground
    /// deletes once no dependents remain. Runs until nothing changes.
    func collectGarbage() {
        for _ in 0..<1000 {
            let all = store.allObjects()
            let uids = Set(all.compactMap { $0.1.uid })
            var dependents: [String: [(GroupResource, JSONValue)]] = [:]
            for (gr, o) in all {
                for ref in o.metadata["ownerReferences"]?.arrayValue ?? [] {
                    if let u = ref["uid"]?.stringValue { dependents[u, default: []].append((gr, o)) }
                }
            }
            var changed = false
            for (gr, o) in all {
                guard let r = store.resource(gr) else { continue }
                let path = ResourcePath(resource: r, version: r.versions[0], namespace: o.namespace)
                let name = o.name ?? ""
                let finalizers = o.metadata["finalizers"]?.arrayValue ?? []
                if o.metadata["deletionTimestamp"] != nil, let uid = o.uid {
                    if finalizers.contains("orphan") {
                        for (dgr, d) in dependents[uid] ?? [] {
                            guard let dr = store.resource(dgr) else { continue }
                            _ = try? store.modify(dr, namespace: d.namespace, name: d.name ?? "") { cur in
                                var next = cur
                                let refs = (cur.metadata["ownerReferences"]?.arrayValue ?? []).filter { $0["uid"]?.stringValue != uid }
                                next.setMetadata("ownerReferences", refs.isEmpty ? nil : .array(refs))
                                return next
                            }
                        }
                        removeFinalizer("orphan", r, o)
                        changed = true
                    } else if finalizers.contains("foregroundDeletion") {
                        let deps = dependents[uid] ?? []
                        if deps.isEmpty {
                            removeFinalizer("foregroundDeletion", r, o)
                            changed = true
                        } else {
                            for (dgr, d) in deps where d.metadata["deletionTimestamp"] == nil {
                                guard let dr = store.resource(dgr) else { continue }
                                _ = try? delete(ResourcePath(resource: dr, version: dr.versions[0], namespace: d.namespace),
                                                name: d.name ?? "", DeletionOptions(propagation: .background), dryRun: false)
                                changed = true
                            }
                        }
                    }
                    continue
                }
                let refs = o.metadata["ownerReferences"]?.arrayValue ?? []
                if !refs.isEmpty, refs.allSatisfy({ !uids.contains($0["uid"]?.stringValue ?? "") }) {
                    _ = try? delete(path, name: name, DeletionOptions(propagation: .background), dryRun: false)
                    changed = true
                }
            }
            if !changed { return }
        }
    }

    private func removeFinalizer(_ f: String, _ r: ServedResource, _ o: JSONValue) {
        _ = try? store.modify(r, namespace: o.namespace, name: o.name ?? "") { cur in
            var next = cur
            let list = (cur.metadata["finalizers"]?.arrayValue ?? []).filter { $0 != .string(f) }
            next.setMetadata("finalizers", list.isEmpty ? nil : .array(list))
            return next
        }
    }
}
