import Foundation
import KubeAPI
public import SkeinJSON
import WorkflowExpressions
import WorkflowModel

/// The expressions of a CronWorkflow (`when`, `stopStrategy.expression`) and what they see.
public enum CronExpressions {
    /// `when` and `stopStrategy` expressions, with `cronworkflow.*` (and, for the older
    /// stopStrategy form, bare `succeeded` and `failed`). `{{= ... }}` around it is allowed.
    /// `now()` is `now`, and `cronworkflow.lastScheduledTime` a date, so Argo's
    /// `(now() - cronworkflow.lastScheduledTime).Seconds() > 360` works.
    public static func evaluate(_ text: String, cron: JSONValue, succeeded: Int, failed: Int, now: Double) -> Result<Bool, Failure> {
        var source = text.trimmingCharacters(in: .whitespaces)
        if source.hasPrefix("{{="), source.hasSuffix("}}") { source = String(source.dropFirst(3).dropLast(2)) }
        func strings(_ m: [String: String]) -> ExprValue { .map(m.mapValues { .string($0) }) }
        let last = cron["status"]?["lastScheduledTime"]?.stringValue
        let vars: [String: ExprValue] = [
            "cronworkflow.name": .string(cron.name ?? ""), "cronworkflow.namespace": .string(cron.namespace ?? ""),
            "cronworkflow.labels": strings(cron.labels), "cronworkflow.annotations": strings(cron.annotations),
            "cronworkflow.labels.json": .string(strings(cron.labels).jsonText),
            "cronworkflow.annotations.json": .string(strings(cron.annotations).jsonText),
            "cronworkflow.succeeded": .int(succeeded), "cronworkflow.failed": .int(failed),
            "cronworkflow.lastScheduledTime": last.map { t in Timestamp(rfc3339: t).map { .time(ExprTime(unix: $0.seconds)) } ?? .string(t) } ?? .null,
            "succeeded": .int(succeeded), "failed": .int(failed),
        ]
        do {
            var env = ExprEnvironment(flat: vars)
            env.now = ExprTime(unix: now)
            let value = try Expression.parse(source, dialect: .expr).evaluate(in: env)
            guard case .bool(let b) = value else {
                return .failure(Failure(description: "'\(text)' gave \(value), not true or false"))
            }
            return .success(b)
        } catch {
            return .failure(Failure(description: "'\(text)': \(error.message)"))
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }
}
