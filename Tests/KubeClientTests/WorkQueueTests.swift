import KubeAPI
import KubeClient
import SkeinJSON
import Testing

@Suite struct WorkQueueTests {
    @Test func deduplicatesWaitingKeys() async {
        let q = WorkQueue<String>()
        q.add("a"); q.add("b"); q.add("a")
        #expect(q.count == 2)
        #expect(await q.next() == "a")
        #expect(await q.next() == "b")
        #expect(q.count == 0)
    }

    @Test func keyAddedWhileProcessingComesBackAfterDone() async {
        let q = WorkQueue<String>()
        q.add("w")
        let k = await q.next()
        #expect(k == "w")
        q.add("w")                 // changed again while a worker holds it
        #expect(q.count == 0)      // not handed to a second worker
        q.done("w")
        #expect(q.count == 1)
        #expect(await q.next() == "w")
        q.done("w")
        #expect(q.count == 0)
    }

    @Test func waitingWorkerGetsKeyAddedLater() async {
        let q = WorkQueue<Int>()
        async let got = q.next()
        // Add from another task; the waiting worker must receive it.
        Task { q.add(7) }
        #expect(await got == 7)
    }

    @Test func shutDownDrainsThenEnds() async {
        let q = WorkQueue<Int>()
        q.add(1)
        q.shutDown()
        q.add(2)                   // ignored once shutting down
        #expect(await q.next() == 1)
        #expect(await q.next() == nil)
        // A worker already waiting is released too.
        let q2 = WorkQueue<Int>()
        async let waiting = q2.next()
        Task { q2.shutDown() }
        #expect(await waiting == nil)
    }

    @Test func backoffDoublesUpToMax() {
        let b = WorkQueue<Int>.Backoff(base: .milliseconds(5), max: .seconds(1))
        #expect(b.delay(afterFailures: 0) == .milliseconds(5))
        #expect(b.delay(afterFailures: 1) == .milliseconds(10))
        #expect(b.delay(afterFailures: 4) == .milliseconds(80))
        #expect(b.delay(afterFailures: 10) == .seconds(1))
        #expect(b.delay(afterFailures: 500) == .seconds(1))
    }

    @Test func rateLimitedRetriesBackOffAndForgetResets() async {
        let q = WorkQueue<String>(backoff: .init(base: .milliseconds(1), max: .seconds(10)))
        #expect(q.addRateLimited("k") == .milliseconds(1))
        #expect(q.addRateLimited("k") == .milliseconds(2))
        #expect(q.addRateLimited("k") == .milliseconds(4))
        #expect(q.failures("k") == 3)
        // The delayed key arrives once (the delayed requests for one key collapse).
        #expect(await q.next() == "k")
        q.done("k")
        q.forget("k")
        #expect(q.failures("k") == 0)
        #expect(q.addRateLimited("k") == .milliseconds(1))
    }

    @Test func addAfterKeepsEarliestDeadline() async {
        let q = WorkQueue<String>()
        q.addAfter("late", .seconds(3600))
        q.addAfter("late", .milliseconds(5))   // earlier: replaces the hour
        q.addAfter("late", .seconds(7200))     // later: ignored
        let start = ContinuousClock.now
        #expect(await q.next() == "late")
        #expect(ContinuousClock.now - start < .seconds(60))
        #expect(q.count == 0)
        q.shutDown()
    }
}

@Suite struct ObjectStoreTests {
    func pod(_ name: String, ns: String = "d", wf: String?, rv: String) -> JSONValue {
        var labels: [String: JSONValue] = [:]
        if let wf { labels["workflows.skein.dev/workflow"] = .string(wf) }
        return ["kind": "Pod", "metadata": ["name": .string(name), "namespace": .string(ns),
                                            "resourceVersion": .string(rv), "labels": .object(labels)]]
    }

    @Test func eventsUpdateObjectsAndIndexes() {
        let s = ObjectStore(indexers: ["wf": ObjectStore.labelIndex("workflows.skein.dev/workflow")])
        guard case .added = s.apply(WatchEvent(type: .added, object: pod("p1", wf: "w1", rv: "1"))) else {
            Issue.record("expected added"); return
        }
        s.apply(WatchEvent(type: .added, object: pod("p2", wf: "w1", rv: "2")))
        s.apply(WatchEvent(type: .added, object: pod("p3", wf: nil, rv: "3")))
        #expect(Set(s.byIndex("wf", "w1").compactMap(\.name)) == ["p1", "p2"])
        // p2 moves to another workflow: both index entries follow.
        guard case .updated(let old, _) = s.apply(WatchEvent(type: .modified, object: pod("p2", wf: "w2", rv: "4"))) else {
            Issue.record("expected updated"); return
        }
        #expect(old.resourceVersion == "2")
        #expect(s.byIndex("wf", "w1").compactMap(\.name) == ["p1"])
        #expect(s.byIndex("wf", "w2").compactMap(\.name) == ["p2"])
        guard case .deleted = s.apply(WatchEvent(type: .deleted, object: pod("p1", wf: "w1", rv: "5"))) else {
            Issue.record("expected deleted"); return
        }
        #expect(s.byIndex("wf", "w1").isEmpty)
        #expect(s.apply(WatchEvent(type: .deleted, object: pod("nope", wf: nil, rv: "6"))) == nil)
        #expect(s.apply(WatchEvent(type: .bookmark, object: ["metadata": ["resourceVersion": "9"]])) == nil)
        #expect(s.count == 2)
        #expect(s.get(namespace: "d", name: "p3")?.resourceVersion == "3")
    }

    @Test func replaceReportsTheDifference() {
        let s = ObjectStore(indexers: ["wf": ObjectStore.labelIndex("workflows.skein.dev/workflow")])
        s.upsert(pod("keep", wf: "w", rv: "1"))
        s.upsert(pod("change", wf: "w", rv: "1"))
        s.upsert(pod("gone", wf: "w", rv: "1"))
        let changes = s.replace(with: [pod("keep", wf: "w", rv: "1"), pod("change", wf: "x", rv: "2"), pod("new", wf: "w", rv: "3")])
        var added: [String] = [], updated: [String] = [], deleted: [String] = []
        for c in changes {
            switch c {
            case .added(let o): added.append(o.name ?? "")
            case .updated(_, let o): updated.append(o.name ?? "")
            case .deleted(let o): deleted.append(o.name ?? "")
            }
        }
        #expect(added == ["new"])
        #expect(updated == ["change"])
        #expect(deleted == ["gone"])
        #expect(Set(s.byIndex("wf", "w").compactMap(\.name)) == ["keep", "new"])
        #expect(s.byIndex("wf", "x").compactMap(\.name) == ["change"])
    }
}
