public import WorkflowModel
public import WorkflowEngine

/// Which files a step must hand back: output parameters read from `valueFrom.path` and
/// output artifacts, numbered in the order the emissary copies them.
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

    public var paths: [String] { entries.map(\.path) }
}
