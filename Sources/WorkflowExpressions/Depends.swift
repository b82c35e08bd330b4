/// The phase of a DAG task as `depends` sees it.
public enum TaskPhase: String, Sendable {
    case succeeded = "Succeeded", failed = "Failed", errored = "Error", skipped = "Skipped", omitted = "Omitted",
         pending = "Pending", running = "Running"
}

/// What a `depends` expression knows about one task.
public struct TaskOutcome: Sendable {
    public var phase: TaskPhase
    public var daemoned: Bool
    public var childPhases: [TaskPhase]
    /// The task's `continueOn`: a bare reference to it then also accepts Failed / Errored,
    /// as Argo does for `dependencies` and bare names in `depends`.
    public var continuesOnFailed: Bool
    public var continuesOnError: Bool
    public init(phase: TaskPhase, daemoned: Bool, childPhases: [TaskPhase],
                continuesOnFailed: Bool = false, continuesOnError: Bool = false) {
        self.phase = phase
        self.daemoned = daemoned
        self.childPhases = childPhases
        self.continuesOnFailed = continuesOnFailed
        self.continuesOnError = continuesOnError
    }
}

/// An Argo DAG `depends` expression such as `(a.Succeeded || b.Failed) && !c.Skipped`.
public struct DependsExpression: Sendable {
    /// Every referenced task, in order of first appearance.
    public var taskNames: [String]
    let root: DependsNode

    public static func parse(_ source: String) throws(ExpressionError) -> DependsExpression {
        var parser = DependsParser(source)
        let root = try parser.parse()
        var names: [String] = []
        var seen: Set<String> = []
        root.collectNames(into: &names, seen: &seen)
        return DependsExpression(taskNames: names, root: root)
    }

    /// Argo's `dependencies: [a, b]`: every listed task must have finished well (`a && b`).
    public static func fromDependencies(_ names: [String]) -> DependsExpression {
        var unique: [String] = []
        var seen: Set<String> = []
        for n in names where seen.insert(n).inserted { unique.append(n) }
        let root: DependsNode = unique.isEmpty ? .always : .and(unique.map { .task($0, nil) })
        return DependsExpression(taskNames: unique, root: root)
    }

    public func evaluate(_ state: (String) -> TaskOutcome) -> Bool {
        root.evaluate(state)
    }
}

enum DependsResult: String, Sendable, CaseIterable {
    case succeeded = "Succeeded", failed = "Failed", errored = "Errored", skipped = "Skipped", omitted = "Omitted",
         daemoned = "Daemoned", anySucceeded = "AnySucceeded", allFailed = "AllFailed"

    func holds(for o: TaskOutcome) -> Bool {
        switch self {
        case .succeeded: return o.phase == .succeeded
        case .failed: return o.phase == .failed
        case .errored: return o.phase == .errored
        case .skipped: return o.phase == .skipped
        case .omitted: return o.phase == .omitted
        case .daemoned: return o.daemoned
        case .anySucceeded: return o.childPhases.contains(.succeeded)
        case .allFailed: return !o.childPhases.isEmpty && o.childPhases.allSatisfy { $0 == .failed || $0 == .errored }
        }
    }
}

indirect enum DependsNode: Sendable {
    case always
    /// A task with an explicit result, or nil for the bare form (Succeeded, Skipped or Daemoned).
    case task(String, DependsResult?)
    case not(DependsNode)
    /// Chains are n-ary so a long `a && b && ...` does not build a deep tree.
    case and([DependsNode])
    case or([DependsNode])

    func evaluate(_ state: (String) -> TaskOutcome) -> Bool {
        switch self {
        case .always: return true
        case .task(let name, let result):
            let o = state(name)
            if let result { return result.holds(for: o) }
            return o.phase == .succeeded || o.phase == .skipped || o.daemoned
                || (o.continuesOnFailed && o.phase == .failed) || (o.continuesOnError && o.phase == .errored)
        case .not(let n): return !n.evaluate(state)
        case .and(let terms): return terms.allSatisfy { $0.evaluate(state) }
        case .or(let terms): return terms.contains { $0.evaluate(state) }
        }
    }

    func collectNames(into names: inout [String], seen: inout Set<String>) {
        switch self {
        case .always: return
        case .task(let n, _): if seen.insert(n).inserted { names.append(n) }
        case .not(let n): n.collectNames(into: &names, seen: &seen)
        case .and(let terms), .or(let terms):
            for t in terms { t.collectNames(into: &names, seen: &seen) }
        }
    }
}

