// Temporary: the agreed API, replaced by the real implementation when it merges.
import Foundation

public enum ExprValue: Sendable, Hashable {
    case null, bool(Bool), int(Int), double(Double), string(String), list([ExprValue]), map([String: ExprValue])
    public var isTruthy: Bool { if case .bool(true) = self { return true }; return false }
    public var text: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return "\(d)"
        case .bool(let b): return b ? "true" : "false"
        default: return jsonText
        }
    }
    public var jsonText: String { "" }
    public static func fromJSONText(_ s: String) -> ExprValue? { nil }
}
public enum ExpressionDialect: Sendable { case expr, govaluate }
public struct ExpressionError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var offset: Int?
    public var fix: String?
    public var source: String
    public var description: String { message }
}
public struct ExprEnvironment: Sendable {
    public init(flat: [String: ExprValue]) {}
    public init(nested: [String: ExprValue]) {}
    public func lookup(_ name: String) -> ExprValue? { nil }
}
public struct Expression: Sendable {
    public var source: String
    public static func parse(_ source: String, dialect: ExpressionDialect) throws(ExpressionError) -> Expression { Expression(source: source) }
    public func evaluate(in env: ExprEnvironment) throws(ExpressionError) -> ExprValue { .null }
}
public enum TaskPhase: String, Sendable { case succeeded = "Succeeded", failed = "Failed", errored = "Error", skipped = "Skipped", omitted = "Omitted", pending = "Pending", running = "Running" }
public struct TaskOutcome: Sendable {
    public var phase: TaskPhase; public var daemoned: Bool; public var childPhases: [TaskPhase]
    public init(phase: TaskPhase, daemoned: Bool, childPhases: [TaskPhase]) { self.phase = phase; self.daemoned = daemoned; self.childPhases = childPhases }
}
public struct DependsExpression: Sendable {
    public var taskNames: [String]
    public static func parse(_ source: String) throws(ExpressionError) -> DependsExpression { DependsExpression(taskNames: []) }
    public static func fromDependencies(_ names: [String]) -> DependsExpression { DependsExpression(taskNames: names) }
    public func evaluate(_ state: (String) -> TaskOutcome) -> Bool { true }
}
