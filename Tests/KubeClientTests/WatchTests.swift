import Foundation
import KubeAPI
@testable import KubeClient
import KubeSim
import SkeinJSON
import Testing

@Suite struct WatchTests {
    @Test func eventsArriveInOrderFromAResourceVersion() async throws {
        try await TestCluster.with { c in
            let k = c.client
            let start = try await k.list(.configMaps).resourceVersion
            let stream = k.watch(.configMaps, options: ListOptions(labelSelector: "w=1", resourceVersion: start))
            let seen = try await withTimeout {
                var it = stream.makeAsyncIterator()
                _ = try await k.create(.configMaps, configMap("a", labels: ["w": "1"]))
                _ = try await k.create(.configMaps, configMap("ignored", labels: ["w": "2"]))
                _ = try await k.patch(.configMaps, "a", type: .merge, ["data": ["x": "y"]])
                try await k.delete(.configMaps, "a")
                var out: [String] = []
                while out.count < 3, let e = try await it.next() {
                    out.append("\(e.type.rawValue) \(e.object.name ?? "")")
                }
                return out
            }
            #expect(seen == ["ADDED a", "MODIFIED a", "DELETED a"])
        }
    }

    @Test func watchEndsAtTimeoutSecondsAndSendsBookmarks() async throws {
        try await TestCluster.with(KubeSimOptions(instant: true, bookmarkInterval: 0.2)) { c in
            let k = c.client
            let rv = try await k.list(.configMaps).resourceVersion
            let types = try await withTimeout {
                var types: [WatchEvent.EventType] = []
                for try await e in k.watch(.configMaps, options: ListOptions(resourceVersion: rv, timeoutSeconds: 1,
                                                                             allowWatchBookmarks: true)) {
                    types.append(e.type)
                }
                return types
            }
            // The stream ended by itself (timeoutSeconds) after at least one bookmark.
            #expect(types.contains(.bookmark))
            #expect(types.allSatisfy { $0 == .bookmark })
        }
    }

