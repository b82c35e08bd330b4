import Foundation
import KubeAPI
import KubeClient
import KubeSim
import SkeinJSON
import Testing

/// CRUD, patches, deletes, pagination and discovery against KubeSim over HTTPS.
@Suite struct ObjectTests {
    @Test func createGetUpdateAndConflict() async throws {
        try await TestCluster.with { c in
            let k = c.client
            let created = try await k.create(.configMaps, configMap("one", data: ["a": "1"]))
            #expect(created.name == "one")
            #expect(created.namespace == "default")
            let rv1 = try #require(created.resourceVersion)

            var fetched = try await k.get(.configMaps, "one")
            #expect(fetched["data"]?["a"] == "1")
            fetched.set(path: ["data", "a"], to: "2")
            let updated = try await k.update(.configMaps, fetched)
            #expect(updated["data"]?["a"] == "2")
            #expect(updated.resourceVersion != rv1)

            // An update carrying the old resourceVersion is refused with 409 Conflict.
            var stale = created
            stale.set(path: ["data", "a"], to: "3")
            let conflict = await #expect(throws: KubeError.self) { try await k.update(.configMaps, stale) }
            guard case .conflict(let s)? = conflict else {
                Issue.record("expected a conflict, got \(String(describing: conflict))")
                return
            }
            #expect(s.code == 409)

            let dup = await #expect(throws: KubeError.self) { try await k.create(.configMaps, configMap("one")) }
            guard case .alreadyExists? = dup else {
                Issue.record("expected AlreadyExists, got \(String(describing: dup))")
                return
            }
            let missing = await #expect(throws: KubeError.self) { try await k.get(.configMaps, "nope") }
            guard case .notFound(let nf)? = missing else {
                Issue.record("expected NotFound, got \(String(describing: missing))")
                return
            }
            #expect(nf.message.contains("nope"))
        }
    }

    @Test func generateNameAndExplicitNamespaces() async throws {
        try await TestCluster.with { c in
            let k = c.client
            _ = try await k.create(.namespaces, ["metadata": ["name": "other"]])
            let a = try await k.create(.configMaps, ["metadata": ["generateName": "gen-"]], namespace: "other")
            let b = try await k.create(.configMaps, ["metadata": ["generateName": "gen-"]], namespace: "other")
            let na = try #require(a.name), nb = try #require(b.name)
            #expect(na.hasPrefix("gen-") && nb.hasPrefix("gen-") && na != nb)
            #expect(a.namespace == "other")
            // The object's own namespace is used when the call names none.
            let c2 = try await k.create(.configMaps, ["metadata": ["name": "own", "namespace": "other"]])
            #expect(c2.namespace == "other")
            #expect(try await k.list(.configMaps, namespace: "other").items.count == 3)
            #expect(try await k.list(.configMaps).items.filter { $0.name == "own" }.isEmpty)
            // "" lists across namespaces.
            #expect(try await k.list(.configMaps, namespace: "").items.filter { $0.name == "own" }.count == 1)
        }
    }

    @Test func statusSubresourceAndPatches() async throws {
        try await TestCluster.with { c in
            let k = c.client
            let pod: JSONValue = [
                "apiVersion": "v1", "kind": "Pod",
                "metadata": ["name": "p", "labels": ["a": "1"]],
                "spec": ["containers": [["name": "main", "image": "alpine", "command": ["true"]]]],
            ]
            _ = try await k.create(.pods, pod)
            var current = try await k.get(.pods, "p")
            current.set(path: ["status", "message"], to: "from the test")
            current.set(path: ["spec", "activeDeadlineSeconds"], to: 5)
            let afterStatus = try await k.updateStatus(.pods, current)
            #expect(afterStatus["status"]?["message"] == "from the test")
            // The status subresource ignores changes to spec.
            #expect(afterStatus["spec"]?["activeDeadlineSeconds"] == nil)

            let merged = try await k.patch(.pods, "p", type: .merge, ["metadata": ["labels": ["b": "2", "a": nil]]])
            #expect(merged.labels == ["b": "2"])
            let jsonPatched = try await k.patch(.pods, "p", type: .json,
                                                [["op": "add", "path": "/metadata/annotations", "value": ["x": "y"]]])
            #expect(jsonPatched.annotations == ["x": "y"])
            // Strategic merge: the container list is merged by name, not replaced.
            let strategic = try await k.patch(.pods, "p", type: .strategicMerge,
                                              ["spec": ["containers": [["name": "main", "image": "busybox"]]]])
            let containers = strategic["spec"]?["containers"]?.arrayValue ?? []
            #expect(containers.count == 1)
            #expect(containers.first?["image"] == "busybox")
            #expect(containers.first?["command"] == ["true"])

            let statusPatch = try await k.patch(.pods, "p", type: .merge, ["status": ["message": "patched"]], subresource: "status")
            #expect(statusPatch["status"]?["message"] == "patched")
        }
    }

