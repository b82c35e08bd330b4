import Foundation
import Synchronization

/// `resources.limits.memory` of a simulated container: the kubelet kills the container's
/// processes when together they hold more memory than that, and reports `OOMKilled`
/// (exit code 137), as the kernel's OOM killer in a real container's cgroup would.
enum MemoryLimit {
    /// Bytes in a Kubernetes quantity (`128Mi`, `1G`, `500000`, `1.5Gi`, `1e9`); nil if unreadable.
    static func bytes(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let suffixes: [(String, Double)] = [
            ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776), ("Pi", 1_125_899_906_842_624),
            ("Ei", 1_152_921_504_606_846_976), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18), ("m", 1e-3),
        ]
        for (s, factor) in suffixes where t.hasSuffix(s) {
            guard let v = Double(t.dropLast(s.count)) else { return nil }
            return v * factor
        }
        return Double(t)
    }

    /// Resident memory of every process in process group `group`, in bytes.
    static func residentBytes(ofGroup group: Int32) -> Double {
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        var total = 0.0
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        for entry in entries where entry.first?.isNumber == true {
            // /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses.
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[2]) == group else { continue }
            guard let statm = try? String(contentsOfFile: "/proc/\(entry)/statm", encoding: .utf8) else { continue }
            let parts = statm.split(separator: " ")
            if parts.count > 1, let pages = Double(parts[1]) { total += pages * page }
        }
        return total
    }

    /// Watches process group `group` until `stop`; calls `kill` once if it exceeds `limit`.
    final class Watch: Sendable {
        final class Flag: Sendable {
            let value = Mutex(false)
        }
        private let exceeded = Flag()
        private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

        init(group: Int32, limit: Double, kill: @escaping @Sendable () -> Void) {
            let t = Task.detached { [exceeded] in
                while !Task.isCancelled {
                    if MemoryLimit.residentBytes(ofGroup: group) > limit {
                        exceeded.value.withLock { $0 = true }
                        kill()
                        return
                    }
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            task.withLock { $0 = t }
        }

        /// Stops watching; whether the limit was exceeded.
        func stop() -> Bool {
            task.withLock { $0?.cancel() }
            return exceeded.value.withLock { $0 }
        }
    }
}
