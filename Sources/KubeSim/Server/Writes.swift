import Foundation
import KubeAPI
import SkeinJSON
import WorkflowModel

extension APIServer {
    // MARK: create

    func create(_ p: ResourcePath, _ body: JSONValue, dryRun: Bool, manager: String? = nil,
                operation: String = "Update") throws(Status) -> JSONValue {
        let r = p.resource
        var o = body
        if let k = o.kind, k != r.kind {
            throw Status.badRequest("the kind in the data (\(k)) does not match the expected kind (\(r.kind)) of \(r.qualifiedName)")
        }
        if r.namespaced {
            guard let ns = p.namespace ?? o.namespace else { throw Status.methodNotAllowed("POST") }
            if let bns = o.namespace, !bns.isEmpty, bns != ns {
                throw Status.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            o.setMetadata("namespace", .string(ns))
        } else {
            o.setMetadata("namespace", nil)
        }
        if (o.name ?? "").isEmpty {
            guard let prefix = o.metadata["generateName"]?.stringValue, !prefix.isEmpty else {
                throw Status.invalid("\(r.kind) \"\" is invalid: metadata.name: Required value: name or generateName is required")
            }
            o.setMetadata("name", .string(String(prefix.prefix(58)) + Random.nameSuffix()))
        }
        let name = o.name ?? ""
        if !APIServer.nameIsValid(name, label: r.plural == "namespaces") && !(r.isCustom == false && r.plural == "events") {
            throw Status.invalid("\(r.kind) \"\(name)\" is invalid: metadata.name: Invalid value: \"\(name)\": \(APIServer.nameRule)")
        }
        if case .object(var m) = o {
            m["apiVersion"] = .string(r.type().apiVersion)
            m["kind"] = .string(r.kind)
            o = .object(m)
        }
        for f in ["uid", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "managedFields"] {
            o.setMetadata(f, nil)
        }
        o.setMetadata("uid", .string(Random.uid()))
        o.setMetadata("creationTimestamp", .string(Clock.rfc3339()))
        if r.isCustom || r.groupResource == .crds { o.setMetadata("generation", 1) }
        if r.isCustom && r.hasStatusSubresource { o.set(path: ["status"], to: nil) }
        if let manager {
            let owned = FieldOwnership.paths(of: o, keyedLists: !r.isCustom)
            o.setMetadata("managedFields", .array([Self.managedEntry(manager, operation, owned, apiVersion: p.apiVersion)]))
        }
        try Defaults.onCreate(r, &o)
        if r.groupResource == .crds {
            let served = try ServedResource.fromCRD(o).get()
            let accepted: JSONValue = o["spec"]?["names"] ?? [:]
            o.set(path: ["status"], to: [
                "acceptedNames": accepted,
                "storedVersions": [.string(served.versions[0])],
                "conditions": [
                    ["type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found",
                     "lastTransitionTime": .string(Clock.rfc3339())],
                    ["type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                     "message": "the initial names have been accepted", "lastTransitionTime": .string(Clock.rfc3339())],
                ],
            ])
            let stored = try store.insert(r, o, dryRun: dryRun)
            if !dryRun { store.serve(served) }
            return stored
        }
        let stored = try store.insert(r, o, dryRun: dryRun)
        // Made for owners that are gone (deleted while its maker did not know yet): the
        // garbage collector removes it, as it would on a real cluster.
        if !dryRun, ownersAreGone(stored) { collectGarbage() }
        return stored
    }

    /// Whether an object has owner references and none of them names an existing object.
    func ownersAreGone(_ o: JSONValue) -> Bool {
        let refs = o.metadata["ownerReferences"]?.arrayValue ?? []
        guard !refs.isEmpty else { return false }
        return refs.allSatisfy { ref in
            let parts = (ref["apiVersion"]?.stringValue ?? "").split(separator: "/").map(String.init)
            let group = parts.count == 2 ? parts[0] : ""
            guard let kind = ref["kind"]?.stringValue, let name = ref["name"]?.stringValue,
                  let owner = store.servedResources.first(where: { $0.kind == kind && $0.group == group }) else { return true }
            let live = try? store.get(owner, namespace: owner.namespaced ? o.namespace : nil, name: name)
            return live?.uid != ref["uid"]?.stringValue || live?.metadata["deletionTimestamp"] != nil
        }
    }

    // MARK: update

    func update(_ p: ResourcePath, name: String, _ body: JSONValue, subresource: String?, dryRun: Bool,
                manager: String = "unknown") throws(Status) -> JSONValue {
        let r = p.resource
        if let n = body.name, n != name {
            throw Status.badRequest("the name of the object (\(n)) does not match the name on the URL (\(name))")
        }
        if r.namespaced, let bns = body.namespace, !bns.isEmpty, bns != p.namespace {
            throw Status.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        let requested = body.resourceVersion ?? ""
        let result = try store.modify(r, namespace: p.namespace, name: name, dryRun: dryRun) { current throws(Status) in
            if requested.isEmpty {
                if r.isCustom {
                    throw Status.invalid("\(r.kind).\(r.group) \"\(name)\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update")
                }
            } else if requested != current.resourceVersion {
                throw Status.conflict(r.type(), name, "the object has been modified; please apply your changes to the latest version and try again")
            }
            var next = try self.merged(r, current: current, proposed: body, subresource: subresource)
            Self.recordUpdate(r, current: current, next: &next, manager: manager, subresource: subresource, apiVersion: p.apiVersion)
            return next
        }
        afterWrite(r, result)
        return result
    }

    /// The object an update or patch leaves: system metadata kept, `status` from the right
    /// place for the status subresource, generation bumped when the spec changed.
    func merged(_ r: ServedResource, current: JSONValue, proposed: JSONValue, subresource: String?) throws(Status) -> JSONValue {
        var next: JSONValue
        if subresource == "status" {
            next = current
            next.set(path: ["status"], to: proposed["status"])
        } else {
            next = proposed
            if r.hasStatusSubresource { next.set(path: ["status"], to: current["status"]) }
        }
        if case .object(var m) = next {
            m["apiVersion"] = .string(r.type().apiVersion)
            m["kind"] = .string(r.kind)
            next = .object(m)
        }
        for f in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "name", "namespace"] {
            next.setMetadata(f, current.metadata[f])
        }
        if current.metadata["deletionTimestamp"] != nil {
            // A deleting object may only lose finalizers.
            let before = Set(current.metadata["finalizers"]?.arrayValue ?? [])
            let after = next.metadata["finalizers"]?.arrayValue ?? []
            if !after.allSatisfy(before.contains) {
                throw Status.invalid("\(r.kind) \"\(current.name ?? "")\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted")
            }
        }
        if r.groupResource == .pods, subresource != "status" {
            // The kubelet owns a running pod's node; a scheduled pod keeps it.
            if let node = current["spec"]?["nodeName"] { next.set(path: ["spec", "nodeName"], to: node) }
        }
        try Defaults.onUpdate(r, &next)
        if case .int(let g)? = current.metadata["generation"] {
            func body(_ v: JSONValue) -> JSONValue {
                guard case .object(var m) = v else { return v }
                m["metadata"] = nil
                m["status"] = nil
                return .object(m)
            }
            if body(next) != body(current) { next.setMetadata("generation", .int(g + 1)) }
        }
        if r.groupResource == .crds, subresource != "status" {
            let served = try ServedResource.fromCRD(next).get()
            if served.groupResource != (try? ServedResource.fromCRD(current).get())?.groupResource {
                throw Status.invalid("CustomResourceDefinition \"\(current.name ?? "")\" is invalid: spec.names.plural and spec.group are immutable")
            }
        }
        return next
    }

    /// Follow-ups of a write: a CRD re-registers its resource; a removed object lets the
    /// garbage collector look at its dependents.
    func afterWrite(_ r: ServedResource, _ o: JSONValue) {
        if r.groupResource == .crds, case .success(let served) = ServedResource.fromCRD(o) {
            if o.metadata["deletionTimestamp"] == nil { store.serve(served) }
        }
        if o.metadata["deletionTimestamp"] != nil { collectGarbage() }
    }

    // MARK: patch

    func patch(_ p: ResourcePath, name: String, _ req: SimRequest, subresource: String?, dryRun: Bool) throws(Status) -> (JSONValue, Bool) {
        let r = p.resource
        let mediaType = req.contentType.split(separator: ";").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        guard let type = PatchType(rawValue: mediaType) else {
            throw Status(code: 415, reason: "UnsupportedMediaType",
                         message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml\(r.isCustom ? "" : ", application/strategic-merge-patch+json")")
        }
        if type == .strategicMerge && r.isCustom {
            throw Status(code: 415, reason: "UnsupportedMediaType",
                         message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
        }
        let text = String(decoding: req.body, as: UTF8.self)
        let patchValue: JSONValue
        if let v = try? JSONValue.parseJSON(text) {
            patchValue = v
        } else if type == .apply, let y = (try? YAMLLoader.load(text, file: "apply patch"))?.first?.value {
            patchValue = y
        } else {
            throw Status.badRequest("the patch body is not valid JSON: \(text.prefix(120))")
        }
        if type == .apply {
            if (req.query["fieldManager"] ?? "").isEmpty {
                throw Status.badRequest("PATCH \(req.path): fieldManager is required for apply requests")
            }
            if (try? store.get(r, namespace: p.namespace, name: name)) == nil {
                var o = patchValue
                o.setMetadata("name", .string(name))
                return (try create(p, o, dryRun: dryRun, manager: req.manager, operation: "Apply"), true)
            }
        }
        let force = req.bool("force")
        let result = try store.modify(r, namespace: p.namespace, name: name, dryRun: dryRun) { current throws(Status) in
            let shown = self.present(current, p)
            var patched: JSONValue
            if type == .apply {
                patched = try Self.serverSideApply(patchValue, to: shown, resource: r, manager: req.manager, force: force,
                                                   subresource: subresource, apiVersion: p.apiVersion)
            } else {
                do throws(PatchError) {
                    switch type {
                    case .merge: patched = MergePatch.apply(patchValue, to: shown)
                    case .json: patched = try JSONPatch.apply(patchValue, to: shown)
                    case .strategicMerge, .apply: patched = try StrategicMergePatch.apply(patchValue, to: shown)
                    }
                } catch {
                    throw Status(code: 422, reason: "Invalid", message: "the patch cannot be applied: \(error.message)")
                }
            }
            guard case .object = patched else { throw Status.badRequest("the patch leaves something that is not an object") }
            if let rv = patched.resourceVersion, rv != current.resourceVersion {
                throw Status.conflict(r.type(), name, "the object has been modified; please apply your changes to the latest version and try again")
            }
            if let n = patched.name, n != name {
                throw Status.invalid("\(r.kind) \"\(name)\" is invalid: metadata.name: Invalid value: \"\(n)\": field is immutable")
            }
            var next = try self.merged(r, current: current, proposed: patched, subresource: subresource)
            if type == .apply {
                next.setMetadata("managedFields", patched.metadata["managedFields"])
            } else {
                Self.recordUpdate(r, current: current, next: &next, manager: req.manager, subresource: subresource, apiVersion: p.apiVersion)
            }
            return next
        }
        afterWrite(r, result)
        return (result, false)
    }

    // MARK: field ownership

    static func managedEntry(_ manager: String, _ operation: String, _ paths: Set<FieldOwnership.Path>, apiVersion: String,
                             subresource: String? = nil) -> JSONValue {
        var e: [String: JSONValue] = [
            "manager": .string(manager), "operation": .string(operation), "apiVersion": .string(apiVersion),
            "time": .string(Clock.rfc3339()), "fieldsType": "FieldsV1", "fieldsV1": FieldOwnership.fieldsV1(paths),
        ]
        if let subresource { e["subresource"] = .string(subresource) }
        return .object(e)
    }

    struct Manager {
        var entry: JSONValue
        var paths: Set<FieldOwnership.Path>
        var name: String { entry["manager"]?.stringValue ?? "" }
        var operation: String { entry["operation"]?.stringValue ?? "" }
        var subresource: String? { entry["subresource"]?.stringValue }
    }

    static func managers(of o: JSONValue) -> [Manager] {
        (o.metadata["managedFields"]?.arrayValue ?? []).map { e in
            Manager(entry: e, paths: FieldOwnership.paths(fromFieldsV1: e["fieldsV1"] ?? [:]))
        }
    }

    static func store(_ managers: [Manager], in o: inout JSONValue) {
        let kept = managers.filter { !$0.paths.isEmpty }.map { m -> JSONValue in
            var e = m.entry
            e.set(path: ["fieldsV1"], to: FieldOwnership.fieldsV1(m.paths))
            return e
        }
        o.setMetadata("managedFields", kept.isEmpty ? nil : .array(kept))
    }

    /// An update (PUT, or a patch other than apply): the manager takes the fields it
    /// changed, from whoever had them; no conflicts.
    /// Writes of the status subresource are not tracked (see KubeSim.swift).
    static func recordUpdate(_ r: ServedResource, current: JSONValue, next: inout JSONValue, manager: String, subresource: String?,
                             apiVersion: String) {
        guard subresource != "status" else {
            next.setMetadata("managedFields", current.metadata["managedFields"])
            return
        }
        let changed = FieldOwnership.changed(from: current, to: next, keyedLists: !r.isCustom)
        var managers = managers(of: current)
        if !changed.isEmpty {
            for i in managers.indices { managers[i].paths.subtract(changed) }
            let present = changed.filter { FieldOwnership.value(at: $0, in: next) != nil }
            if let i = managers.firstIndex(where: { $0.name == manager && $0.operation == "Update" && $0.subresource == subresource }) {
                managers[i].paths.formUnion(present)
                managers[i].entry.set(path: ["time"], to: .string(Clock.rfc3339()))
            } else if !present.isEmpty {
                managers.append(Manager(entry: managedEntry(manager, "Update", [], apiVersion: apiVersion, subresource: subresource),
                                        paths: present))
            }
        }
        store(managers, in: &next)
    }

    /// Server-side apply with field ownership: a field the configuration sets to another value
    /// than a different manager gave it is a conflict (409) unless `force`, which takes it
    /// over; fields this manager applied before and no longer does are removed unless
    /// someone else owns them too.
    static func serverSideApply(_ applied: JSONValue, to live: JSONValue, resource r: ServedResource, manager: String, force: Bool,
                                subresource: String?, apiVersion: String) throws(Status) -> JSONValue {
        let status = subresource == "status"
        let keyed = !r.isCustom
        let wanted = FieldOwnership.paths(of: applied, keyedLists: keyed, status: status)
        var managers = managers(of: live)
        let mine = managers.firstIndex { $0.name == manager && $0.operation == "Apply" && $0.subresource == subresource }
        var conflicts: [(String, FieldOwnership.Path)] = []
        for (i, m) in managers.enumerated() where i != mine && m.subresource == subresource {
            for p in wanted.intersection(m.paths)
            where !FieldOwnership.same(at: p, in: live, and: applied) {
                conflicts.append((m.name, p))
            }
        }
        if !conflicts.isEmpty {
            guard force else {
                let list = conflicts.sorted { ($0.0, $0.1.joined()) < ($1.0, $1.1.joined()) }
                    .map { "conflict with \"\($0.0)\": \(FieldOwnership.describe($0.1))" }
                throw Status(code: 409, reason: "Conflict",
                             message: "Apply failed with \(conflicts.count) conflict\(conflicts.count == 1 ? "" : "s"): " + list.joined(separator: "\n"))
            }
            let taken = Set(conflicts.map(\.1))
            for i in managers.indices where i != mine { managers[i].paths.subtract(taken) }
        }
        var object = live
        if let mine {
            let others = managers.enumerated().filter { $0.offset != mine }.reduce(into: Set<FieldOwnership.Path>()) { $0.formUnion($1.element.paths) }
            for p in managers[mine].paths.subtracting(wanted).subtracting(others).sorted(by: { $0.count > $1.count }) {
                object = FieldOwnership.removing(p, from: object)
            }
            managers[mine].paths = wanted
            managers[mine].entry.set(path: ["time"], to: .string(Clock.rfc3339()))
        } else {
            managers.append(Manager(entry: managedEntry(manager, "Apply", [], apiVersion: apiVersion, subresource: subresource), paths: wanted))
        }
        var merged = ServerSideApply.apply(applied, to: object, keyedLists: keyed)
        store(managers, in: &merged)
        return merged
    }
}
