public import ArgumentParser
import Foundation

/// `skein`: run Argo-language workflows locally (and, later, on Kubernetes).
public struct SkeinCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "skein",
        abstract: "Run Argo Workflows YAML on your machine or on Kubernetes.",
        version: SkeinVersion.current,
        groupedSubcommands: [
            CommandGroup(name: "On this machine", subcommands: [RunCommand.self, LintCommand.self]),
            CommandGroup(name: "Workflows on a cluster", subcommands: [
                SubmitCommand.self, ListCommand.self, GetCommand.self, LogsCommand.self, WatchCommand.self, WaitCommand.self,
                ArtifactsCommand.self, DeleteCommand.self, RetryCommand.self, ResubmitCommand.self, SuspendCommand.self, ResumeCommand.self,
                StopCommand.self, TerminateCommand.self]),
            CommandGroup(name: "Templates and cron workflows", subcommands: [
                TemplateCommand.self, ClusterTemplateCommand.self, CronCommand.self]),
            CommandGroup(name: "Running Skein", subcommands: [
                ControllerCommand.self, ExecutorCommand.self, CRDsCommand.self, CompletionCommand.self, VersionCommand.self,
                HelpReferenceCommand.self]),
        ]
    )

    public init() {}
}

public enum SkeinVersion {
    public static let current = "0.1.0"
}

/// The `skein` executable's entry point. Usage errors exit with 2 like other invalid input
/// (argument-parser's own convention would be 64).
///
/// It ends with `_exit`, after flushing the output: a normal `exit` runs the libraries'
/// static destructors while the Kubernetes client's libcurl thread may still be running,
/// and that crashed `skein submit` once ("double free or corruption", with one thread in
/// lib_FoundationICU's `_fini`).
public func skeinMain() async -> Never {
    var code: Int32 = 0
    do {
        var command = try SkeinCommand.parseAsRoot()
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    } catch {
        let exitCode = SkeinCommand.exitCode(for: error)
        code = exitCode == .validationFailure ? 2 : exitCode.rawValue
        let message = SkeinCommand.fullMessage(for: error)
        if !message.isEmpty {
            let text = Data((message.hasSuffix("\n") ? message : message + "\n").utf8)
            if exitCode == .success { FileHandle.standardOutput.write(text) } else { FileHandle.standardError.write(text) }
        }
    }
    fflush(nil)
    _exit(code)
}
