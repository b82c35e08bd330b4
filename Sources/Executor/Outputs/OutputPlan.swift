public import WorkflowModel
public import WorkflowEngine

/// Which files a step must hand back: output parameters read from `valueFrom.path` and
/// output artifacts; the emissary copies each distinct path once, numbered in order.
public struct OutputPlan: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            case parameter(Parameter)
            case artifact(OutputArtifact)
        }
        public var path: String
        public var kind: Kind
    }

    public var entries: [Entry]

    public init(launch: StepLaunch) {
        var e: [Entry] = []
        for p in launch.outputParameters {
            if let path = p.valueFrom?.path { e.append(Entry(path: path, kind: .parameter(p))) }
        }
        for a in launch.outputArtifacts { e.append(Entry(path: a.path, kind: .artifact(a))) }
        entries = e
    }

    /// The paths the emissary copies, each once (a parameter and an artifact may share one),
    /// in the order of `entries`; the copy of `paths[i]` is `outputs/i`.
    public var paths: [String] {
        var seen: Set<String> = []
        return entries.map(\.path).filter { seen.insert($0).inserted }
    }

    /// Where the emissary put the copy of `path`: its index in `paths`.
    public func copyIndex(of path: String) -> Int? { paths.firstIndex(of: path) }
}
