import ArgumentParser
import Foundation
import KubeAPI
import KubeClient
import LocalRunner
import SkeinJSON
import Synchronization
import WorkflowModel

/// Follows one workflow through a watch (re-opened when the server ends it, re-read on
/// 410 Gone) until it completes.
struct WorkflowFollower {
    let cluster: Cluster
    let name: String

    static func completed(_ o: JSONValue) -> Bool {
        WorkflowRows.isCompleted(o["status"]?["phase"]?.stringValue ?? "")
    }

    /// Calls `update` with the workflow as it is now and after each change; returns it
    /// once it has completed.
    func run(_ update: (JSONValue) async throws -> Void) async throws -> JSONValue {
        var object = try await cluster.workflowObject(name)
        let name = object.name ?? name
        try await update(object)
        while !WorkflowFollower.completed(object) {
            let options = ListOptions(fieldSelector: "metadata.name=\(name)", resourceVersion: object.resourceVersion,
                                      timeoutSeconds: 300)
            do {
                for try await event in cluster.client.watch(cluster.workflows, namespace: cluster.namespace, options: options) {
                    switch event.type {
                    case .added, .modified:
                        object = event.object
                        try await update(object)
                    case .deleted:
                        throw CLIFailure("workflow \(name) was deleted")
                    case .bookmark, .error:
                        continue
                    }
                    if WorkflowFollower.completed(object) { break }
                }
            } catch KubeError.gone {
                object = try await cluster.workflowObject(name)
                try await update(object)
            } catch let e as KubeError {
                throw await cluster.explain(e, what: "watching workflow \(name)", resource: cluster.workflows, name: name,
                                            verb: "watch", namespace: cluster.namespace)
            }
        }
        return object
    }
}

extension WorkflowFollower {
    /// Follows it to completion and prints how it ended; exit code 1 unless it Succeeded.
    func waitForOutcome() async throws {
        let final = try await run { _ in }
        WaitCommand.printOutcome(final)
        if WorkflowRows.phase(final) != "Succeeded" { throw ExitCode(1) }
    }
}

/// Lines written whole to standard output, from any task.
final class LinePrinter: Sendable {
    private let lock = Mutex(())
    let fd: Int32

    init(fd: Int32 = 1) { self.fd = fd }

    func print(_ text: String) {
        let data = Data((text.hasSuffix("\n") ? text : text + "\n").utf8)
        lock.withLock { _ in
            (fd == 2 ? FileHandle.standardError : FileHandle.standardOutput).write(data)
        }
    }
}

/// The `skein get` view redrawn in place on a terminal (`watch`, `submit --watch`); printed
/// once, at the end, when the output is not a terminal.
struct LiveView {
    let tty: Bool
    let color: Bool

    init() {
        tty = Terminal.isTTY(1)
        color = tty && Terminal.colorAllowed
    }

    func show(_ object: JSONValue) throws {
        guard tty else { return }
        let wf = try Cluster.decode(object)
        let text = WorkflowView.render(wf, object: object, now: WorkflowView.now(), color: color)
        FileHandle.standardOutput.write(Data(("\u{1B}[H\u{1B}[2J" + text).utf8))
    }

    func finish(_ object: JSONValue) throws {
        let wf = try Cluster.decode(object)
        let text = WorkflowView.render(wf, object: object, now: WorkflowView.now(), color: color)
        FileHandle.standardOutput.write(Data(((tty ? "\u{1B}[H\u{1B}[2J" : "") + text).utf8))
    }
}
