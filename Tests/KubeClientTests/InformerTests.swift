import Foundation
import KubeAPI
import KubeClient
import KubeSim
import SkeinJSON
import Synchronization
import Testing

/// Collects what an informer's handler saw, and lets a test wait for a condition on it.
final class ChangeLog: Sendable {
    private let changes = Mutex<[String]>([])
    func record(_ c: StoreChange) {
        let text: String
        switch c {
        case .added(let o): text = "added \(o.name ?? "")"
        case .updated(let old, let new): text = old == new ? "resync \(new.name ?? "")" : "updated \(new.name ?? "")"
        case .deleted(let o): text = "deleted \(o.name ?? "")"
        }
        changes.withLock { $0.append(text) }
    }
    var all: [String] { changes.withLock { $0 } }
}

/// Strings recorded from concurrent code.
final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ s: String) { lines.withLock { $0.append(s) } }
    var all: [String] { lines.withLock { $0 } }
}

@Suite struct InformerTests {
    @Test func storeAndIndexFollowTheServerAndHandlersSeeEachChange() async throws {
        try await TestCluster.with { c in
            let k = c.client
            _ = try await k.create(.configMaps, configMap("before", labels: ["wf": "w1"]))
            let informer = Informer(client: k, resource: .configMaps, namespace: "default",
                                    options: ListWatchOptions(labelSelector: "wf"),
                                    indexers: ["wf": ObjectStore.labelIndex("wf")])
            let log = ChangeLog()
            informer.onChange { log.record($0) }
            let task = Task { await informer.run() }
            defer { task.cancel() }
            try await withTimeout { await informer.waitForSync() }
            #expect(informer.store.get(namespace: "default", name: "before") != nil)

            _ = try await k.create(.configMaps, configMap("a", labels: ["wf": "w1"]))
            _ = try await k.create(.configMaps, configMap("b", labels: ["wf": "w2"]))
            _ = try await k.create(.configMaps, configMap("unlabelled"))
            _ = try await k.patch(.configMaps, "a", type: .merge, ["metadata": ["labels": ["wf": "w2"]]])
            try await k.delete(.configMaps, "before")
            try await eventually("the informer to see the deletion") { informer.store.get(namespace: "default", name: "before") == nil }
            #expect(Set(informer.store.byIndex("wf", "w2").compactMap(\.name)) == ["a", "b"])
            #expect(informer.store.byIndex("wf", "w1").isEmpty)
            #expect(informer.store.get(namespace: "default", name: "unlabelled") == nil)   // not selected
            #expect(log.all == ["added before", "added a", "added b", "updated a", "deleted before"])
        }
    }

    @Test func droppedWatchResumesAndExpiredVersionRelistsWithoutLosingChanges() async throws {
        try await TestCluster.with { c in
            let k = c.client
            let informer = Informer(client: k, resource: .configMaps, namespace: "default",
                                    options: ListWatchOptions(initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(50)))
            let log = ChangeLog()
            informer.onChange { log.record($0) }
            let task = Task { await informer.run() }
            defer { task.cancel() }
            try await withTimeout { await informer.waitForSync() }
            _ = try await k.create(.configMaps, configMap("one"))
            try await eventually("one") { informer.store.count == 1 }

            // A dropped connection: changes made meanwhile still arrive, without a new list.
            c.sim.dropWatches()
            _ = try await k.create(.configMaps, configMap("two"))
            try await eventually("two after a dropped watch") { informer.store.count == 2 }
            #expect(informer.listCount == 1)

            // Versions expire while the watch is down: the informer lists again, and the
            // changes it missed come out as ordinary events.
            c.sim.faults.failNext(1_000, RequestMatch(verb: "watch", resource: "configmaps"), code: 503)
            c.sim.dropWatches()
            _ = try await k.create(.configMaps, configMap("three"))
            try await k.delete(.configMaps, "one")
            c.sim.expireResourceVersions()
            c.sim.faults.clear()
            try await eventually("the re-list") { informer.listCount >= 2 && informer.store.count == 2 }
            #expect(Set(informer.store.list().compactMap(\.name)) == ["two", "three"])
            #expect(log.all.contains("added three"))
            #expect(log.all.contains("deleted one"))
        }
    }

