import Synchronization

/// Requests made as another user (`Impersonate-User`), recorded so that tests can check
/// whom a client acted as, and refused where a test says so: a stand-in for the RBAC
/// decisions a real API server makes for the impersonated user (KubeSim has no RBAC).
public final class Impersonations: Sendable {
    public struct Entry: Sendable, Hashable {
        public var user: String
        public var verb: String
        public var resource: String
        public var namespace: String?
    }

    private let state = Mutex<(entries: [Entry], denied: [(user: String, verb: String?, resource: String?)])>(([], []))

    /// What was asked as other users, oldest first (the latest 10,000).
    public var entries: [Entry] { state.withLock { $0.entries } }

    /// Requests as `user` (with `verb` on `resource`, when given) are answered 403 from now on.
    public func deny(_ user: String, verb: String? = nil, resource: String? = nil) {
        state.withLock { $0.denied.append((user, verb, resource)) }
    }

    /// Records the request; whether it is allowed.
    func check(_ e: Entry) -> Bool {
        state.withLock { s in
            s.entries.append(e)
            if s.entries.count > 10_000 { s.entries.removeFirst(s.entries.count - 10_000) }
            return !s.denied.contains { $0.user == e.user && ($0.verb ?? e.verb) == e.verb && ($0.resource ?? e.resource) == e.resource }
        }
    }
}
