import Foundation
import Testing
import LocalRunner
import WorkflowModel
import WorkflowEngine
import SkeinTestSupport

@Suite struct StatusTreeTests {
    func finishedWorkflow() throws -> (Workflow, Timestamp) {
        let h = try EngineHarness(yaml: """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: wf}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: first, template: say}
              - {name: second, template: say, depends: first}
              - {name: broken, template: say, depends: first}
          - name: say
            container: {image: alpine, command: [echo, hi]}
        """)
        h.run { $0.displayName == "broken" ? .fail(exitCode: 2, after: 65) : .success }
        var wf = h.execution.workflow
        wf.status = h.execution.status
        return (wf, Timestamp(seconds: 1_800_000_100))
    }

    @Test func rowsFollowTheDAGWithPhasesDurationsAndMessages() throws {
        let (wf, now) = try finishedWorkflow()
        let rows = StatusTree.rows(wf, now: now)
        #expect(rows.map(\.name) == ["wf", "first", "broken", "second"])
        #expect(rows.first?.symbol == "✖")
        let broken = try #require(rows.first { $0.name == "broken" })
        #expect(broken.symbol == "✖")
        #expect(broken.template == "say")
        #expect(broken.duration == "1m5s")
        #expect(broken.message == "Error (exit code 2)")
        #expect(broken.podName.hasPrefix("wf-say-"))
        // Tasks sit under their DAG, in start order; the last one closes the branch.
        #expect(rows.dropFirst().map(\.prefix) == ["├─", "├─", "└─"])
    }

    @Test func renderAlignsColumnsAndColorsOnlyWhenAsked() throws {
        let (wf, now) = try finishedWorkflow()
        let plain = StatusTree.render(StatusTree.rows(wf, now: now), color: false)
        #expect(plain.first?.hasPrefix("STEP") == true)
        #expect(plain.count == 5)
        #expect(!plain.joined().contains("\u{1B}["))
        let templateColumn = plain.compactMap { $0.range(of: "say")?.lowerBound.utf16Offset(in: $0) }
        #expect(Set(templateColumn).count == 1, "the TEMPLATE column is aligned")
        let colored = StatusTree.render(StatusTree.rows(wf, now: now), color: true)
        #expect(colored.joined().contains("\u{1B}["))
    }

    @Test(arguments: [(0.4, "0s"), (12, "12s"), (184, "3m4s"), (3720, "1h2m")])
    func durations(_ seconds: Double, _ text: String) {
        #expect(StatusTree.formatDuration(seconds) == text)
    }
}
