import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import WorkflowExpressions
import WorkflowModel

/// The parsers of user and server input, each as a function of arbitrary bytes that must
/// return (with an error or a value) and never crash or hang. `skein-fuzz` drives them
/// under libFuzzer (`scripts/fuzz.sh`); `FuzzRegressionTests` replays every input that once
/// crashed one of them.
public enum FuzzTargets {
    public static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "yaml": yaml, "json": json, "expr": expr, "depends": depends, "selectors": selectors,
        "cron": cron, "watch": watch, "kubeconfig": kubeconfig, "duration": duration,
    ]

    public static var names: [String] { all.keys.sorted() }

    static func text(_ data: [UInt8]) -> String { String(decoding: data, as: UTF8.self) }

    /// The YAML loader, then what `skein lint` does with what it loaded.
    static func yaml(_ data: [UInt8]) {
        guard let docs = try? DocumentLoader.load(text: text(data), file: "fuzz.yaml") else { return }
        _ = Linter.lint(docs)
    }

    static func json(_ data: [UInt8]) {
        if let v = try? JSONValue.parseJSON(utf8: data) { _ = v.compactJSON }
    }

    /// Both dialects, parsed and evaluated against an empty environment.
    static func expr(_ data: [UInt8]) {
        for dialect in [ExpressionDialect.expr, .govaluate] {
            if let e = try? Expression.parse(text(data), dialect: dialect) { _ = try? e.evaluate(in: ExprEnvironment(flat: [:])) }
        }
    }

    static func depends(_ data: [UInt8]) { _ = try? DependsExpression.parse(text(data)) }

    static func selectors(_ data: [UInt8]) {
        _ = try? LabelSelector(parsing: text(data))
        _ = try? FieldSelector(parsing: text(data))
    }

    static func cron(_ data: [UInt8]) {
        if let s = try? CronSchedule(text(data), timeZone: "UTC") { _ = s.next(after: 1_800_000_000) }
    }

    /// Watch frames as they arrive in chunks: split at every third byte, then decoded.
    static func watch(_ data: [UInt8]) {
        var splitter = LineSplitter(maxLineLength: 1 << 20)
        var i = 0
        while i < data.count {
            let end = min(data.count, i + 3)
            guard let lines = try? splitter.feed(Array(data[i..<end])) else { return }
            for line in lines { _ = try? WatchEvent(line: line) }
            i = end
        }
    }

    static func kubeconfig(_ data: [UInt8]) {
        guard let k = try? Kubeconfig.parse(text(data), file: "fuzz-kubeconfig") else { return }
        _ = try? k.configuration()
    }

    static func duration(_ data: [UInt8]) {
        if let s = Durations.seconds(text(data)) { _ = Durations.delay(s) }
    }
}
