public import ArgumentParser
import Foundation

/// `skein`: run Argo-language workflows locally (and, later, on Kubernetes).
public struct SkeinCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "skein",
        abstract: "Run Argo Workflows YAML on your machine or on Kubernetes.",
        version: SkeinVersion.current,
        subcommands: [RunCommand.self, LintCommand.self, ControllerCommand.self, ExecutorCommand.self, CRDsCommand.self,
                      VersionCommand.self]
    )

    public init() {}
}

public enum SkeinVersion {
    public static let current = "0.1.0"
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")
    func run() { print("skein \(SkeinVersion.current)") }
}

/// The `skein` executable's entry point. Usage errors exit with 2 like other invalid input
/// (argument-parser's own convention would be 64).
public func skeinMain() async {
    do {
        var command = try SkeinCommand.parseAsRoot()
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    } catch {
        if SkeinCommand.exitCode(for: error) == .validationFailure {
            let message = SkeinCommand.fullMessage(for: error)
            FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
            SkeinCommand.exit(withError: ExitCode(2))
        }
        SkeinCommand.exit(withError: error)
    }
}
