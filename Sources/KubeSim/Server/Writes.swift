import Foundation
import KubeAPI
import SkeinJSON
import WorkflowModel

extension APIServer {
    // MARK: create

    func create(_ p: ResourcePath, _ body: JSONValue, dryRun: Bool) throws(Status) -> JSONValue {
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
        return try store.insert(r, o, dryRun: dryRun)
    }

    // MARK: update

    func update(_ p: ResourcePath, name: String, _ body: JSONValue, subresource: String?, dryRun: Bool) throws(Status) -> JSONValue {
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
            return try self.merged(r, current: current, proposed: body, subresource: subresource)
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
                return (try create(p, o, dryRun: dryRun), true)
            }
        }
        let result = try store.modify(r, namespace: p.namespace, name: name, dryRun: dryRun) { current throws(Status) in
            let shown = self.present(current, p)
            var patched: JSONValue
            do throws(PatchError) {
                switch type {
                case .merge: patched = MergePatch.apply(patchValue, to: shown)
                case .json: patched = try JSONPatch.apply(patchValue, to: shown)
                case .strategicMerge: patched = try StrategicMergePatch.apply(patchValue, to: shown)
                case .apply: patched = ServerSideApply.apply(patchValue, to: shown, keyedLists: !r.isCustom)
                }
            } catch {
                throw Status(code: 422, reason: "Invalid", message: "the patch cannot be applied: \(error.message)")
            }
            guard case .object = patched else { throw Status.badRequest("the patch leaves something that is not an object") }
            if let rv = patched.resourceVersion, rv != current.resourceVersion {
                throw Status.conflict(r.type(), name, "the object has been modified; please apply your changes to the latest version and try again")
            }
            if let n = patched.name, n != name {
                throw Status.invalid("\(r.kind) \"\(name)\" is invalid: metadata.name: Invalid value: \"\(n)\": field is immutable")
            }
            return try self.merged(r, current: current, proposed: patched, subresource: subresource)
        }
        afterWrite(r, result)
        return (result, false)
    }
}
