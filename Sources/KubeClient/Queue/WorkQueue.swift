import Synchronization

/// A queue of keys for reconcilers, with the guarantees controllers rely on:
/// - a key waits in the queue at most once however often it is added;
/// - a key is handed to one worker at a time: added again while being processed, it comes
///   back once that worker calls `done`;
/// - failures are retried with per-key exponential backoff (`addRateLimited`), reset by `forget`;
/// - `addAfter` brings a key back later (deadlines, resyncs); the earliest request wins.
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    public struct Backoff: Sendable {
        public var base: Duration
        public var max: Duration
        public init(base: Duration = .milliseconds(5), max: Duration = .seconds(300)) {
            self.base = base
            self.max = max
        }

        /// The delay before retry number `failures + 1` (0 failures: `base`).
        public func delay(afterFailures failures: Int) -> Duration {
            let exp = Swift.min(failures, 62)
            let factor = Double(UInt64(1) << UInt64(exp))
            let seconds = Double(base.components.seconds) + Double(base.components.attoseconds) / 1e18
            let d = seconds * factor
            let maxSeconds = Double(max.components.seconds) + Double(max.components.attoseconds) / 1e18
            return d >= maxSeconds || !d.isFinite ? max : .nanoseconds(Int64(d * 1e9))
        }
    }

    private struct State {
        var items: [Key] = []
        var head = 0
        var queued: Set<Key> = []
        var processing: Set<Key> = []
        var dirty: Set<Key> = []
        var waiters: [CheckedContinuation<Key?, Never>] = []
        var failures: [Key: Int] = [:]
        var delayed: [Key: ContinuousClock.Instant] = [:]
        var delayTasks: [Key: Task<Void, Never>] = [:]
        var shuttingDown = false

        var pendingCount: Int { items.count - head }

        mutating func popFirst() -> Key? {
            guard head < items.count else { return nil }
            let k = items[head]
            head += 1
            if head > 1024, head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
            return k
        }
    }

    private enum NextStep { case key(Key), done, wait }

    private let state = Mutex(State())
    public let backoff: Backoff

    public init(backoff: Backoff = Backoff()) { self.backoff = backoff }

    /// Adds a key now (no-op if it is already waiting).
    public func add(_ key: Key) {
        let waiter: CheckedContinuation<Key?, Never>? = state.withLock { s in
            WorkQueue.insert(key, into: &s)
        }
        waiter?.resume(returning: key)
    }

    /// Returns the waiter to resume with `key`, if the key went straight to one.
    private static func insert(_ key: Key, into s: inout State) -> CheckedContinuation<Key?, Never>? {
        if s.shuttingDown || s.queued.contains(key) { return nil }
        if s.processing.contains(key) {
            s.dirty.insert(key)
            return nil
        }
        if !s.waiters.isEmpty {
            s.processing.insert(key)
            return s.waiters.removeFirst()
        }
        s.queued.insert(key)
        s.items.append(key)
        return nil
    }

    /// The next key to process, waiting for one; nil once the queue is shut down and drained.
    public func next() async -> Key? {
        let step: NextStep = state.withLock { s in
            if let k = s.popFirst() {
                s.queued.remove(k)
                s.processing.insert(k)
                return .key(k)
            }
            return s.shuttingDown ? .done : .wait
        }
        switch step {
        case .key(let k): return k
        case .done: return nil
        case .wait:
            return await withCheckedContinuation { (c: CheckedContinuation<Key?, Never>) in
                let resumeNow: Key?? = state.withLock { s in
                    // Something may have arrived between the check above and now.
                    if let k = s.popFirst() {
                        s.queued.remove(k)
                        s.processing.insert(k)
                        return .some(k)
                    }
                    if s.shuttingDown { return .some(nil) }
                    s.waiters.append(c)
                    return .none
                }
                if let r = resumeNow { c.resume(returning: r) }
            }
        }
    }

    /// The worker finished with `key`; if it was added meanwhile it is queued again.
    public func done(_ key: Key) {
        let waiter: CheckedContinuation<Key?, Never>? = state.withLock { s in
            s.processing.remove(key)
            if s.dirty.remove(key) != nil { return WorkQueue.insert(key, into: &s) }
            return nil
        }
        waiter?.resume(returning: key)
    }

    /// Adds the key after `delay`. A key already due earlier keeps its earlier time.
    public func addAfter(_ key: Key, _ delay: Duration) {
        if delay <= .zero {
            add(key)
            return
        }
        let due = ContinuousClock.now + delay
        state.withLock { s in
            if s.shuttingDown { return }
            if let existing = s.delayed[key], existing <= due { return }
            s.delayed[key] = due
            s.delayTasks[key]?.cancel()
            s.delayTasks[key] = Task { [weak self] in
                try? await Task.sleep(until: due, clock: .continuous)
                if Task.isCancelled { return }
                guard let self else { return }
                let fire: Bool = self.state.withLock { s in
                    guard s.delayed[key] == due else { return false }
                    s.delayed[key] = nil
                    s.delayTasks[key] = nil
                    return true
                }
                if fire { self.add(key) }
            }
        }
    }

    /// Adds the key after its backoff: 5 ms, 10 ms, 20 ms, ... up to the maximum.
    /// Returns the delay chosen.
    @discardableResult
    public func addRateLimited(_ key: Key) -> Duration {
        let failures: Int = state.withLock { s in
            let f = s.failures[key, default: 0]
            s.failures[key] = f + 1
            return f
        }
        let d = backoff.delay(afterFailures: failures)
        addAfter(key, d)
        return d
    }

    /// Clears the key's failure count (call after it was processed successfully).
    public func forget(_ key: Key) {
        state.withLock { s in _ = s.failures.removeValue(forKey: key) }
    }

    /// Times the key has been retried through `addRateLimited` since the last `forget`.
    public func failures(_ key: Key) -> Int { state.withLock { $0.failures[key, default: 0] } }

    /// Keys waiting now (not counting delayed ones or those being processed).
    public var count: Int { state.withLock { $0.pendingCount } }

    /// Stops accepting keys; workers get the keys still queued, then nil.
    public func shutDown() {
        let (waiters, tasks): ([CheckedContinuation<Key?, Never>], [Task<Void, Never>]) = state.withLock { s in
            s.shuttingDown = true
            let w = s.pendingCount == 0 ? s.waiters : []
            if s.pendingCount == 0 { s.waiters = [] }
            let t = Array(s.delayTasks.values)
            s.delayTasks = [:]
            s.delayed = [:]
            return (w, t)
        }
        for t in tasks { t.cancel() }
        for w in waiters { w.resume(returning: nil) }
    }

    public var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }
}
