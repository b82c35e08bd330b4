public import ArgumentParser

/// `skein`: run Argo-language workflows locally (and, later, on Kubernetes).
public struct SkeinCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "skein",
        abstract: "Run Argo Workflows YAML on your machine or on Kubernetes.",
        version: SkeinVersion.current,
        subcommands: [RunCommand.self, LintCommand.self, VersionCommand.self]
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

/// The `skein` executable's entry point.
public func skeinMain() async {
    await SkeinCommand.main()
}
