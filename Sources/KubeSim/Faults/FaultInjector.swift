import Synchronization

/// Which requests a fault applies to. nil fields match anything.
public struct RequestMatch: Sendable, Hashable {
    /// The API verb: get, list, watch, create, update, patch, delete, deletecollection.
    public var verb: String?
    /// The resource's plural (`pods`, `workflows`), subresources as `pods/status`.
    public var resource: String?

    public init(verb: String? = nil, resource: String? = nil) {
        self.verb = verb
        self.resource = resource
    }

    func matches(verb v: String, resource r: String) -> Bool {
        (verb == nil || verb == v) && (resource == nil || resource == r)
    }
}

/// Faults for tests: failing requests, delays. Dropping watches and expiring resource
/// versions act on the store directly (see `KubeSim`).
public final class FaultInjector: Sendable {
    struct Failure {
        var match: RequestMatch
        var remaining: Int
        var code: Int
        var retryAfterSeconds: Int?
        var message: String?
    }

    struct Delay {
        var match: RequestMatch
        var seconds: Double
        var remaining: Int?
    }

    private let state = Mutex<(failures: [Failure], delays: [Delay], served: Int)>(([], [], 0))
    private let holds = Mutex<[(RequestMatch, HeldRequest)]>([])
    private let paused = Mutex<HeldRequest?>(nil)
    private let down = Mutex<ContinuousClock.Instant?>(nil)
    private let controlHolds = Mutex<[HeldRequest]>([])

    /// Until `seconds` from now, every connection that sends a request is closed without an
    /// answer, as by an API server that is restarting (see `KubeSim.restart`).
    func goDown(for seconds: Double) {
        down.withLock { $0 = .now + .milliseconds(Int((seconds * 1000).rounded())) }
    }

    /// Whether the server is restarting now.
    var isDown: Bool {
        down.withLock { d in
            guard let until = d else { return false }
            if ContinuousClock.now >= until { d = nil }
            return d != nil
        }
    }

    /// A hold made through `/skein-sim/hold`, kept so that `/skein-sim/release` finds it.
    func holdFromControl(_ match: RequestMatch) -> HeldRequest {
        let held = holdNext(match)
        controlHolds.withLock { $0.append(held) }
        return held
    }

    /// The holds made through `/skein-sim/hold`: whether each request came, and its answer.
    var controlHoldStates: [(arrived: Bool, answered: Int?)] {
        controlHolds.withLock { $0.map { ($0.arrived, $0.answered) } }
    }

    /// Releases every hold made through `/skein-sim/hold`; those whose request never came
    /// stop waiting for one, so that they hold nothing later. `clear()` forgets them.
    func releaseControlHolds() {
        let all = controlHolds.withLock { $0 }
        holds.withLock { h in h.removeAll { entry in all.contains { $0 === entry.1 } } }
        for held in all { held.release() }
    }

    /// Every request from now on waits, before it is handled, until `resume()`: an API
    /// server that stops answering (a long GC pause, a partition) and then carries on.
    public func pause() {
        paused.withLock { p in if p == nil { p = HeldRequest() } }
    }

    /// Lets every waiting request go on, and the next ones through.
    public func resume() {
        let gate = paused.withLock { p in defer { p = nil }; return p }
        gate?.release()
    }

    /// Waits while the server is paused.
    func waitWhilePaused() async {
        if let gate = paused.withLock({ $0 }) { await gate.wait() }
    }

    /// The next request matching waits, before it is handled, until `release()`: a write that
    /// an API server took and applies much later (after its sender died, say).
    public func holdNext(_ match: RequestMatch) -> HeldRequest {
        let held = HeldRequest()
        holds.withLock { $0.append((match, held)) }
        return held
    }

    /// The hold waiting for this request, if any (taken: it holds one request).
    func takeHold(verb: String, resource: String) -> HeldRequest? {
        holds.withLock { h in
            guard let i = h.firstIndex(where: { $0.0.matches(verb: verb, resource: resource) }) else { return nil }
            return h.remove(at: i).1
        }
    }

    init() {}

    /// The next `count` requests matching fail with `code` (and `Retry-After` when given).
    public func failNext(_ count: Int, _ match: RequestMatch = RequestMatch(), code: Int, retryAfterSeconds: Int? = nil,
                         message: String? = nil) {
        state.withLock { $0.failures.append(Failure(match: match, remaining: count, code: code, retryAfterSeconds: retryAfterSeconds,
                                                    message: message)) }
    }

    /// Matching requests wait `seconds` before they are handled (the next `count` only, or all).
    public func delay(_ seconds: Double, _ match: RequestMatch = RequestMatch(), count: Int? = nil) {
        state.withLock { $0.delays.append(Delay(match: match, seconds: seconds, remaining: count)) }
    }

    /// Forgets every failure and delay still pending, and the list of `/skein-sim/hold`s
    /// (after releasing them).
    public func clear() {
        state.withLock { $0.failures = []; $0.delays = [] }
        releaseControlHolds()
        controlHolds.withLock { $0 = [] }
    }

    /// How many API requests the server has answered (faults included).
    public var requestCount: Int { state.withLock { $0.served } }

    /// What to do with one request: how long to wait, and the failure to answer with.
    func check(verb: String, resource: String) -> (delay: Double, failure: (code: Int, retryAfter: Int?, message: String?)?) {
        state.withLock { s in
            s.served += 1
            var delay = 0.0
            for i in s.delays.indices where s.delays[i].match.matches(verb: verb, resource: resource) {
                if let r = s.delays[i].remaining, r <= 0 { continue }
                delay += s.delays[i].seconds
                if let r = s.delays[i].remaining { s.delays[i].remaining = r - 1 }
            }
            s.delays.removeAll { ($0.remaining ?? 1) <= 0 }
            guard let i = s.failures.firstIndex(where: { $0.remaining > 0 && $0.match.matches(verb: verb, resource: resource) }) else {
                return (delay, nil)
            }
            s.failures[i].remaining -= 1
            let f = s.failures[i]
            s.failures.removeAll { $0.remaining <= 0 }
            return (delay, (f.code, f.retryAfterSeconds, f.message))
        }
    }
}

/// One request held by `FaultInjector.holdNext`.
public final class HeldRequest: Sendable {
    private let state = Mutex<(arrived: Bool, released: Bool, answered: Int?, waiters: [CheckedContinuation<Void, Never>])>(
        (false, false, nil, []))

    /// Whether the request has come and waits.
    public var arrived: Bool { state.withLock { $0.arrived } }
    /// The HTTP status it was answered with, once released and handled.
    public var answered: Int? { state.withLock { $0.answered } }

    /// Lets the request go on (it is handled against the store as it is then).
    public func release() {
        let waiters = state.withLock { s in
            s.released = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let go = state.withLock { s in
                s.arrived = true
                if s.released { return true }
                s.waiters.append(c)
                return false
            }
            if go { c.resume() }
        }
    }

    func answer(_ code: Int) { state.withLock { $0.answered = code } }
}
