import Controller
import Foundation
import KubeAPI
import KubeClient
import KubeSim
import SkeinJSON
import SkeinTestSupport
import Testing
import WorkflowModel

/// CronWorkflows on a running controller: workflows started on schedule, the status kept,
/// the concurrency policies, history limits, suspend, stopStrategy and missed runs.
@Suite(.serialized) struct CronWorkflowTests {
    static func cron(_ name: String, _ spec: String, command: String = "[echo, \"{{workflow.scheduledTime}}\"]") -> String {
        """
        apiVersion: skein.dev/v1alpha1
        kind: CronWorkflow
        metadata: {name: \(name)}
        spec:
        \(spec.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
          workflowSpec:
            entrypoint: main
            templates:
              - name: main
                container: {image: alpine, command: \(command)}
        """
    }

    func create(_ h: ControllerHarness, _ yaml: String) async throws -> JSONValue {
        let doc = try #require(try DocumentLoader.load(text: yaml, file: "cron.yaml").first)
        return try await h.client.create(h.settings.cronWorkflows, doc.raw, namespace: "default")
    }

    func cronObject(_ h: ControllerHarness, _ name: String) async throws -> JSONValue {
        try await h.client.get(h.settings.cronWorkflows, name, namespace: "default")
    }

    func children(_ h: ControllerHarness, _ name: String) async throws -> [JSONValue] {
        try await h.client.list(h.settings.workflows, namespace: "default",
                                options: ListOptions(labelSelector: "\(h.settings.cronWorkflowLabel)=\(name)")).items
            .sorted { ($0.name ?? "") < ($1.name ?? "") }
    }

    static func count(_ o: JSONValue, _ key: String) -> Int {
        if case .int(let i) = o["status"]?[key] { return i }
        return 0
    }

