import Foundation
import Synchronization
public import WorkflowModel

/// Writes text to a file descriptor without buffering surprises between threads.
final class Output: Sendable {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    func write(_ s: String) {
        var bytes = Array(s.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeMutableBytes { p in Foundation.write(fd, p.baseAddress! + off, p.count - off) }
            if n <= 0 { break }
            off += n
        }
        bytes.removeAll()
    }
}

/// Plain progress lines, for logs, pipes and CI: one line when a step changes phase.
public final class PlainDisplay: RunObserver {
    let out: Output
    let seen = Mutex<[String: NodePhase]>([:])
    let progressSeen = Mutex<[String: String]>([:])

    public init(fd: Int32 = 1) { out = Output(fd: fd) }

    public func stepLog(step: String, line: String, isError: Bool) {
        out.write("\(step): \(line)\n")
    }

    public func notice(_ text: String) { out.write("\(text)\n") }

    public func statusChanged(_ wf: Workflow) {
        guard let nodes = wf.status?.nodes else { return }
        var lines: [String] = []
        seen.withLock { seen in
            for n in nodes.values.sorted(by: { ($0.startedAt?.seconds ?? 0, $0.name) < ($1.startedAt?.seconds ?? 0, $1.name) }) {
                guard n.type == .pod || n.type == .suspend || n.type == .skipped else { continue }
                // A running step's own N/M (ARGO_PROGRESS_FILE), once per change.
                if n.type == .pod, n.phase == .running, seen[n.id] == .running, let p = n.progress, p != "0/1",
                   progressSeen.withLock({ $0.updateValue(p, forKey: n.id) }) != p {
                    lines.append("\(n.displayName) (\(n.ranTemplate ?? "")): Running, progress \(p)")
                }
                if seen[n.id] == n.phase { continue }
                if n.phase == .pending && seen[n.id] == nil {
                    seen[n.id] = n.phase
                    continue
                }
                seen[n.id] = n.phase
                var line = "\(n.displayName) (\(n.ranTemplate ?? "")): \(n.phase.rawValue)"
                if let m = n.message, !m.isEmpty { line += ": \(m)" }
                lines.append(line)
            }
        }
        for l in lines { out.write(l + "\n") }
    }
}

/// A live tree on a terminal: step logs scroll above, the tree redraws below.
public final class TreeDisplay: RunObserver {
    let out: Output
    struct State {
        var height = 0
        var lines: [String] = []
    }
    let state = Mutex(State())
    let color: Bool

    public init(fd: Int32 = 1, color: Bool = true) {
        out = Output(fd: fd)
        self.color = color
    }

    func redraw(_ s: inout State, newLines: [String]? = nil, above: String? = nil) {
        var text = ""
        if s.height > 0 { text += "\u{1B}[\(s.height)A\r\u{1B}[J" }
        if let above { text += above }
        if let newLines { s.lines = newLines }
        for l in s.lines { text += l + "\n" }
        s.height = s.lines.count
        out.write(text)
    }

    public func stepLog(step: String, line: String, isError: Bool) {
        let prefix = color ? "\u{1B}[36m\(step)\u{1B}[0m" : step
        state.withLock { redraw(&$0, above: "\(prefix): \(line)\n") }
    }

    public func notice(_ text: String) {
        state.withLock { redraw(&$0, above: text + "\n") }
    }

    public func statusChanged(_ wf: Workflow) {
        let now = Timestamp(seconds: Date().timeIntervalSince1970)
        let lines = StatusTree.render(StatusTree.rows(wf, now: now), color: color)
        state.withLock { redraw(&$0, newLines: lines) }
    }

    /// Leave the final tree on screen.
    public func finish() {
        state.withLock { $0.height = 0 }
    }
}