    @Test func serverSideApply() async throws {
        try await TestCluster.with { c in
            let k = c.client
            let first = try await k.apply(.configMaps, configMap("applied", data: ["a": "1"]), fieldManager: "one")
            #expect(first["data"]?["a"] == "1")
            let again = try await k.apply(.configMaps, configMap("applied", data: ["a": "1", "b": "2"]), fieldManager: "one")
            #expect(again["data"]?["b"] == "2")
            let owners = again["metadata"]?["managedFields"]?.arrayValue ?? []
            #expect(owners.count == 1 && owners.first?["manager"] == "one" && owners.first?["operation"] == "Apply")
            #expect(owners.first?["fieldsV1"]?.compactJSON == #"{"f:data":{"f:a":{},"f:b":{}}}"#)

            // Another manager setting a field of "one" to another value: a conflict...
            let conflict = await #expect(throws: KubeError.self) {
                try await k.apply(.configMaps, configMap("applied", data: ["a": "9"]), fieldManager: "two")
            }
            guard case .conflict(let status)? = conflict else {
                Issue.record("expected a conflict, got \(String(describing: conflict))")
                return
            }
            #expect(status.message == #"Apply failed with 1 conflict: conflict with "one": .data.a"#)
            // ...but the same value is shared ownership, and force takes the field over.
            _ = try await k.apply(.configMaps, configMap("applied", data: ["a": "1"]), fieldManager: "two")
            let forced = try await k.apply(.configMaps, configMap("applied", data: ["a": "9"]), fieldManager: "two", force: true)
            #expect(forced["data"]?["a"] == "9")

            // "one" no longer applies b: it goes (nobody else has it). It no longer owns a,
            // so a stays.
            let dropped = try await k.apply(.configMaps, configMap("applied", data: ["c": "3"]), fieldManager: "one")
            #expect(dropped["data"]?.compactJSON == #"{"a":"9","c":"3"}"#)

            // An update (a merge patch) takes the fields it changes, without conflicts; a later
            // apply of one of them conflicts with it.
            _ = try await k.patch(.configMaps, "applied", type: .merge, ["data": ["c": "edited"]], fieldManager: "editor")
            let edited = await #expect(throws: KubeError.self) {
                try await k.apply(.configMaps, configMap("applied", data: ["c": "3"]), fieldManager: "one")
            }
            guard case .conflict(let s2)? = edited else {
                Issue.record("expected a conflict, got \(String(describing: edited))")
                return
            }
            #expect(s2.message.contains(#"conflict with "editor": .data.c"#), "\(s2.message)")
        }
    }

    @Test func fieldOwnershipPathsOfKeyedListsAndFieldsV1() throws {
        let pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": "p", "labels": ["app": "x"], "finalizers": ["f1"], "resourceVersion": "5"],
            "spec": ["containers": [["name": "c", "image": "busybox", "ports": [["containerPort": 80]]]], "restartPolicy": "Never"],
            "status": ["phase": "Running"],
        ]
        let paths = FieldOwnership.paths(of: pod, keyedLists: true)
        #expect(paths.contains(["f:metadata", "f:labels", "f:app"]))
        #expect(paths.contains(["f:metadata", "f:finalizers", #"v:"f1""#]))
        #expect(paths.contains(["f:spec", "f:containers", #"k:{"name":"c"}"#, "f:image"]))
        #expect(paths.contains(["f:spec", "f:containers", #"k:{"name":"c"}"#, "f:ports", #"k:{"containerPort":80}"#]))
        #expect(!paths.contains { $0.first == "f:status" || $0.contains("f:resourceVersion") || $0.contains("f:name") && $0.count == 2 })
        // Round trip through fieldsV1.
        #expect(FieldOwnership.paths(fromFieldsV1: FieldOwnership.fieldsV1(paths)) == paths)
        let image = ["f:spec", "f:containers", #"k:{"name":"c"}"#, "f:image"]
        #expect(FieldOwnership.value(at: image, in: pod) == "busybox")
        #expect(FieldOwnership.describe(image) == #".spec.containers[name="c"].image"#)
        #expect(FieldOwnership.value(at: image, in: FieldOwnership.removing(image, from: pod)) == nil)
        // Changes: only what differs, keyed list items matched by key.
        var changed = pod
        changed.set(path: ["spec", "containers"], to: [["name": "c", "image": "alpine", "ports": [["containerPort": 80]]]])
        #expect(FieldOwnership.changed(from: pod, to: changed, keyedLists: true) == [image])
    }

    @Test func deletePreconditionsAndCollections() async throws {
        try await TestCluster.with { c in
            let k = c.client
            let made = try await k.create(.configMaps, configMap("d"))
            let wrongUID = await #expect(throws: KubeError.self) {
                try await k.delete(.configMaps, "d", options: DeleteOptions(preconditionUID: "not-the-uid"))
            }
            guard case .conflict? = wrongUID else {
                Issue.record("expected a conflict, got \(String(describing: wrongUID))")
                return
            }
            try await k.delete(.configMaps, "d", options: DeleteOptions(propagationPolicy: .background, preconditionUID: made.uid))
            await #expect(throws: KubeError.self) { try await k.get(.configMaps, "d") }

            for i in 0..<6 { _ = try await k.create(.configMaps, configMap("c\(i)", labels: ["group": i < 4 ? "x" : "y"])) }
            try await k.deleteCollection(.configMaps, labelSelector: "group=x")
            let left = try await k.list(.configMaps).items.compactMap(\.name).sorted()
            #expect(left == ["c4", "c5"] || left == ["c4", "c5", "kube-root-ca.crt"])
        }
    }

    @Test func selectorsAndPagination() async throws {
        try await TestCluster.with { c in
            let k = c.client
            for i in 0..<25 {
                _ = try await k.create(.configMaps, configMap(String(format: "p%02d", i), labels: ["parity": i % 2 == 0 ? "even" : "odd"]))
            }
            let even = try await k.list(.configMaps, options: ListOptions(labelSelector: "parity=even"))
            #expect(even.items.count == 13)
            let byName = try await k.list(.configMaps, options: ListOptions(fieldSelector: "metadata.name=p03"))
            #expect(byName.items.map(\.name) == ["p03"])

            let page1 = try await k.list(.configMaps, options: ListOptions(labelSelector: "parity", limit: 10))
            #expect(page1.items.count == 10)
            let token = try #require(page1.continueToken)
            #expect(page1.remainingItemCount == 15)
            let page2 = try await k.list(.configMaps, options: ListOptions(labelSelector: "parity", limit: 10, continueToken: token))
            #expect(page2.items.count == 10)
            #expect(Set(page1.items.compactMap(\.name)).isDisjoint(with: page2.items.compactMap(\.name)))

            let before = c.sim.faults.requestCount
            let all = try await k.listAll(.configMaps, options: ListOptions(labelSelector: "parity"), pageSize: 7)
            #expect(all.items.count == 25)
            #expect(Set(all.items.compactMap(\.name)).count == 25)
            #expect(c.sim.faults.requestCount - before == 4)  // 7 + 7 + 7 + 4
            #expect(!all.resourceVersion.isEmpty)
        }
    }

    @Test func discovery() async throws {
        try await TestCluster.with { c in
            let k = c.client
            let v = try await k.serverVersion()
            #expect(!v.major.isEmpty && !v.gitVersion.isEmpty)
            let gvs = try await k.apiGroupVersions()
            #expect(gvs.first == "v1")
            #expect(gvs.contains("coordination.k8s.io/v1"))
            let core = try await k.apiResources(groupVersion: "v1")
            let pods = try #require(core.first { $0.name == "pods" })
            #expect(pods.namespaced && pods.kind == "Pod" && pods.verbs.contains("watch"))
            #expect(!core.contains { $0.name.contains("/") })
            #expect(try await k.resourceType(apiVersion: "coordination.k8s.io/v1", kind: "Lease") == .leases)
        }
    }
}
