import Foundation
import KubeAPI
import KubeSim
import SkeinJSON
import SkeinTestSupport
import Synchronization
import Testing

/// The API semantics checked byte by byte over HTTPS with curl.
@Suite(.serialized) struct CurlTests {
    let cms = "/api/v1/namespaces/default/configmaps"

    @Test func authentication() async throws {
        guard curlAvailable() else { return }
        try await withCluster(instant: true) { c in
            #expect(try await c.curl("GET", "/api/v1/namespaces", auth: .token).code == 200)
            #expect(try await c.curl("GET", "/api/v1/namespaces", auth: .clientCertificate).code == 200)
            let none = try await c.curl("GET", "/api/v1/namespaces", auth: .none)
            #expect(none.code == 401)
            #expect(try json(none.body)["reason"] == "Unauthorized")
            #expect(try await c.curl("GET", "/api/v1/namespaces", auth: .bearer("wrong")).code == 401)
            let v = try json(try await c.curl("GET", "/version").body)
            #expect(v["major"] == "1")
            let names = try json(try await c.curl("GET", "/api/v1/namespaces").body)["items"]?.arrayValue?.compactMap { $0.name }
            #expect(names?.contains("default") == true && names?.contains("kube-system") == true)
        }
    }

    /// A paused API server answers nothing until it is resumed; then everything waiting.
    @Test func aPausedServerAnswersOnceResumed() async throws {
        guard curlAvailable() else { return }
        try await withCluster(instant: true) { c in
            #expect(try await c.curl("POST", "/skein-sim/pause", body: "{}").code == 200)
            let resumed = Mutex(false)
            let waiting = Task {
                let answer = try await c.curl("GET", cms)
                return (answer.code, resumed.withLock { $0 })
            }
            try await Task.sleep(for: .milliseconds(500))
            resumed.withLock { $0 = true }
            c.sim.faults.resume()
            let (code, afterResume) = try await waiting.value
            #expect(code == 200)
            #expect(afterResume, "the list was answered before the server was resumed")
        }
    }

