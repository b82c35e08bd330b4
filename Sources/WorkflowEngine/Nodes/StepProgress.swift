public import WorkflowModel

/// A running step's own progress, as Argo takes it: the step writes `N/M` into the file named
/// by `ARGO_PROGRESS_FILE` (or sets the pod annotation `workflows.argoproj.io/progress`);
/// the runtime reads it while the step runs and the node shows it (`progress`), complete
/// (`M/M`) once the step succeeds.
public enum StepProgress {
    public static let environmentVariable = "ARGO_PROGRESS_FILE"
    public static let annotation = "workflows.argoproj.io/progress"
    /// The file's name in the step's `/var/run/skein`.
    public static let fileName = "progress"

    /// The last line of what the step wrote, when it is a valid `N/M` (0 ≤ N ≤ M, M > 0).
    public static func parse(_ text: String) -> String? {
        let line = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).last { !$0.allSatisfy(\.isWhitespace) }
        guard let line else { return nil }
        let trimmed = String(line.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        return WorkflowExecution.Progress(trimmed) == nil ? nil : trimmed
    }

    /// True when the template names `ARGO_PROGRESS_FILE` (in its command, args, env or script),
    /// so its pod needs the wait container that reports it.
    public static func isReported(by template: Template) -> Bool {
        for part in [template.container, template.script] {
            guard let part else { continue }
            if part.compactJSON.contains(environmentVariable) { return true }
        }
        return false
    }
}
