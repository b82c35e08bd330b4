import Foundation

/// Runs synchronous work on a thread with a large stack. The engine walks nested templates
/// recursively (up to its limit of 100 levels), deeper than the 512 KiB stacks of Swift's
/// concurrency threads allow.
public enum LargeStack {
    public static let size = 64 << 20

    private final class Job<T>: @unchecked Sendable {
        var work: (() -> T)?
        var result: T?
        let done = DispatchSemaphore(value: 0)
    }

    public static func run<T>(_ body: () -> T) -> T {
        withoutActuallyEscaping(body) { escaping in
            let job = Job<T>()
            job.work = escaping
            let thread = Thread {
                job.result = job.work?()
                job.done.signal()
            }
            thread.stackSize = size
            thread.name = "skein-engine"
            thread.start()
            job.done.wait()
            job.work = nil
            guard let result = job.result else { fatalError("engine thread ended without a result") }
            return result
        }
    }
}