    @Test func workflowsStartOnScheduleAndOldOnesAreDeleted() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cron = try await create(h, Self.cron("tick", """
            schedule: "@every 1s"
            successfulJobsHistoryLimit: 2
            workflowMetadata: {labels: {team: data}}
            """))
        let created = try #require(Timestamp(rfc3339: cron["metadata"]?["creationTimestamp"]?.stringValue ?? ""))
        #expect(try await h.eventually(timeout: 60) { Self.count(try await cronObject(h, "tick"), "succeeded") >= 4 })
        // No more runs from here, so that the ones looked at below are not deleted meanwhile
        // by the history limit.
        _ = try await h.client.patch(h.settings.cronWorkflows, "tick", namespace: "default", type: .merge, ["spec": ["suspend": true]])
        #expect(try await h.eventually {
            try await children(h, "tick").allSatisfy { WorkflowPhase(rawValue: phase($0) ?? "")?.isCompleted ?? false }
        })

        let status = try await cronObject(h, "tick")
        #expect(status["status"]?["phase"] == "Active")
        #expect(status["status"]?["lastScheduledTime"]?.stringValue != nil)
        // History: only the newest two succeeded runs are kept.
        #expect(try await h.eventually {
            try await children(h, "tick").filter { phase($0) == "Succeeded" }.count <= 2
        })
        let runs = try await children(h, "tick")
        #expect(!runs.isEmpty)
        for wf in runs {
            let name = try #require(wf.name)
            // Named after the scheduled time, a whole number of seconds after the creation.
            let seconds = try #require(Double(name.dropFirst("tick-".count)))
            #expect(seconds > created.seconds && seconds.truncatingRemainder(dividingBy: 1) == 0)
            #expect(wf.annotations[h.settings.scheduledTimeAnnotation] == Timestamp(seconds: seconds).description)
            #expect(wf.labels["team"] == "data")
            #expect(wf.labels["workflows.argoproj.io/cron-workflow"] == "tick")
            #expect(wf["metadata"]?["ownerReferences"]?[0]?["uid"]?.stringValue == cron.uid)
        }
        // {{workflow.scheduledTime}} reached the step.
        let done = try #require(runs.first { phase($0) == "Succeeded" })
        let pod = try #require(try await h.pods(of: done.name ?? "").first)
        let logs = try await h.client.logs(pod: pod.name ?? "", namespace: "default", options: LogOptions(container: "main"))
        #expect(logs.contains(done.annotations[h.settings.scheduledTimeAnnotation] ?? "?"), "\(logs)")

        // Deleting the CronWorkflow deletes its workflows (owner references).
        _ = try await h.client.delete(h.settings.cronWorkflows, "tick", namespace: "default")
        #expect(try await h.eventually { try await children(h, "tick").isEmpty })
    }

    @Test func forbidSkipsRunsWhileOneRunsAndReplaceTerminatesIt() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        _ = try await create(h, Self.cron("slow", "schedule: \"@every 1s\"\nconcurrencyPolicy: Forbid", command: "[sleep, \"4\"]"))
        var most = 0
        let deadline = Date().addingTimeInterval(40)
        while Date() < deadline {
            let running = try await children(h, "slow").filter { !(WorkflowPhase(rawValue: phase($0) ?? "")?.isCompleted ?? false) }
            most = max(most, running.count)
            if Self.count(try await cronObject(h, "slow"), "succeeded") >= 2 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(Self.count(try await cronObject(h, "slow"), "succeeded") >= 2)
        #expect(most == 1, "with Forbid, never more than one run at a time")
        _ = try await h.client.delete(h.settings.cronWorkflows, "slow", namespace: "default")

        _ = try await create(h, Self.cron("newest", "schedule: \"@every 2s\"\nconcurrencyPolicy: Replace", command: "[sleep, \"60\"]"))
        #expect(try await h.eventually(timeout: 30) {
            try await children(h, "newest").contains { $0["spec"]?["shutdown"] == "Terminate" && phase($0) == "Failed" }
        })
        let running = try await children(h, "newest").filter { phase($0) == "Running" }
        #expect(running.count <= 1)
    }

    @Test func suspendAndStopStrategyStopScheduling() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        _ = try await create(h, Self.cron("twice", "schedule: \"@every 1s\"\nstopStrategy: {expression: \"cronworkflow.succeeded >= 2\"}"))
        #expect(try await h.eventually(timeout: 30) { try await cronObject(h, "twice")["status"]?["phase"] == "Stopped" })
        let stopped = try await children(h, "twice").count
        try await Task.sleep(for: .seconds(3))
        #expect(try await children(h, "twice").count == stopped, "no run starts once Stopped")

        _ = try await create(h, Self.cron("paused", "schedule: \"@every 1s\"\nsuspend: true"))
        try await Task.sleep(for: .seconds(3))
        #expect(try await children(h, "paused").isEmpty)
        _ = try await h.client.patch(h.settings.cronWorkflows, "paused", namespace: "default", type: .merge, ["spec": ["suspend": false]])
        #expect(try await h.eventually { !(try await children(h, "paused").isEmpty) })
    }

    /// Argo's documented `when`: a run only when the last one is more than a few seconds old,
    /// with `now()` and `cronworkflow.lastScheduledTime` as dates.
    @Test func whenComparesNowWithTheLastScheduledTime() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let when = "{{= cronworkflow.lastScheduledTime == nil || (now() - cronworkflow.lastScheduledTime).Seconds() > 4 }}"
        _ = try await create(h, Self.cron("spaced", "schedule: \"@every 1s\"\nwhen: \"\(when)\""))
        #expect(try await h.eventually(timeout: 30) { try await children(h, "spaced").count >= 2 })
        let cron = try await cronObject(h, "spaced")
        #expect(cron["status"]?["conditions"]?.arrayValue?.contains { $0["type"] == "SpecError" } != true, "\(cron)")
        let starts = try await children(h, "spaced").compactMap { Timestamp(rfc3339: $0["metadata"]?["creationTimestamp"]?.stringValue ?? "")?.seconds }
            .sorted()
        // Every second is due, but `when` lets one through only after more than 4 seconds.
        for (a, b) in zip(starts, starts.dropFirst()) { #expect(b - a >= 4, "\(starts)") }
    }

    /// Times missed while no controller ran: skipped by default; the latest one runs at once
    /// with a startingDeadlineSeconds that covers it.
    @Test func missedRunsFollowStartingDeadlineSeconds() async throws {
        let h = try await ControllerHarness.start(startController: false)
        defer { Task { await h.stop() } }
        _ = try await create(h, Self.cron("strict", "schedule: \"@every 2s\""))
        _ = try await create(h, Self.cron("lenient", "schedule: \"@every 2s\"\nstartingDeadlineSeconds: 60"))
        try await Task.sleep(for: .seconds(5))
        let started = Date().timeIntervalSince1970
        h.startController()
        #expect(try await h.eventually {
            let strict = try await children(h, "strict").count
            let lenient = try await children(h, "lenient").count
            return strict >= 1 && lenient >= 1
        })
        func firstScheduled(_ name: String) async throws -> Double {
            let first = try #require(try await children(h, name).first)
            return try #require(Double((first.name ?? "").dropFirst(name.count + 1)))
        }
        let strict = try await firstScheduled("strict")
        #expect(strict >= started.rounded(.down), "a missed time ran without a starting deadline")
        // The lenient one ran the latest time missed before it began (or the latest due when it
        // did), which comes before the first time the strict one waited for.
        #expect(try await firstScheduled("lenient") < strict, "the latest missed time did not run at start")
    }

    /// A broken schedule is reported on the CronWorkflow and nothing runs; the controller goes on.
    @Test func aBrokenScheduleIsReportedInTheStatus() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        _ = try await create(h, Self.cron("broken", "schedule: \"0 25 * * *\""))
        #expect(try await h.eventually {
            let c = try await cronObject(h, "broken")
            return (c["status"]?["conditions"]?.arrayValue ?? []).contains {
                $0["type"] == "SpecError" && ($0["message"]?.stringValue ?? "").contains("25 in the hour field is outside 0-23")
            }
        })
        #expect(try await children(h, "broken").isEmpty)

        // Runs the API server refuses: the refusal stays reported, not only for the moment it happened.
        h.cluster.sim.faults.failNext(1000, RequestMatch(verb: "create", resource: "workflows"), code: 422)
        _ = try await create(h, Self.cron("refused", "schedule: \"@every 1s\""))
        func submissionError() async throws -> String? {
            let c = try await cronObject(h, "refused")
            return (c["status"]?["conditions"]?.arrayValue ?? []).first { $0["type"] == "SubmissionError" }?["message"]?.stringValue
        }
        #expect(try await h.eventually { try await submissionError() != nil })
        for _ in 0..<8 {
            try await Task.sleep(for: .milliseconds(200))
            let message = try await submissionError()
            #expect(message?.hasPrefix("could not create workflow refused-") == true, "\(message ?? "none")")
        }

        // A name longer than 52 characters would make run names too long for the labels they go in.
        let long = String(repeating: "a", count: 53)
        _ = try await create(h, Self.cron(long, "schedule: \"@every 1s\""))
        #expect(try await h.eventually {
            let c = try await cronObject(h, long)
            return (c["status"]?["conditions"]?.arrayValue ?? []).contains {
                $0["type"] == "SpecError" && ($0["message"]?.stringValue ?? "").contains("at most 52 characters")
            }
        })
    }
}