/// Recursive descent over `||` (lowest), `&&`, `!` and parentheses.
struct DependsParser {
    let chars: [Character]
    let source: String
    var pos = 0
    var depth = 0

    init(_ source: String) {
        self.source = source
        chars = Array(source)
    }

    private func fail(_ message: String, at offset: Int, fix: String? = nil) -> ExpressionError {
        .at(offset, "\(message) at offset \(offset)", fix: fix, source: source)
    }

    private mutating func skipSpace() { while pos < chars.count, chars[pos].isWhitespace { pos += 1 } }

    private mutating func take(_ s: String) -> Bool {
        skipSpace()
        var i = pos
        for c in s {
            guard i < chars.count, chars[i] == c else { return false }
            i += 1
        }
        pos = i
        return true
    }

    private static func isNameChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "-" || c == "_" }

    private func describe(_ offset: Int) -> String {
        offset < chars.count ? "'\(chars[offset])'" : "end of expression"
    }

    mutating func parse() throws(ExpressionError) -> DependsNode {
        skipSpace()
        if pos == chars.count { return .always }
        let node = try parseOr()
        skipSpace()
        guard pos == chars.count else {
            if chars[pos] == "&" || chars[pos] == "|" {
                throw fail("unexpected \(describe(pos))", at: pos, fix: "use '&&' or '||'")
            }
            throw fail("unexpected \(describe(pos))", at: pos, fix: "join task references with '&&' or '||'")
        }
        return node
    }

    private mutating func parseOr() throws(ExpressionError) -> DependsNode {
        var terms = [try parseAnd()]
        while take("||") { terms.append(try parseAnd()) }
        return terms.count == 1 ? terms[0] : .or(terms)
    }

    private mutating func parseAnd() throws(ExpressionError) -> DependsNode {
        var terms = [try parseUnary()]
        while take("&&") { terms.append(try parseUnary()) }
        return terms.count == 1 ? terms[0] : .and(terms)
    }

    private mutating func parseUnary() throws(ExpressionError) -> DependsNode {
        depth += 1
        defer { depth -= 1 }
        guard depth < 200 else { throw fail("expression nested too deeply", at: pos) }
        skipSpace()
        if take("!") { return .not(try parseUnary()) }
        if take("(") {
            let inner = try parseOr()
            skipSpace()
            guard take(")") else { throw fail("expected ')' but found \(describe(pos))", at: pos, fix: "add a matching ')'") }
            return inner
        }
        let start = pos
        while pos < chars.count, Self.isNameChar(chars[pos]) { pos += 1 }
        guard pos > start else {
            throw fail("expected a task name but found \(describe(pos))", at: pos)
        }
        let name = String(chars[start..<pos])
        guard pos < chars.count, chars[pos] == "." else { return .task(name, nil) }
        pos += 1
        let suffixStart = pos
        while pos < chars.count, chars[pos].isLetter { pos += 1 }
        let suffix = String(chars[suffixStart..<pos])
        guard let result = DependsResult(rawValue: suffix) else {
            let valid = DependsResult.allCases.map { "." + $0.rawValue }.joined(separator: ", ")
            let shown = suffix.isEmpty ? "missing task result after '\(name).'" : "unknown task result '\(suffix)'"
            throw fail(shown, at: suffixStart, fix: "use one of \(valid)")
        }
        return .task(name, result)
    }
}
