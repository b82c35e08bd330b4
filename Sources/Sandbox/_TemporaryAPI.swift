// Temporary: the agreed API, replaced when the Sandbox module merges.
public struct BindMount: Sendable { public var source: String; public var target: String; public var readOnly: Bool
    public init(source: String, target: String, readOnly: Bool) { self.source = source; self.target = target; self.readOnly = readOnly } }
public enum OutputTarget: Sendable { case inherit, discard, file(String), pipe }
public struct SandboxSpec: Sendable {
    public var executable: String; public var arguments: [String]; public var environment: [String: String]
    public var workingDirectory: String?; public var privateTmp: String?; public var binds: [BindMount]
    public var stdout: OutputTarget; public var stderr: OutputTarget; public var isolate: Bool
    public init(executable: String, arguments: [String], environment: [String: String], workingDirectory: String?, privateTmp: String?, binds: [BindMount], stdout: OutputTarget, stderr: OutputTarget, isolate: Bool) {
        self.executable = executable; self.arguments = arguments; self.environment = environment; self.workingDirectory = workingDirectory; self.privateTmp = privateTmp; self.binds = binds; self.stdout = stdout; self.stderr = stderr; self.isolate = isolate }
}
public enum ProcessExit: Sendable { case exited(Int32), signaled(Int32) }
public struct SandboxError: Error, Sendable, CustomStringConvertible { public var description: String }
public final class SandboxProcess: Sendable {
    public let pid: Int32 = 0; public let isolated: Bool = false
    public func wait() async -> ProcessExit { .exited(0) }
    public func signal(_ sig: Int32) {}
    public func stdoutLines() -> AsyncStream<String> { AsyncStream { $0.finish() } }
    public func stderrLines() -> AsyncStream<String> { AsyncStream { $0.finish() } }
}
public enum Sandbox {
    public static func spawn(_ spec: SandboxSpec) throws(SandboxError) -> SandboxProcess { SandboxProcess() }
    public static var namespacesAvailable: Bool { false }
}
