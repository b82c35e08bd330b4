import Testing
@testable import WorkflowExpressions

private func outcome(_ phase: TaskPhase, daemoned: Bool = false, children: [TaskPhase] = []) -> TaskOutcome {
    TaskOutcome(phase: phase, daemoned: daemoned, childPhases: children)
}

private let states: [String: TaskOutcome] = [
    "ok": outcome(.succeeded),
    "bad": outcome(.failed),
    "err": outcome(.errored),
    "skip": outcome(.skipped),
    "omit": outcome(.omitted),
    "daemon": outcome(.running, daemoned: true),
    "run": outcome(.running),
    "task-1": outcome(.succeeded),
    "fan": outcome(.failed, children: [.failed, .succeeded]),
    "allbad": outcome(.failed, children: [.failed, .errored]),
    "nokids": outcome(.failed),
]

private func holds(_ source: String) throws -> Bool {
    try DependsExpression.parse(source).evaluate { states[$0] ?? outcome(.pending) }
}

@Suite struct DependsTests {
    @Test(arguments: [
        ("ok.Succeeded", true), ("bad.Succeeded", false),
        ("bad.Failed", true), ("ok.Failed", false),
        ("err.Errored", true), ("bad.Errored", false),
        ("skip.Skipped", true), ("ok.Skipped", false),
        ("omit.Omitted", true), ("skip.Omitted", false),
        ("daemon.Daemoned", true), ("ok.Daemoned", false),
        ("fan.AnySucceeded", true), ("allbad.AnySucceeded", false),
        ("allbad.AllFailed", true), ("fan.AllFailed", false), ("nokids.AllFailed", false),
    ])
    func suffixes(source: String, expected: Bool) throws {
        #expect(try holds(source) == expected)
    }

    @Test(arguments: [
        ("ok", true), ("skip", true), ("daemon", true),
        ("bad", false), ("err", false), ("omit", false), ("run", false),
        ("task-1", true), ("task-1.Succeeded", true),
    ])
    func bareReferences(source: String, expected: Bool) throws {
        #expect(try holds(source) == expected)
    }

    @Test(arguments: [
        ("ok && skip", true),
        ("ok && bad", false),
        ("bad || ok", true),
        ("!bad", true),
        ("!ok.Succeeded", false),
        ("bad || ok && skip", true),   // && binds tighter: bad || (ok && skip)
        ("ok || bad && bad", true),    // ok || (bad && bad)
        ("(ok || bad) && bad", false),
        ("!ok || ok", true),           // (!ok) || ok
        ("!(ok || bad)", false),
        ("!bad && !err", true),
        ("(bad.Failed || err.Errored) && !skip.Succeeded", true),
        ("  ok   &&(skip)", true),
        ("", true),
    ])
    func operators(source: String, expected: Bool) throws {
        #expect(try holds(source) == expected)
    }

    @Test func taskNamesInFirstAppearanceOrder() throws {
        let e = try DependsExpression.parse("(b.Failed || a) && !b.Succeeded && c-2")
        #expect(e.taskNames == ["b", "a", "c-2"])
    }

    @Test func longChainsDoNotRecurseDeeply() throws {
        let names = (0..<50_000).map { "t\($0)" }
        let e = try DependsExpression.parse(names.joined(separator: " && "))
        #expect(e.taskNames.count == 50_000)
        #expect(e.evaluate { _ in outcome(.succeeded) })
        #expect(!e.evaluate { $0 == "t49999" ? outcome(.failed) : outcome(.succeeded) })
    }

    @Test func fromDependencies() {
        let both = DependsExpression.fromDependencies(["ok", "skip"])
        #expect(both.taskNames == ["ok", "skip"])
        #expect(both.evaluate { states[$0] ?? outcome(.pending) })
        let failed = DependsExpression.fromDependencies(["ok", "bad"])
        #expect(!failed.evaluate { states[$0] ?? outcome(.pending) })
        let none = DependsExpression.fromDependencies([])
        #expect(none.taskNames.isEmpty)
        #expect(none.evaluate { _ in outcome(.failed) })
    }

    @Test(arguments: [
        ("a.Bogus", 2, "unknown task result 'Bogus' at offset 2"),
        ("a.", 2, "missing task result after 'a.' at offset 2"),
        ("a &&", 4, "expected a task name but found end of expression at offset 4"),
        ("(a || b", 7, "expected ')' but found end of expression at offset 7"),
        ("a b", 2, "unexpected 'b' at offset 2"),
        ("a & b", 2, "unexpected '&' at offset 2"),
        ("a)", 1, "unexpected ')' at offset 1"),
    ])
    func parseErrors(source: String, offset: Int, message: String) {
        var caught: ExpressionError?
        do { _ = try DependsExpression.parse(source) } catch { caught = error }
        #expect(caught?.offset == offset)
        #expect(caught?.message == message)
    }

    @Test func unknownSuffixFixListsValidOnes() {
        var caught: ExpressionError?
        do { _ = try DependsExpression.parse("a.Succeded") } catch { caught = error }
        #expect(caught?.fix?.contains(".Succeeded") == true)
        #expect(caught?.fix?.contains(".AllFailed") == true)
    }
}
