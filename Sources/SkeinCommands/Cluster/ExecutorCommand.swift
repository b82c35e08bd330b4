import ArgumentParser
import Executor
import Foundation
import KubeClient
import WorkflowEngine

/// `skein executor init|wait`: the Skein containers of a step's pod (started by the controller).
struct ExecutorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "executor",
        abstract: "Run inside a step's pod: prepare its inputs (init) or report its outputs (wait).",
        discussion: "The controller starts these; they read the step from SKEIN_STEP.",
        subcommands: [Init.self, Wait.self, GC.self]
    )

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init", abstract: "Copy the emissary and fetch input artifacts into /var/run/skein.")

        func run() throws {
            let executor = try ExecutorCommand.load()
            do {
                try executor.initialize(emissary: ExecutorCommand.emissaryPath())
            } catch {
                ExecutorCommand.fail("init: \(error)")
            }
        }
    }

    struct GC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc", abstract: "Delete the artifacts SKEIN_GC lists (a workflow's artifactGC).")

        func run() throws {
            let outcome = ArtifactGarbageCollector.run(environment: ProcessInfo.processInfo.environment)
            for item in outcome.deleted { print("deleted \(item.name) of \(item.node): \(item.key)") }
            guard outcome.failures.isEmpty else {
                ExecutorCommand.fail("gc: \(outcome.failures.joined(separator: "; "))")
            }
        }
    }

    struct Wait: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "wait", abstract: "Wait for the step's command, then report its outputs in a WorkflowTaskResult.")

        func run() async throws {
            let executor = try ExecutorCommand.load()
            let client: KubeClient
            do {
                client = try KubeClient(ConfigLoader.inCluster())
            } catch {
                ExecutorCommand.fail("wait: cannot reach the Kubernetes API from this pod: \(error)")
            }
            do {
                try await executor.wait(client: client)
            } catch {
                ExecutorCommand.fail("wait: \(error)")
            }
        }
    }

    static func load() throws -> PodExecutor {
        do {
            return try PodExecutor(environment: ProcessInfo.processInfo.environment)
        } catch {
            fail("\(error)")
        }
    }

    /// `skein-emissary` next to this executable (both are in Skein's image).
    static func emissaryPath() -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent + "/skein-emissary"
    }

    /// Writes the reason where Kubernetes shows it (the termination message) and exits 1.
    static func fail(_ message: String) -> Never {
        try? Data(message.utf8).write(to: URL(fileURLWithPath: "/dev/termination-log"))
        FileHandle.standardError.write(Data("skein executor: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
