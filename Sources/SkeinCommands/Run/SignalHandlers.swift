import Foundation
import Dispatch
import LocalRunner
import Sandbox
import Synchronization

/// Ctrl-C / SIGTERM stop the run cleanly; SIGUSR1 resumes suspended steps. Whatever the run
/// is doing, it ends promptly: a second Ctrl-C or SIGTERM, or `graceSeconds` after the first
/// without the run having ended, exits at once (128 + the signal), as a signal would.
final class SignalHandlers {
    let sources: [any DispatchSourceSignal]
    /// Set once the run has ended: the watchdog then leaves the exit to the command.
    let ended = SharedFlag()
    /// Steps get SIGTERM, then SIGKILL 5 s later; the run has ended well before this.
    static let graceSeconds = 10

    init(run: LocalRun, display: any RunObserver, supplying supplied: [String: String] = [:]) {
        var s: [any DispatchSourceSignal] = []
        let stopping = SharedFlag()
        let ended = self.ended
        for sig in [SIGINT, SIGTERM, SIGUSR1] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler {
                // A signal source merges signals that come before its handler runs: two
                // quick Ctrl-Cs can arrive as one event whose data is 2.
                let count = src.data
                if sig == SIGUSR1 {
                    display.notice("resuming suspended steps")
                    run.resumeSuspended(supplying: supplied)
                    return
                }
                let again = stopping.flag.withLock { was in defer { was = true }; return was } || count > 1
                if again {
                    display.notice("stopping now")
                    SandboxProcess.killAllRunning()
                    _exit(128 + sig)
                }
                display.notice("stopping: \(sig == SIGINT ? "interrupted" : "terminated") (again to stop at once)")
                run.interrupt(sig == SIGINT ? "Stopped by user (interrupt)" : "Stopped (SIGTERM)")
                DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(SignalHandlers.graceSeconds)) {
                    guard !ended.flag.withLock({ $0 }) else { return }
                    display.notice("the run did not end within \(SignalHandlers.graceSeconds) s of the signal: stopping now")
                    SandboxProcess.killAllRunning()
                    _exit(128 + sig)
                }
            }
            src.resume()
            s.append(src)
        }
        sources = s
    }

    func cancel() {
        ended.flag.withLock { $0 = true }
        for s in sources { s.cancel() }
        for sig in [SIGINT, SIGTERM, SIGUSR1] { signal(sig, SIG_DFL) }
    }
}

/// A flag shared between signal handlers.
final class SharedFlag: Sendable {
    let flag = Mutex(false)
}
