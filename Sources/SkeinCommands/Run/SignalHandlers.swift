import Foundation
import Dispatch
import LocalRunner

/// Ctrl-C / SIGTERM stop the run cleanly; SIGUSR1 resumes suspended steps.
final class SignalHandlers {
    let sources: [any DispatchSourceSignal]

    init(run: LocalRun, display: any RunObserver) {
        var s: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM, SIGUSR1] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler {
                if sig == SIGUSR1 {
                    display.notice("resuming suspended steps")
                    run.resumeSuspended()
                } else {
                    display.notice("stopping: \(sig == SIGINT ? "interrupted" : "terminated")")
                    run.interrupt(sig == SIGINT ? "Stopped by user (interrupt)" : "Stopped (SIGTERM)")
                }
            }
            src.resume()
            s.append(src)
        }
        sources = s
    }

    func cancel() {
        for s in sources { s.cancel() }
        for sig in [SIGINT, SIGTERM, SIGUSR1] { signal(sig, SIG_DFL) }
    }
}
