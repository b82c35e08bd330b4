import Foundation
import Synchronization

/// Container logs kept in memory, by pod uid and container name: what `kubectl logs`
/// reads, and the lines followers are waiting for.
final class LogStore: Sendable {
    struct Line: Sendable {
        var time: Date
        var text: String
    }

    struct Log {
        var lines: [Line] = []
        var previous: [Line]?
        var finished = false
        var followers: [Int: AsyncStream<Line>.Continuation] = [:]
    }

    private let state = Mutex<(logs: [String: Log], nextID: Int)>(([:], 0))

    static func key(_ uid: String, _ container: String) -> String { "\(uid)/\(container)" }

    /// A container (re)starts: its earlier lines become the previous run's.
    func begin(_ key: String) {
        state.withLock { s in
            var l = s.logs[key] ?? Log()
            if !l.lines.isEmpty || l.finished { l.previous = l.lines }
            l.lines = []
            l.finished = false
            s.logs[key] = l
        }
    }

    func append(_ key: String, _ text: String) {
        let line = Line(time: Date(), text: text)
        state.withLock { s in
            s.logs[key, default: Log()].lines.append(line)
            for (_, f) in s.logs[key]?.followers ?? [:] { f.yield(line) }
        }
    }

    func finish(_ key: String) {
        // Followers are finished outside the lock: finishing runs their termination handlers, which take it.
        let followers = state.withLock { s in
            s.logs[key, default: Log()].finished = true
            defer { s.logs[key]?.followers = [:] }
            return Array((s.logs[key]?.followers ?? [:]).values)
        }
        for f in followers { f.finish() }
    }

    func started(_ key: String) -> Bool { state.withLock { $0.logs[key] != nil } }

    func lines(_ key: String, previous: Bool) -> [Line]? {
        state.withLock { s in previous ? s.logs[key]?.previous : s.logs[key]?.lines }
    }

    /// The lines so far, and (unless the container has ended) a stream of the lines to come.
    func follow(_ key: String) -> ([Line], AsyncStream<Line>?) {
        let (stream, c) = AsyncStream<Line>.makeStream()
        let result: ([Line], Bool, Int) = state.withLock { s in
            let l = s.logs[key] ?? Log()
            if l.finished { return (l.lines, false, 0) }
            let id = s.nextID
            s.nextID += 1
            s.logs[key, default: Log()].followers[id] = c
            return (l.lines, true, id)
        }
        if !result.1 {
            c.finish()
            return (result.0, nil)
        }
        let id = result.2
        // Dispatched, not inline: `append` yields to followers holding the lock, and the
        // runtime runs this holding the following task's lock (see ObjectStore.watch).
        c.onTermination = { [weak self] _ in
            guard let store = self else { return }
            DispatchQueue.global().async { _ = store.state.withLock { $0.logs[key]?.followers.removeValue(forKey: id) } }
        }
        return (result.0, stream)
    }

    func remove(uid: String) {
        let followers = state.withLock { s in
            var out: [AsyncStream<Line>.Continuation] = []
            for k in s.logs.keys where k.hasPrefix(uid + "/") {
                out += (s.logs[k]?.followers ?? [:]).values
                s.logs[k] = nil
            }
            return out
        }
        for f in followers { f.finish() }
    }
}
