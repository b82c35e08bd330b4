public import WorkflowModel

/// What a runtime saw happen to a step: the engine's only view of the outside world.
public struct Observation: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A step (pod or process) changed phase; outputs are set when it completes.
        case step(phase: NodePhase, exitCode: Int?, outputs: Outputs?, message: String?,
                  startedAt: Timestamp?, finishedAt: Timestamp?)
        /// A suspend node (or every suspended node when `nodeID` is nil) was resumed,
        /// with values for its `outputs.parameters` that use `valueFrom.supplied`.
        case resume(parameters: [String: String])
        /// A suspended node was stopped with `skein stop`/`resume --fail`-like intent.
        case fail(message: String)
        /// Where a step's pod runs: its node and IP (`{{steps.X.hostNodeName}}`, `{{steps.X.ip}}`,
        /// and the nodes a retry with `affinity.nodeAntiAffinity` avoids).
        case placed(hostNodeName: String?, podIP: String?)
        /// A running step's own `N/M`, written to its `ARGO_PROGRESS_FILE` (or set as the pod's
        /// `workflows.argoproj.io/progress` annotation).
        case progress(String)
    }

    /// The node the observation is about; nil for resume means every suspended node.
    public var nodeID: String?
    public var kind: Kind

    public init(nodeID: String?, kind: Kind) {
        self.nodeID = nodeID
        self.kind = kind
    }

    public static func step(_ nodeID: String, phase: NodePhase, exitCode: Int? = nil, outputs: Outputs? = nil,
                            message: String? = nil, startedAt: Timestamp? = nil, finishedAt: Timestamp? = nil) -> Observation
    {
        Observation(nodeID: nodeID, kind: .step(phase: phase, exitCode: exitCode, outputs: outputs, message: message,
                                                startedAt: startedAt, finishedAt: finishedAt))
    }

    public static func placed(_ nodeID: String, hostNodeName: String?, podIP: String?) -> Observation {
        Observation(nodeID: nodeID, kind: .placed(hostNodeName: hostNodeName, podIP: podIP))
    }

    public static func progress(_ nodeID: String, _ text: String) -> Observation {
        Observation(nodeID: nodeID, kind: .progress(text))
    }

    public static func resume(_ nodeID: String? = nil, parameters: [String: String] = [:]) -> Observation {
        Observation(nodeID: nodeID, kind: .resume(parameters: parameters))
    }
}
