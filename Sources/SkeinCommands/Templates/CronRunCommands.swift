import ArgumentParser
import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import WorkflowModel

/// The CronWorkflow `name` as stored, with its schedules read and checked.
func cronWithSchedules(_ c: Cluster, _ name: String) async throws -> (JSONValue, [CronSchedule]) {
    let cron = try await c.call("cron workflow \(name)", resource: c.kinds.cronWorkflows, name: name, verb: "get") {
        try await c.client.get(c.kinds.cronWorkflows, name, namespace: c.namespace)
    }
    let spec = cron["spec"]
    let texts = (spec?["schedule"]?.stringValue.map { [$0] } ?? []) + (spec?["schedules"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    var schedules: [CronSchedule] = []
    for t in texts where !t.isEmpty {
        do {
            schedules.append(try CronSchedule(t, timeZone: spec?["timezone"]?.stringValue))
        } catch {
            throw CLIFailure("cron workflow \(name): spec.schedule '\(t)': \(error.description)", fix: "fix the schedule (`skein cron lint`)")
        }
    }
    if schedules.isEmpty { throw CLIFailure("cron workflow \(name) has no schedule") }
    return (cron, schedules)
}

/// `skein cron trigger NAME`: one run now, outside the schedule.
struct CronTrigger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger", abstract: "Start one run of a cron workflow now, outside its schedule.",
        discussion: "The run is named NAME-UNIXSECONDS-manual, owned by the cron workflow, with {{workflow.scheduledTime}} set to now.")
    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "The cron workflow.") var name: String

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            let (cron, _) = try await cronWithSchedules(c, name)
            guard let wf = CronRuns.scheduledWorkflow(cron, at: Date().timeIntervalSince1970.rounded(.down), settings: c.kinds, suffix: "-manual") else {
                throw CLIFailure("cron workflow \(name) has no name or namespace")
            }
            let created = try await c.call("creating a run of \(name)", resource: c.workflows, verb: "create") {
                try await c.client.create(c.workflows, wf, namespace: c.namespace)
            }
            print(created.name ?? "")
        }
    }
}

/// `skein cron backfill NAME --from T --to T`: the runs the schedule would have made.
struct CronBackfill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill", abstract: "Create the runs a cron workflow's schedule would have made between two times.",
        discussion: """
            Each run is named as the schedule names it (NAME-UNIXSECONDS), so backfilling the same \
            range again, or a range the schedule already ran, creates nothing twice. Runs are made \
            in order, at most --parallelism running at once; {{workflow.scheduledTime}} is each \
            run's slot. Times are RFC 3339 (2026-11-01T00:00:00Z) or dates (2026-11-01, midnight UTC). \
            The cron workflow's history limits apply to these runs too: a run they deleted is made \
            again by a later backfill of its slot.
            """)
    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "The cron workflow.") var name: String
    @Option(help: "The first time, included.") var from: String
    @Option(help: "The last time, included.") var to: String
    @Option(help: "Runs going at once (default 1).") var parallelism = 1
    @Flag(help: "Print the runs it would create, and create none.") var dryRun = false

    static func time(_ text: String, _ flag: String) throws -> Double {
        if let t = Timestamp(rfc3339: text) { return t.seconds }
        if text.count == 10, let t = Timestamp(rfc3339: text + "T00:00:00Z") { return t.seconds }
        throw ValidationError("\(flag) '\(text)' is not a time: write 2026-11-01T00:00:00Z or 2026-11-01")
    }

    func validate() throws {
        if parallelism < 1 { throw ValidationError("--parallelism must be at least 1") }
        if try Self.time(from, "--from") > Self.time(to, "--to") { throw ValidationError("--from is after --to") }
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            let (cron, schedules) = try await cronWithSchedules(c, name)
            let slots = CronRuns.slots(schedules, from: try Self.time(from, "--from"), to: try Self.time(to, "--to"))
            if slots.isEmpty {
                Terminal.printError("the schedule of \(name) has no time between \(from) and \(to)")
                return
            }
            let label = "\(c.kinds.cronWorkflowLabel)=\(name)"
            func existing() async throws -> [JSONValue] {
                try await c.call("listing the runs of \(name)", resource: c.workflows, verb: "list") {
                    try await c.client.listAll(c.workflows, namespace: c.namespace, options: ListOptions(labelSelector: label)).items
                }
            }
            let present = Set(try await existing().compactMap(\.name))
            var created: [String] = []
            var skipped = 0
            for slot in slots {
                guard let wf = CronRuns.scheduledWorkflow(cron, at: slot, settings: c.kinds), let wfName = wf.name else { continue }
                if present.contains(wfName) {
                    skipped += 1
                    continue
                }
                if dryRun {
                    print("\(wfName)\t\(Timestamp(seconds: slot))")
                    continue
                }
                // At most --parallelism of this backfill's runs going at once.
                while true {
                    let mine = Set(created)
                    let running = try await existing().filter { w in
                        mine.contains(w.name ?? "") && !(WorkflowPhase(rawValue: w["status"]?["phase"]?.stringValue ?? "")?.isCompleted ?? false)
                    }
                    if running.count < parallelism { break }
                    try await Task.sleep(for: .milliseconds(500))
                }
                do {
                    _ = try await c.client.create(c.workflows, wf, namespace: c.namespace)
                    created.append(wfName)
                    print("\(wfName)\t\(Timestamp(seconds: slot))")
                } catch KubeError.alreadyExists {
                    // The schedule ran it meanwhile: the same run.
                    skipped += 1
                } catch let e as KubeError {
                    throw await c.explain(e, what: "creating \(wfName)", resource: c.workflows, name: wfName, verb: "create", namespace: c.namespace)
                }
            }
            let verb = dryRun ? "would create" : "created"
            Terminal.printError("\(verb) \(dryRun ? slots.count - skipped : created.count) of \(slots.count) runs; \(skipped) already there")
        }
    }
}
