import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import SkeinTestSupport
import Testing
import WorkflowModel

/// `skein cron backfill` and `skein cron trigger` against KubeSim with the controller: the
/// runs a daily schedule would have made over 30 days, in order, at most N at once, each with
/// its scheduled time; nothing twice (a second backfill, a slot the schedule already ran).
extension CLITests {
@Suite struct CronBackfillTests {
    static let cron = """
        apiVersion: argoproj.io/v1alpha1
        kind: CronWorkflow
        metadata: {name: nightly}
        spec:
          schedule: "0 0 * * *"
          suspend: true
          successfulJobsHistoryLimit: 40
          workflowSpec:
            entrypoint: main
            templates:
            - name: main
              container: {image: alpine, command: [sh, -c, "echo '{{workflow.scheduledTime}}' > /tmp/t; sleep 0.3"]}
              outputs: {parameters: [{name: t, valueFrom: {path: /tmp/t}}]}
        """

    func runs(_ h: ControllerHarness) async throws -> [JSONValue] {
        try await h.client.list(h.settings.workflows, namespace: "default",
                                options: ListOptions(labelSelector: "\(h.settings.cronWorkflowLabel)=nightly")).items
    }

    @Test func thirtyDailySlotsOnceEachAtMostNAtATime() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let doc = try #require(try DocumentLoader.load(text: Self.cron, file: "cron.yaml").first)
        let cron = try await h.client.create(h.settings.cronWorkflows, doc.raw, namespace: "default")
        // The schedule already ran one slot (made as the scheduler makes it).
        let nov10 = try #require(Timestamp(rfc3339: "2026-11-10T00:00:00Z")).seconds
        _ = try await h.client.create(h.settings.workflows, try #require(CronRuns.scheduledWorkflow(cron, at: nov10, settings: h.settings)),
                                      namespace: "default")

        let dry = try await cli.run(["cron", "backfill", "nightly", "--from", "2026-11-01", "--to", "2026-11-30", "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.split(separator: "\n").count == 29, "\(dry.stdout)\(dry.stderr)")
        #expect(try await runs(h).count == 1, "a dry run creates nothing")

        let r = try await cli.run(["cron", "backfill", "nightly", "--from", "2026-11-01", "--to", "2026-11-30", "--parallelism", "3"], timeout: 180)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("created 29 of 30 runs; 1 already there"), "\(r.stderr)")
        let printed = r.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[0]) }
        let expected = (1...30).filter { $0 != 10 }.map { day in
            "nightly-\(Int(Timestamp(rfc3339: String(format: "2026-11-%02dT00:00:00Z", day))!.seconds))"
        }
        #expect(printed == expected, "in order, named as the schedule names them")

        #expect(try await h.eventually(timeout: 60) {
            try await runs(h).allSatisfy { WorkflowPhase(rawValue: $0["status"]?["phase"]?.stringValue ?? "")?.isCompleted ?? false }
        })
        let all = try await runs(h)
        #expect(all.count == 30 && Set(all.compactMap(\.name)).count == 30)
        for wf in all where wf.name != "nightly-\(Int(nov10))" {
            let slot = try #require(Double(wf.name?.dropFirst("nightly-".count) ?? ""))
            #expect(wf.annotations[h.settings.scheduledTimeAnnotation] == Timestamp(seconds: slot).description)
            #expect(phase(wf) == "Succeeded", "\(nodeSummary(wf))")
            #expect(nodeSummary(wf).contains { $0.contains("t=\(Timestamp(seconds: slot).description)") }, "\(nodeSummary(wf))")
        }
        // Never more than three of the backfill's runs at once (ends before starts at a tie).
        var events: [(Double, Int)] = []
        for wf in all where wf.name != "nightly-\(Int(nov10))" {
            guard let s = Timestamp(rfc3339: wf["status"]?["startedAt"]?.stringValue ?? ""), let f = Timestamp(rfc3339: wf["status"]?["finishedAt"]?.stringValue ?? "") else { continue }
            events += [(s.seconds, 1), (f.seconds, -1)]
        }
        var going = 0, most = 0
        for e in events.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) { going += e.1; most = max(most, going) }
        #expect(most <= 3 && most >= 1, "\(most) at once")

        let again = try await cli.run(["cron", "backfill", "nightly", "--from", "2026-11-01", "--to", "2026-11-30"])
        #expect(again.status == 0 && again.stdout.isEmpty && again.stderr.contains("created 0 of 30 runs; 30 already there"), "\(again.stderr)")

        let trigger = try await cli.run(["cron", "trigger", "nightly"])
        #expect(trigger.status == 0 && trigger.stdout.hasPrefix("nightly-") && trigger.stdout.contains("-manual"), "\(trigger.stdout)\(trigger.stderr)")
        #expect(try await runs(h).count == 31)
        let bad = try await cli.run(["cron", "backfill", "nightly", "--from", "yesterday", "--to", "2026-11-30"])
        #expect(bad.status == 2 && bad.stderr.contains("--from 'yesterday' is not a time"), "\(bad.stderr)")
    }
}
}