    /// An informer on every namespace lists every namespace, at its start and after an
    /// expired version (it once listed only the default namespace while it watched them all:
    /// a restarted controller did not see workflows elsewhere, and a re-list dropped them).
    @Test func anAllNamespacesInformerListsEveryNamespace() async throws {
        try await TestCluster.with { c in
            let k = c.client
            for ns in ["team-a", "team-b"] {
                _ = try await k.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])
                _ = try await k.create(.configMaps, configMap("in-\(ns)"), namespace: ns)
            }
            _ = try await k.create(.configMaps, configMap("in-default"))
            let informer = Informer(client: k, resource: .configMaps, namespace: "",
                                    options: ListWatchOptions(initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(50)))
            let task = Task { await informer.run() }
            defer { task.cancel() }
            try await withTimeout { await informer.waitForSync() }
            let names = { Set(informer.store.list().compactMap(\.name)).filter { $0.hasPrefix("in-") } }
            #expect(names() == ["in-team-a", "in-team-b", "in-default"])
            c.sim.faults.failNext(1_000, RequestMatch(verb: "watch", resource: "configmaps"), code: 503)
            c.sim.dropWatches()
            _ = try await k.create(.configMaps, configMap("later"), namespace: "team-b")
            c.sim.expireResourceVersions()
            c.sim.faults.clear()
            try await eventually("the re-list") { informer.listCount >= 2 && informer.store.get(namespace: "team-b", name: "later") != nil }
            #expect(names() == ["in-team-a", "in-team-b", "in-default"])
        }
    }

    @Test func resyncReplaysEveryObject() async throws {
        try await TestCluster.with { c in
            _ = try await c.client.create(.configMaps, configMap("x"))
            let informer = Informer(client: c.client, resource: .configMaps, namespace: "default",
                                    resyncPeriod: .milliseconds(50))
            let log = ChangeLog()
            informer.onChange { log.record($0) }
            let task = Task { await informer.run() }
            defer { task.cancel() }
            try await eventually("two resyncs") { log.all.filter { $0 == "resync x" }.count >= 2 }
            #expect(log.all.first == "added x")
        }
    }
}

@Suite struct LeaderElectionTests {
    func elector(_ c: TestCluster, _ id: String, leaseDuration: Duration = .seconds(2)) throws -> LeaderElector {
        LeaderElector(client: try KubeClient(c.sim.configuration()),
                      configuration: .init(leaseName: "skein-controller", namespace: "default", identity: id,
                                           leaseDuration: leaseDuration, renewDeadline: .milliseconds(1_500),
                                           retryPeriod: .milliseconds(100)))
    }

    @Test func oneLeadsTheOtherWaitsAndTakesOverOnRelease() async throws {
        try await TestCluster.with { c in
            // A lease that would expire only after 10 minutes: b can take over within the test's
            // waits only because a releases it (no timing measured).
            let a = try elector(c, "a", leaseDuration: .seconds(600))
            let b = try elector(c, "b", leaseDuration: .seconds(600))
            let leading = Lines()
            let runA = Task { await a.run(lead: { leading.append("a") }) }
            try await eventually("a to lead") { a.isLeader }
            let runB = Task { await b.run(lead: { leading.append("b") }) }
            defer { runB.cancel() }
            try await eventually("b to see a as holder") { b.currentHolder == "a" }
            #expect(!b.isLeader)
            let lease = try await c.client.get(.leases, "skein-controller", namespace: "default")
            #expect(lease["spec"]?["holderIdentity"] == "a")

            // a stops: it releases the lease, and b takes it long before the lease could expire.
            runA.cancel()
            await runA.value
            try await eventually("b to lead") { b.isLeader }
            try await eventually("b's lead to start") { leading.all == ["a", "b"] }
            let after = try await c.client.get(.leases, "skein-controller", namespace: "default")
            #expect(after["spec"]?["holderIdentity"] == "b")
            #expect(after["spec"]?["leaseTransitions"] == 1)
        }
    }

    @Test func aLeaderThatCannotRenewStepsDownAndAnotherTakesOver() async throws {
        try await TestCluster.with { c in
            let a = try elector(c, "a")
            let cancelledLead = Lines()
            let runA = Task {
                await a.run(lead: {
                    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
                    cancelledLead.append("cancelled")
                })
            }
            try await eventually("a to lead") { a.isLeader }
            // The API refuses a's lease writes from now on.
            c.sim.faults.failNext(10_000, RequestMatch(verb: "update", resource: "leases"), code: 500)
            await runA.value   // run returns once leadership is lost
            #expect(!a.isLeader)
            #expect(cancelledLead.all == ["cancelled"])
            c.sim.faults.clear()
            let b = try elector(c, "b")
            let runB = Task { await b.run(lead: {}) }
            defer { runB.cancel() }
            // b must wait for a's last renewal to expire (2 s), then takes over.
            try await eventually(timeout: .seconds(10), "b to lead") { b.isLeader }
        }
    }
}