    @Test func anExpiredResourceVersionIsGone() async throws {
        try await TestCluster.with { c in
            let k = c.client
            let old = try await k.create(.configMaps, configMap("x")).resourceVersion
            _ = try await k.create(.configMaps, configMap("y"))
            c.sim.expireResourceVersions()
            let error = await #expect(throws: KubeError.self) {
                try await withTimeout {
                    for try await _ in k.watch(.configMaps, options: ListOptions(resourceVersion: old)) {}
                }
            }
            guard case .gone(let s)? = error else {
                Issue.record("expected Gone, got \(String(describing: error))")
                return
            }
            #expect(s.code == 410)
        }
    }

    @Test func manyEventsToASlowReaderAllArrive() async throws {
        // Enough data (about 3 MB) that the transport must pause the transfer while the reader lags.
        try await TestCluster.with { c in
            var config = c.sim.configuration()
            config.streamBufferBytes = 16 << 10
            let k = try KubeClient(config)
            let rv = try await k.list(.configMaps).resourceVersion
            let blob = String(repeating: "x", count: 10_000)
            try await withThrowingTaskGroup(of: Void.self) { g in
                for w in 0..<4 {
                    g.addTask { for i in 0..<75 { _ = try await k.create(.configMaps, configMap("big-\(w)-\(i)", data: ["d": blob])) } }
                }
                try await g.waitForAll()
            }
            let count = try await withTimeout(.seconds(60)) {
                var n = 0
                for try await e in k.watch(.configMaps, options: ListOptions(resourceVersion: rv)) {
                    #expect(e.object["data"]?["d"]?.stringValue?.count == 10_000)
                    n += 1
                    if n % 10 == 0 { try await Task.sleep(for: .milliseconds(10)) }  // a reader that lags
                    if n == 300 { break }
                }
                return n
            }
            #expect(count == 300)
            #expect(k.transport.pauses > 0)  // the reader fell behind and the transfer waited for it
        }
    }

    @Test func listAndWatchResumesAfterADroppedConnection() async throws {
        try await TestCluster.with { c in
            let k = c.client
            _ = try await k.create(.configMaps, configMap("before"))
            let stream = k.listAndWatch(.configMaps, options: ListWatchOptions(initialBackoff: .milliseconds(20)))
            let out = try await withTimeout {
                var it = stream.makeAsyncIterator()
                var log: [String] = []
                guard case .listed(let items, _)? = try await it.next() else { return ["no list"] }
                log.append("listed \(items.compactMap(\.name).filter { $0 == "before" })")
                _ = try await k.create(.configMaps, configMap("a"))
                if case .event(let e)? = try await it.next() { log.append("\(e.type.rawValue) \(e.object.name ?? "")") }
                let watchesBefore = c.sim.faults.requestCount
                c.sim.dropWatches()
                _ = try await k.create(.configMaps, configMap("b"))
                while true {
                    switch try await it.next() {
                    case .listed?: log.append("listed again")
                    case .event(let e)? where e.type == .bookmark: continue
                    case .event(let e)?: log.append("\(e.type.rawValue) \(e.object.name ?? "")")
                    case nil: log.append("ended")
                    }
                    if log.count >= 3 { break }
                }
                #expect(c.sim.faults.requestCount > watchesBefore)  // it re-connected
                return log
            }
            // After the drop it picked up from the last version: "b" arrives once, with no re-list.
            #expect(out == ["listed [\"before\"]", "ADDED a", "ADDED b"])
        }
    }

    @Test func listAndWatchListsAgainAfterGone() async throws {
        // No bookmarks during the test, so the watcher's version stays behind the expiry.
        try await TestCluster.with(KubeSimOptions(instant: true, bookmarkInterval: 3600)) { c in
            let k = c.client
            _ = try await k.create(.namespaces, ["metadata": ["name": "elsewhere"]])
            let stream = k.listAndWatch(.configMaps, namespace: "default", options: ListWatchOptions(initialBackoff: .milliseconds(20)))
            let out = try await withTimeout {
                var it = stream.makeAsyncIterator()
                var log: [String] = []
                guard case .listed? = try await it.next() else { return ["no list"] }
                _ = try await k.create(.configMaps, configMap("a"))
                if case .event(let e)? = try await it.next() { log.append("\(e.type.rawValue) \(e.object.name ?? "")") }
                // Changes the watcher does not see (another namespace) move the version on;
                // the history is then forgotten and the connection dropped.
                _ = try await k.create(.configMaps, configMap("elsewhere"), namespace: "elsewhere")
                _ = try await k.create(.configMaps, configMap("b"), namespace: "elsewhere")
                c.sim.expireResourceVersions()
                c.sim.dropWatches()
                _ = try await k.create(.configMaps, configMap("c"))
                while log.count < 2 {
                    switch try await it.next() {
                    case .listed(let items, _)?: log.append("listed \(items.compactMap(\.name).filter { $0 == "a" || $0 == "c" }.sorted())")
                    case .event(let e)? where e.type == .bookmark: continue
                    case .event(let e)?: log.append("\(e.type.rawValue) \(e.object.name ?? "")")
                    case nil: log.append("ended")
                    }
                }
                return log
            }
            #expect(out.first == "ADDED a")
            // The re-list holds "a" and, depending on timing, already "c".
            #expect(out.last == "listed [\"a\", \"c\"]" || out.last == "listed [\"a\"]")
        }
    }

    @Test func stoppingTheConsumerEndsTheWatch() async throws {
        try await TestCluster.with { c in
            let k = c.client
            for i in 0..<20 { _ = try await k.create(.configMaps, configMap("s\(i)")) }
            let n = try await withTimeout {
                var n = 0
                for try await _ in k.watch(.configMaps, options: ListOptions(resourceVersion: "0")) {
                    n += 1
                    if n == 5 { break }
                }
                return n
            }
            #expect(n == 5)
            // The client is still usable and a cancelled watch task ends promptly.
            let task = Task { for try await _ in k.watch(.configMaps) {} }
            try await Task.sleep(for: .milliseconds(50))
            task.cancel()
            // It ends (with CancellationError, or quietly when cancelled between events).
            let result = try await withTimeout { await task.result }
            if case .failure(let e) = result { #expect(e is CancellationError) }
            #expect(try await k.get(.configMaps, "s0").name == "s0")
        }
    }
}