    /// `/skein-sim/hold` keeps the next matching request waiting, unapplied, until
    /// `/skein-sim/release`; then it is applied and answered, and the next one is not held.
    @Test func aHeldRequestIsAppliedOnlyOnceReleased() async throws {
        guard curlAvailable() else { return }
        try await withCluster(instant: true) { c in
            #expect(try await c.curl("POST", "/skein-sim/hold", body: #"{"verb":"create","resource":"configmaps"}"#).code == 200)
            let create = Task { try await c.curl("POST", cms, body: #"{"metadata":{"name":"held"}}"#) }
            var holds: JSONValue = []
            for _ in 0..<200 {
                holds = try json(try await c.curl("GET", "/skein-sim/holds").body)
                if holds[0]?["arrived"] == true { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(holds[0]?["arrived"] == true, "\(holds)")
            #expect(holds[0]?["answered"] == .null)
            #expect(c.sim.get(.configMaps, namespace: "default", name: "held") == nil, "applied before it was released")
            #expect(try await c.curl("POST", "/skein-sim/release", body: "{}").code == 200)
            #expect(try await create.value.code == 201)
            #expect(c.sim.get(.configMaps, namespace: "default", name: "held") != nil)
            holds = try json(try await c.curl("GET", "/skein-sim/holds").body)
            #expect(holds[0]?["answered"] == 201)
            #expect(try await c.curl("POST", cms, body: #"{"metadata":{"name":"free"}}"#, timeout: 5).code == 201)
        }
    }

    /// A restarted API server keeps its objects. While it restarts, a request's connection
    /// is closed unanswered; afterwards, a watch from before the restart gets 410 Gone.
    @Test func aRestartedServerKeepsItsObjects() async throws {
        guard curlAvailable() else { return }
        try await withCluster(instant: true) { c in
            let made = try json(try await c.curl("POST", cms, body: #"{"metadata":{"name":"kept"}}"#).body)
            let rv = made["metadata"]?["resourceVersion"]?.stringValue ?? ""
            #expect(try await c.curl("POST", cms, body: #"{"metadata":{"name":"later"}}"#).code == 201)
            #expect(try await c.curl("POST", "/skein-sim/restart", body: #"{"seconds":1.5}"#).code == 200)
            await #expect(throws: HarnessError.self) { try await c.curl("GET", "\(cms)/kept", timeout: 5) }
            try await Task.sleep(for: .seconds(1.6))
            let got = try await c.curl("GET", "\(cms)/kept")
            #expect(got.code == 200)
            #expect(try json(got.body)["metadata"]?["resourceVersion"]?.stringValue == rv)
            let old = try await c.curl("GET", "\(cms)?watch=true&resourceVersion=\(rv)&timeoutSeconds=1")
            let e = try WatchEvent(line: Array((old.body.split(separator: "\n").first ?? "").utf8))
            #expect(e.status?.code == 410, "a watch from before the restart: \(old.body)")
        }
    }

    /// Protobuf bodies: the bytes real kubectl 1.32 sent for `kubectl create configmap cm1
    /// --from-literal=a=b` (empty ObjectMeta strings included), and a kind KubeSim does not
    /// read, refused with 415 and what to do instead.
    @Test func protobufBodiesOfTheImperativeKinds() async throws {
        guard curlAvailable() else { return }
        try await withCluster(instant: true) { c in
            let kubectlBytes: [UInt8] = [
                0x6b, 0x38, 0x73, 0x00, 0x0a, 0x0f, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x09, 0x43, 0x6f, 0x6e, 0x66,
                0x69, 0x67, 0x4d, 0x61, 0x70, 0x12, 0x1d, 0x0a, 0x13, 0x0a, 0x03, 0x63, 0x6d, 0x31, 0x12, 0x00,
                0x1a, 0x00, 0x22, 0x00, 0x2a, 0x00, 0x32, 0x00, 0x38, 0x00, 0x42, 0x00, 0x12, 0x06, 0x0a, 0x01,
                0x61, 0x12, 0x01, 0x62, 0x1a, 0x00, 0x22, 0x00,
            ]
            let pb = "application/vnd.kubernetes.protobuf"
            let made = try await c.curl("POST", cms, body: String(decoding: kubectlBytes, as: UTF8.self), contentType: pb)
            #expect(made.code == 201, "\(made.body)")
            let cm = try json(try await c.curl("GET", "\(cms)/cm1").body)
            #expect(cm["data"]?.compactJSON == #"{"a":"b"}"#)
            #expect(cm["metadata"]?["generateName"] == nil, "empty strings of the protobuf are absent fields")
            // A Pod (v1, Pod) in the same envelope: not read.
            var pod: [UInt8] = [0x6b, 0x38, 0x73, 0x00, 0x0a, 0x09, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x03, 0x50, 0x6f, 0x64, 0x12, 0x07,
                                0x0a, 0x05, 0x0a, 0x03, 0x70, 0x6f, 0x31]
            let refused = try await c.curl("POST", "/api/v1/namespaces/default/pods", body: String(decoding: pod, as: UTF8.self), contentType: pb)
            #expect(refused.code == 415)
            #expect(try json(refused.body)["message"]?.stringValue?.contains("apply -f") == true)
            pod = Array(pod.prefix(10))   // cut short
            let cut = try await c.curl("POST", cms, body: String(decoding: pod, as: UTF8.self), contentType: pb)
            #expect(cut.code == 400, "\(cut.body)")
        }
    }

    @Test func optimisticConcurrencyAndCreateRules() async throws {
        guard curlAvailable() else { return }
        try await withCluster(instant: true) { c in
            let created = try await c.curl("POST", cms, body: #"{"metadata":{"name":"a"},"data":{"k":"1"}}"#)
            #expect(created.code == 201)
            let a = try json(created.body)
            let rv = try #require(a.resourceVersion)
            #expect(a.uid?.count == 36)
            #expect(a["metadata"]?["creationTimestamp"]?.stringValue?.hasSuffix("Z") == true)
            let ok = try await c.curl("PUT", "\(cms)/a", body: #"{"metadata":{"name":"a","resourceVersion":"\#(rv)"},"data":{"k":"2"}}"#)
            #expect(ok.code == 200)
            #expect(Int(try json(ok.body).resourceVersion ?? "0")! > Int(rv)!)
            let stale = try await c.curl("PUT", "\(cms)/a", body: #"{"metadata":{"name":"a","resourceVersion":"\#(rv)"},"data":{"k":"3"}}"#)
            #expect(stale.code == 409)
            let s = try json(stale.body)
            #expect(s["reason"] == "Conflict")
            #expect(s["message"] == #"Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again"#)
            #expect(try await c.curl("POST", cms, body: #"{"metadata":{"name":"a"}}"#).code == 409)

            let gen = try json(try await c.curl("POST", cms, body: #"{"metadata":{"generateName":"job-"}}"#).body)
            let name = try #require(gen.name)
            #expect(name.hasPrefix("job-") && name.count == 9)

            let missing = try await c.curl("POST", "/api/v1/namespaces/nope/configmaps", body: #"{"metadata":{"name":"x"}}"#)
            #expect(missing.code == 404)
            #expect(try json(missing.body)["message"] == #"namespaces "nope" not found"#)
            #expect(try await c.curl("POST", cms, body: #"{"metadata":{"name":"Bad_Name"}}"#).code == 422)

            let dry = try await c.curl("POST", "\(cms)?dryRun=All", body: #"{"metadata":{"name":"dry"}}"#)
            #expect(dry.code == 201)
            #expect(try await c.curl("GET", "\(cms)/dry").code == 404)

            let pre = try await c.curl("DELETE", "\(cms)/a", body: #"{"preconditions":{"uid":"not-it"}}"#)
            #expect(pre.code == 409)
            #expect(try json(pre.body)["message"]?.stringValue?.contains("Precondition failed: UID in precondition: not-it") == true)
            #expect(try await c.curl("DELETE", "\(cms)/a").code == 200)
            #expect(try await c.curl("GET", "\(cms)/a").code == 404)
        }
    }

    @Test func paginationAndExpiredContinue() async throws {
        guard curlAvailable() else { return }
        try await withCluster(instant: true) { c in
            for i in 0..<5 {
                _ = try await c.curl("POST", cms, body: #"{"metadata":{"name":"cm\#(i)","labels":{"n":"\#(i % 2)"}}}"#)
            }
            var names: [String] = []
            var token: String?
            var pages = 0
            repeat {
                let q = token.map { "&continue=\(PathEscaping.queryValue($0))" } ?? ""
                let page = try json(try await c.curl("GET", "\(cms)?limit=2\(q)").body)
                names += page["items"]?.arrayValue?.compactMap(\.name) ?? []
                token = page["metadata"]?["continue"]?.stringValue
                pages += 1
            } while token != nil && pages < 10
            #expect(names == ["cm0", "cm1", "cm2", "cm3", "cm4"])
            #expect(pages == 3)

            let odd = try json(try await c.curl("GET", "\(cms)?labelSelector=n%3D1").body)
            #expect(odd["items"]?.arrayValue?.compactMap(\.name) == ["cm1", "cm3"])
            let byName = try json(try await c.curl("GET", "\(cms)?fieldSelector=metadata.name%3Dcm4").body)
            #expect(byName["items"]?.arrayValue?.compactMap(\.name) == ["cm4"])
            #expect(try await c.curl("GET", "\(cms)?labelSelector=n%20in%20(1").code == 400)

            let first = try json(try await c.curl("GET", "\(cms)?limit=2").body)
            let t = try #require(first["metadata"]?["continue"]?.stringValue)
            _ = try await c.curl("POST", cms, body: #"{"metadata":{"name":"later"}}"#)
            c.sim.expireResourceVersions()
            let expired = try await c.curl("GET", "\(cms)?limit=2&continue=\(PathEscaping.queryValue(t))")
            #expect(expired.code == 410)
            #expect(try json(expired.body)["reason"] == "Expired")

            // deletecollection with a selector.
            #expect(try await c.curl("DELETE", "\(cms)?labelSelector=n%3D0").code == 200)
            #expect(c.sim.list(.configMaps, namespace: "default").compactMap(\.name) == ["cm1", "cm3", "later"])
        }
    }

    @Test func watchReplaysFromAVersionAndExpires() async throws {
        guard curlAvailable() else { return }
        try await withCluster(instant: true) { c in
            let start = c.sim.resourceVersion
            _ = try await c.curl("POST", cms, body: #"{"metadata":{"name":"w","labels":{"a":"1"}}}"#)
            _ = try await c.curl("PATCH", "\(cms)/w", body: #"{"data":{"x":"y"}}"#, contentType: "application/merge-patch+json")
            _ = try await c.curl("PATCH", "\(cms)/w", body: #"{"metadata":{"labels":{"a":"2"}}}"#, contentType: "application/merge-patch+json")
            _ = try await c.curl("DELETE", "\(cms)/w")
            let all = try await c.curl("GET", "\(cms)?watch=true&resourceVersion=\(start)&timeoutSeconds=1")
            let events = try all.body.split(separator: "\n").map { try WatchEvent(line: Array($0.utf8)) }
            #expect(events.map(\.type) == [.added, .modified, .modified, .deleted])
            #expect(events[1].object["data"]?["x"] == "y")
            // With a selector, leaving the selection is a DELETED event for that watch.
            let sel = try await c.curl("GET", "\(cms)?watch=true&resourceVersion=\(start)&timeoutSeconds=1&labelSelector=a%3D1")
            let selEvents = try sel.body.split(separator: "\n").map { try WatchEvent(line: Array($0.utf8)) }
            #expect(selEvents.map(\.type) == [.added, .modified, .deleted])

            let bm = try await c.curl("GET", "\(cms)?watch=true&allowWatchBookmarks=true&timeoutSeconds=2")
            #expect(bm.body.contains(#""type":"BOOKMARK""#))

            c.sim.expireResourceVersions()
            let gone = try await c.curl("GET", "\(cms)?watch=true&resourceVersion=\(start)")
            #expect(gone.code == 200)
            let e = try WatchEvent(line: Array(gone.body.split(separator: "\n")[0].utf8))
            #expect(e.type == .error)
            #expect(e.status?.code == 410)
        }
    }

    @Test func ownerReferencesCascade() async throws {
        guard curlAvailable() else { return }
        try await withCluster(instant: true) { c in
            func owned(_ name: String, by owner: JSONValue) -> String {
                #"{"metadata":{"name":"\#(name)","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"\#(owner.name ?? "")","uid":"\#(owner.uid ?? "")"}]}}"#
            }
            // Background: dependents go after the owner.
            let o1 = try json(try await c.curl("POST", cms, body: #"{"metadata":{"name":"owner1"}}"#).body)
            _ = try await c.curl("POST", "/api/v1/namespaces/default/secrets", body: owned("dep1", by: o1))
            #expect(try await c.curl("DELETE", "\(cms)/owner1", body: #"{"propagationPolicy":"Background"}"#).code == 200)
            #expect(await c.sim.wait(for: .secrets, namespace: "default", name: "dep1", timeout: 10) { $0 == nil }.met)

            // Orphan: dependents stay, without the owner reference.
            let o2 = try json(try await c.curl("POST", cms, body: #"{"metadata":{"name":"owner2"}}"#).body)
            _ = try await c.curl("POST", "/api/v1/namespaces/default/secrets", body: owned("dep2", by: o2))
            #expect(try await c.curl("DELETE", "\(cms)/owner2", body: #"{"propagationPolicy":"Orphan"}"#).code == 200)
            #expect(await c.sim.wait(for: .configMaps, namespace: "default", name: "owner2", timeout: 10) { $0 == nil }.met)
            let dep2 = try #require(c.sim.get(.secrets, namespace: "default", name: "dep2"))
            #expect(dep2["metadata"]?["ownerReferences"] == nil)

            // Foreground: the owner waits (deletionTimestamp, finalizer) until its dependents are gone.
            let o3 = try json(try await c.curl("POST", cms, body: #"{"metadata":{"name":"owner3"}}"#).body)
            _ = try await c.curl("POST", "/api/v1/namespaces/default/secrets",
                           body: #"{"metadata":{"name":"dep3","finalizers":["test/hold"],"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"owner3","uid":"\#(o3.uid ?? "")"}]}}"#)
            #expect(try await c.curl("DELETE", "\(cms)/owner3", body: #"{"propagationPolicy":"Foreground"}"#).code == 200)
            let waiting = try #require(c.sim.get(.configMaps, namespace: "default", name: "owner3"))
            #expect(waiting["metadata"]?["finalizers"] == ["foregroundDeletion"])
            #expect(c.sim.get(.secrets, namespace: "default", name: "dep3")?["metadata"]?["deletionTimestamp"] != nil)
            _ = try await c.curl("PATCH", "/api/v1/namespaces/default/secrets/dep3", body: #"{"metadata":{"finalizers":null}}"#,
                           contentType: "application/merge-patch+json")
            #expect(await c.sim.wait(for: .configMaps, namespace: "default", name: "owner3", timeout: 10) { $0 == nil }.met)

            // Created for an owner already gone (its maker had not seen the delete yet): collected.
            let created = try await c.curl("POST", "/api/v1/namespaces/default/secrets", body: owned("late", by: o1))
            #expect(created.code == 201)
            #expect(await c.sim.wait(for: .secrets, namespace: "default", name: "late", timeout: 10) { $0 == nil }.met)
            // An owner that exists keeps it.
            let o4 = try json(try await c.curl("POST", cms, body: #"{"metadata":{"name":"owner4"}}"#).body)
            _ = try await c.curl("POST", "/api/v1/namespaces/default/secrets", body: owned("kept", by: o4))
            #expect(c.sim.get(.secrets, namespace: "default", name: "kept") != nil)
        }
    }

    @Test func faultInjection() async throws {
        guard curlAvailable() else { return }
        try await withCluster(instant: true) { c in
            let arm = try await c.curl("POST", "/skein-sim/fail", body: #"{"verb":"get","resource":"configmaps","code":503,"count":2,"retryAfterSeconds":1}"#)
            #expect(arm.code == 200)
            _ = try await c.curl("POST", cms, body: #"{"metadata":{"name":"f"}}"#)
            let first = try await c.curl("GET", "\(cms)/f", extra: ["-D", "\(c.directory)/headers"])
            #expect(first.code == 503)
            #expect(try String(contentsOfFile: "\(c.directory)/headers", encoding: .utf8).lowercased().contains("retry-after: 1"))
            #expect(try json(first.body)["details"]?["retryAfterSeconds"] == 1)
            #expect(try await c.curl("GET", "\(cms)/f").code == 503)
            #expect(try await c.curl("GET", "\(cms)/f").code == 200)
            // Other verbs were never affected.
            #expect(try await c.curl("GET", cms).code == 200)

            c.sim.faults.failNext(1, RequestMatch(verb: "create", resource: "configmaps"), code: 429, retryAfterSeconds: 2)
            let throttled = try await c.curl("POST", cms, body: #"{"metadata":{"name":"g"}}"#)
            #expect(throttled.code == 429)
            #expect(try json(throttled.body)["reason"] == "TooManyRequests")
            #expect(try await c.curl("POST", cms, body: #"{"metadata":{"name":"g"}}"#).code == 201)

            c.sim.faults.delay(0.5, RequestMatch(verb: "list"), count: 1)
            let t0 = Date()
            #expect(try await c.curl("GET", cms).code == 200)
            #expect(Date().timeIntervalSince(t0) >= 0.5)

            // A dropped watch ends the response.
            let out = "\(c.directory)/watch"
            let watcher = Task.detached { try await c.curl("GET", "\(cms)?watch=true", extra: ["-N", "-o", out], timeout: 20) }
            #expect(await SimCluster.eventually { ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains(#""name":"g""#) })
            let t1 = Date()
            c.sim.dropWatches()
            _ = try await watcher.value
            #expect(Date().timeIntervalSince(t1) < 10)
        }
    }
}
