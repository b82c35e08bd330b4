import Synchronization

/// Text for a streamed response, handed over in batches: whatever accumulated while the
/// writer was busy goes out in one write (one TLS record, one syscall) instead of one
/// write per watch event.
final class LineBatcher: Sendable {
    private struct State {
        var pending = ""
        var finished = false
        var waiter: CheckedContinuation<String?, Never>?
    }

    private let state = Mutex(State())

    func append(_ s: String) {
        let w: CheckedContinuation<String?, Never>? = state.withLock { st in
            guard !st.finished else { return nil }
            if let w = st.waiter {
                st.waiter = nil
                return w
            }
            st.pending += s
            return nil
        }
        w?.resume(returning: s)
    }

    func finish() {
        let w: CheckedContinuation<String?, Never>? = state.withLock { st in
            st.finished = true
            defer { st.waiter = nil }
            return st.waiter
        }
        w?.resume(returning: nil)
    }

    /// Everything appended since the last call, waiting for something when there is
    /// nothing yet; nil once finished and drained.
    func next() async -> String? {
        await withCheckedContinuation { c in
            let now: String?? = state.withLock { st in
                if !st.pending.isEmpty {
                    defer { st.pending = "" }
                    return .some(st.pending)
                }
                if st.finished { return .some(nil) }
                st.waiter = c
                return .none
            }
            if let now { c.resume(returning: now) }
        }
    }
}
