import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

/// Node and workflow `progress`, as Argo sums it.
@Suite struct ProgressTests {
    func progress(_ h: EngineHarness) -> [String: String] {
        var out: [String: String] = [:]
        for n in h.execution.status.nodes?.values.map({ $0 }) ?? [] { out[n.displayName] = n.progress ?? "-" }
        return out
    }

    @Test func stepsCountFinishedPodsAndSuspends() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: a, template: run}
          - - {name: b, template: run}
            - {name: c, template: run, continueOn: {failed: true}}
          - - {name: wait, template: pause}
        - name: run
          container: {image: alpine, command: [echo]}
        - name: pause
          suspend: {duration: "1"}
        """))
        #expect(h.run { l in l.displayName == "c" ? .fail(exitCode: 1) : .success } == .succeeded, "\(h)")
        let p = progress(h)
        #expect(p["a"] == "1/1" && p["b"] == "1/1" && p["c"] == "0/1" && p["wait"] == "1/1", "\(p)")
        // The steps node and each step group sum what they reach through their children.
        #expect(p["wf"] == "3/4" && p["[0]"] == "3/4" && p["[1]"] == "2/3" && p["[2]"] == "1/1", "\(p)")
        #expect(h.execution.status.progress == "3/4")
    }

    @Test func aDiamondCountsTheSharedTaskOnce() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          dag:
            tasks:
            - {name: A, template: run}
            - {name: B, template: run, depends: A}
            - {name: C, template: run, depends: A}
            - {name: D, template: run, depends: B && C}
        - name: run
          container: {image: alpine, command: [echo]}
        """))
        #expect(h.run() == .succeeded)
        let p = progress(h)
        #expect(p == ["wf": "4/4", "A": "1/1", "B": "1/1", "C": "1/1", "D": "1/1"], "\(p)")
        #expect(h.execution.status.progress == "4/4")
    }

    /// ARGO_PROGRESS_FILE: a running step's own N/M is its node's progress and counts in the
    /// sums; text that is not a valid N/M is ignored; a step that succeeds is complete (M/M).
    @Test func aStepsReportedProgressCountsUntilItSucceeds() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: quick, template: run}
            - {name: slow, template: run}
        - name: run
          container: {image: alpine, command: [echo]}
        """))
        _ = h.run(maxRounds: 3) { l in l.displayName == "slow" ? .hang : .success }
        let slow = try #require(h.node("slow")?.id)
        let at = Timestamp(seconds: 1_800_000_100)
        _ = h.execution.reconcile(observations: [.progress(slow, "3/10")], now: at)
        #expect(progress(h)["slow"] == "3/10" && progress(h)["wf"] == "4/11", "\(progress(h))")
        #expect(h.execution.status.progress == "4/11")
        for bad in ["11/10", "3/0", "-1/4", "half", ""] {
            _ = h.execution.reconcile(observations: [.progress(slow, bad)], now: at)
            #expect(progress(h)["slow"] == "3/10", "\(bad) was taken")
        }
        _ = h.execution.reconcile(observations: [.progress(slow, "7/10")], now: at)
        #expect(progress(h)["slow"] == "7/10")
        _ = h.execution.reconcile(observations: [.step(slow, phase: .succeeded, exitCode: 0, finishedAt: at)], now: at)
        #expect(progress(h)["slow"] == "10/10" && h.execution.status.progress == "11/11", "\(progress(h))")
    }

    @Test(arguments: [("50/100", "50/100"), ("1/2\n2/2\n", "2/2"), ("  4/5 \n\n", "4/5"), ("5/4", nil), ("x", nil)] as [(String, String?)])
    func theProgressFileIsReadAsArgoReadsIt(_ text: String, _ expected: String?) {
        #expect(StepProgress.parse(text) == expected)
    }

    @Test func whileRunningOnlyFinishedPodsCount() throws {
        let h = try EngineHarness(yaml: workflow("""
        - name: main
          steps:
          - - {name: quick, template: run}
            - {name: slow, template: run}
        - name: run
          container: {image: alpine, command: [echo]}
        """))
        _ = h.run(maxRounds: 3) { l in l.displayName == "slow" ? .hang : .success }
        let p = progress(h)
        #expect(p["quick"] == "1/1" && p["slow"] == "0/1" && p["wf"] == "1/2", "\(p)")
        #expect(h.execution.status.progress == "1/2")
    }
}
