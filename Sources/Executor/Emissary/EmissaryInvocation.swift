/// How a step's command is wrapped by `skein-emissary`, in a pod and in a local run alike:
/// `skein-emissary --control DIR [--output PATH]... -- COMMAND ARGS...`.
public struct EmissaryInvocation: Sendable, Hashable {
    /// Where the emissary writes `exitcode`, `stdout`, `log` and `outputs/<n>`.
    public var controlDirectory: String
    /// Paths (as the step sees them) copied into `outputs/<n>` after the command exits.
    public var outputPaths: [String]
    public var command: [String]

    public init(controlDirectory: String, outputPaths: [String], command: [String]) {
        self.controlDirectory = controlDirectory
        self.outputPaths = outputPaths
        self.command = command
    }

    public var arguments: [String] {
        var a = ["--control", controlDirectory]
        for p in outputPaths { a += ["--output", p] }
        return a + ["--"] + command
    }
}