/// What a CronWorkflow's `when` and `stopStrategy.expression` see, variable by variable.
@Suite struct CronExpressionTests {
    static let cron: JSONValue = [
        "metadata": ["name": "nightly", "namespace": "team", "labels": ["tier": "batch"], "annotations": ["owner": "ann"]],
        "status": ["lastScheduledTime": "2026-12-03T10:00:00Z"],
    ]
    /// 2026-12-03T10:10:00Z.
    static let now = 1_796_292_600.0

    @Test(arguments: [
        "cronworkflow.name == 'nightly'", "cronworkflow.namespace == 'team'",
        "cronworkflow.labels.tier == 'batch'", "cronworkflow.annotations.owner == 'ann'",
        #"cronworkflow.labels.json == '{"tier":"batch"}'"#, #"cronworkflow.annotations.json == '{"owner":"ann"}'"#,
        "cronworkflow.succeeded == 3", "cronworkflow.failed == 1", "succeeded == 3 && failed == 1",
        "(now() - cronworkflow.lastScheduledTime).Minutes() == 10.0",
        "{{= cronworkflow.lastScheduledTime.Hour() == 10 }}",
    ])
    func eachVariableHasItsValue(_ source: String) throws {
        let r = CronExpressions.evaluate(source, cron: Self.cron, succeeded: 3, failed: 1, now: Self.now)
        #expect(try r.get() == true, "\(source)")
    }

    @Test func aNonBooleanOrBrokenExpressionIsAFailureNamingIt() {
        for source in ["cronworkflow.name", "cronworkflow.nope == 1"] {
            let r = CronExpressions.evaluate(source, cron: Self.cron, succeeded: 0, failed: 0, now: Self.now)
            guard case .failure(let e) = r else { Issue.record("\(source) evaluated"); continue }
            #expect(e.description.contains(source), "\(e)")
        }
    }
}
