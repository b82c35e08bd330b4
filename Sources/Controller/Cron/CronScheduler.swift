import Foundation
import KubeAPI
import KubeClient
import Logging
import Synchronization
import WorkflowExpressions
public import WorkflowModel
public import SkeinJSON

/// Starts CronWorkflows' workflows on schedule and keeps each CronWorkflow's status: the
/// workflows it has running (`active`), `lastScheduledTime`, how many of its workflows
/// succeeded and failed, `phase` (`Active`, or `Stopped` once `stopStrategy` says so) and a
/// condition when the spec or a submission failed. Old finished workflows beyond the history
/// limits are deleted. Runs on the leader only.
///
/// A scheduled workflow is named `CRON-UNIXTIME` after its scheduled time, so a restarted
/// controller that starts the same run again finds it exists and does not start it twice.
/// Times that fell while no controller was scheduling are "missed": the latest one runs
/// if it is at most `startingDeadlineSeconds` old, as in Argo.
final class CronScheduler: Sendable {
    struct Entry {
        var uid: String
        /// When this scheduler began on the CronWorkflow. Times from then on run however late
        /// the tick that finds them; earlier ones were missed.
        var watchedSince: Double
        /// Scheduled times up to this one are dealt with (started, or skipped by policy).
        var handledUpTo = -Double.infinity
        /// The object as the last status write returned it: newer than the informer's copy
        /// until the watch catches up.
        var written: JSONValue?
        /// The first scheduled time after the last look, valid while `dueKey` is unchanged.
        var nextDue: Double?
        var dueKey = ""
        /// The spec read at `parsedVersion` (see `parse`).
        var parsedVersion: String?
        var parsed: Parsed?
    }

    let client: KubeClient
    let settings: ControllerSettings
    let informers: ControllerInformers
    let logger: Logger
    let state = Mutex<[String: Entry]>([:])

    init(client: KubeClient, settings: ControllerSettings, informers: ControllerInformers, logger: Logger) {
        self.client = client
        self.settings = settings
        self.informers = informers
        self.logger = logger
    }

    func run(every interval: Duration = .milliseconds(250)) async {
        while !Task.isCancelled {
            await tick(now: Date().timeIntervalSince1970)
            try? await Task.sleep(for: interval)
        }
    }

    func tick(now: Double) async {
        let crons = informers.cronWorkflows.store.list()
        let keys = Set(crons.map(\.objectKey))
        state.withLock { s in s = s.filter { keys.contains($0.key) } }
        for cron in crons where cron["metadata"]?["deletionTimestamp"] == nil {
            if Task.isCancelled { return }
            await process(cron, now: now)
        }
    }

    /// The informer's copy, or the one the last status write returned if that is newer.
    func current(_ cron: JSONValue, key: String, now: Double) -> (JSONValue, Entry) {
        state.withLock { s in
            var entry = s[key] ?? Entry(uid: cron.uid ?? "", watchedSince: now)
            if entry.uid != cron.uid ?? "" { entry = Entry(uid: cron.uid ?? "", watchedSince: now) }
            s[key] = entry
            if let w = entry.written, Self.version(w) > Self.version(cron) { return (w, entry) }
            return (cron, entry)
        }
    }

    static func version(_ o: JSONValue) -> Int { o.resourceVersion.flatMap { Int($0) } ?? 0 }

    func update(_ key: String, _ change: (inout Entry) -> Void) {
        state.withLock { s in
            if var e = s[key] {
                change(&e)
                s[key] = e
            }
        }
    }

    func process(_ informerCopy: JSONValue, now: Double) async {
        let key = informerCopy.objectKey
        let (cron, entry) = current(informerCopy, key: key, now: now)
        guard cron.name != nil, let namespace = cron.namespace else { return }
        let oldStatus = cron["status"] ?? [:]
        var status = oldStatus.objectValue ?? [:]
        var conditions: [String: String] = [:]

        // The workflows it started (owned by this CronWorkflow).
        let children = informers.workflows.store.byIndex(ControllerInformers.byCron, key)
            .filter { c in (c["metadata"]?["ownerReferences"]?.arrayValue ?? []).contains { $0["uid"]?.stringValue == entry.uid } }
        let finished: (JSONValue) -> Bool = { WorkflowPhase(rawValue: $0["status"]?["phase"]?.stringValue ?? "")?.isCompleted ?? false }
        let byName = Dictionary(children.map { ($0.name ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        var succeeded = Self.int(status["succeeded"])
        var failed = Self.int(status["failed"])
        // Each workflow is counted once: when it leaves `active`, in the same write.
        for ref in status["active"]?.arrayValue ?? [] {
            guard let n = ref["name"]?.stringValue, let child = byName[n], finished(child) else { continue }
            if child["status"]?["phase"]?.stringValue == "Succeeded" { succeeded += 1 } else { failed += 1 }
        }
        var active = children.filter { !finished($0) }.sorted { ($0.name ?? "") < ($1.name ?? "") }

        let parsed = parse(cron, key: key)
        if let problem = parsed.problem { conditions["SpecError"] = problem }
        guard let spec = parsed.spec else {
            await write(key: key, cron: cron, status: Self.status(status, active: active, succeeded: succeeded, failed: failed,
                                                                 conditions: conditions, group: settings.group, namespace: namespace))
            return
        }
        let schedules = parsed.schedules
        // A run still listed in `active` is counted by this very write; it is deleted only on a
        // later tick, so that a write lost to a conflict cannot lose its count.
        let listed = Set((status["active"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
        await trimHistory(children.filter { finished($0) && !listed.contains($0.name ?? "") }, spec: spec, namespace: namespace)

        if status["phase"]?.stringValue != "Stopped", let stop = Self.stopExpression(spec) {
            switch Self.evaluate(stop, cron: cron, succeeded: succeeded, failed: failed, now: now) {
            case .success(true):
                status["phase"] = "Stopped"
                logger.info("cron workflow stopped by its stopStrategy", metadata: ["cronworkflow": "\(key)", "expression": "\(stop)"])
            case .success(false): break
            case .failure(let e): conditions["SpecError"] = "spec.stopStrategy.expression: \(e)"
            }
        }

        var startedNow = false
        if conditions["SpecError"] == nil, spec.suspend != true, status["phase"]?.stringValue != "Stopped",
           let due = dueTime(schedules, cron: cron, spec: spec, entry: entry, key: key, now: now)
        {
            var run = true
            if let when = spec.when, !when.isEmpty {
                switch Self.evaluate(when, cron: cron, succeeded: succeeded, failed: failed, now: now) {
                case .success(let b): run = b
                case .failure(let e):
                    conditions["SpecError"] = "spec.when: \(e)"
                    run = false
                }
            }
            if run, spec.concurrencyPolicy == "Forbid", !active.isEmpty {
                logger.info("cron workflow skips a run: one is still running (concurrencyPolicy Forbid)",
                            metadata: ["cronworkflow": "\(key)", "running": "\(active.compactMap(\.name).joined(separator: ","))"])
                run = false
            }
            var handled = true
            if run {
                if spec.concurrencyPolicy == "Replace" {
                    for old in active { await terminate(old, namespace: namespace) }
                }
                switch await start(cron, spec: spec, at: due) {
                case .started(let wf):
                    startedNow = true
                    status["lastScheduledTime"] = .string(Timestamp(seconds: due).description)
                    if !active.contains(where: { $0.name == wf.name }) { active.append(wf) }
                case .failed(let message, let retry):
                    conditions["SubmissionError"] = message
                    handled = !retry
                }
            }
            if handled { update(key) { $0.handledUpTo = max($0.handledUpTo, due) } }
        }
        // A failed submission stays reported until a run starts.
        if conditions["SubmissionError"] == nil, !startedNow,
           let old = (oldStatus["conditions"]?.arrayValue ?? []).first(where: { $0["type"] == "SubmissionError" }) {
            conditions["SubmissionError"] = old["message"]?.stringValue ?? ""
        }
        if status["phase"] == nil { status["phase"] = "Active" }
        await write(key: key, cron: cron, status: Self.status(status, active: active, succeeded: succeeded, failed: failed,
                                                             conditions: conditions, group: settings.group, namespace: namespace))
    }

    /// A CronWorkflow's spec as read, with its schedules and the first problem found.
    struct Parsed {
        var spec: CronWorkflowSpec?
        var schedules: [CronSchedule] = []
        var problem: String?
    }

    /// The spec read and checked, once per version of the CronWorkflow (not every tick).
    func parse(_ cron: JSONValue, key: String) -> Parsed {
        let version = cron.resourceVersion ?? ""
        if let cached = state.withLock({ s in s[key].flatMap { $0.parsedVersion == version ? $0.parsed : nil } }) { return cached }
        var parsed = Parsed()
        do {
            let spec = try JSONValueDecoder().decode(CronWorkflowSpec.self, from: cron["spec"] ?? [:])
            parsed.spec = spec
            for text in (spec.schedule.map { [$0] } ?? []) + (spec.schedules ?? []) {
                do {
                    parsed.schedules.append(try CronSchedule(text, timeZone: spec.timezone))
                } catch {
                    parsed.problem = "spec.schedule '\(text)': \(error.description)"
                }
            }
            if parsed.schedules.isEmpty && parsed.problem == nil { parsed.problem = "spec.schedule is missing" }
            if let problem = CronSchedule.nameProblem(cron.name ?? "") { parsed.problem = "metadata.name: \(problem)" }
        } catch {
            parsed.problem = "spec.\(error.path): \(error.message)"
        }
        update(key) {
            $0.parsedVersion = version
            $0.parsed = parsed
        }
        return parsed
    }

    /// The latest scheduled time that should run now, if any: after the last run (or the
    /// CronWorkflow's creation) and after what was already dealt with, and either since this
    /// scheduler began or within `startingDeadlineSeconds` of now.
    func dueTime(_ schedules: [CronSchedule], cron: JSONValue, spec: CronWorkflowSpec, entry: Entry, key: String, now: Double) -> Double? {
        let last = cron["status"]?["lastScheduledTime"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }?.seconds
        let created = cron["metadata"]?["creationTimestamp"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }?.seconds ?? entry.watchedSince
        let reference = max(last ?? created, entry.handledUpTo)
        let deadline = Double(max(0, spec.startingDeadlineSeconds ?? 0))
        let from = max(reference, min(entry.watchedSince, now - deadline) - 0.5)
        let dueKey = "\(schedules.map(\.description))|\(spec.timezone ?? "")|\(reference)|\(from < now - deadline ? 0 : from)"
        if entry.dueKey == dueKey, let next = entry.nextDue, next > now { return nil }
        var latest: Double?
        var soonest = Double.infinity
        for s in schedules {
            // `@every` counts from the previous run (or the creation), not from `from`.
            var t = s.next(after: from, anchor: reference)
            var steps = 0
            while let v = t, v <= now, steps < 100_000 {
                latest = max(latest ?? v, v)
                t = s.next(after: v, anchor: reference)
                steps += 1
            }
            if let v = t { soonest = min(soonest, v) }
        }
        update(key) {
            $0.dueKey = dueKey
            $0.nextDue = latest == nil ? soonest : nil
        }
        return latest
    }

    enum StartResult {
        case started(JSONValue)
        /// `retry`: the API may accept it later (a server or connection error).
        case failed(String, retry: Bool)
    }

    func start(_ cron: JSONValue, spec: CronWorkflowSpec, at time: Double) async -> StartResult {
        guard let name = cron.name, let namespace = cron.namespace,
              let workflow = CronRuns.scheduledWorkflow(cron, at: time, settings: settings) else { return .failed("the CronWorkflow has no name", retry: false) }
        let wfName = "\(name)-\(Int(time))"
        do {
            let created = try await client.create(settings.workflows, workflow, namespace: namespace)
            logger.info("cron workflow started a workflow", metadata: [
                "cronworkflow": "\(namespace)/\(name)", "workflow": "\(wfName)", "scheduledTime": "\(Timestamp(seconds: time))",
            ])
            return .started(created)
        } catch KubeError.alreadyExists {
            // Started before (by this controller before a restart): the same run, not a new one.
            if let existing = try? await client.get(settings.workflows, wfName, namespace: namespace) { return .started(existing) }
            return .started(workflow)
        } catch let e as KubeError {
            let retry: Bool
            switch e {
            case .server, .transport, .tooManyRequests, .conflict: retry = true
            default: retry = false
            }
            logger.warning("cron workflow could not start its workflow", metadata: ["cronworkflow": "\(namespace)/\(name)", "error": "\(e)"])
            return .failed("could not create workflow \(wfName): \(e)", retry: retry)
        } catch {
            return .failed("could not create workflow \(wfName): \(error)", retry: true)
        }
    }

    func terminate(_ wf: JSONValue, namespace: String) async {
        guard let n = wf.name else { return }
        do {
            _ = try await client.patch(settings.workflows, n, namespace: namespace, type: .merge, ["spec": ["shutdown": "Terminate"]])
            logger.info("cron workflow terminates a running workflow (concurrencyPolicy Replace)", metadata: ["workflow": "\(namespace)/\(n)"])
        } catch {
            logger.warning("cannot terminate workflow \(namespace)/\(n) for concurrencyPolicy Replace: \(error)")
        }
    }

    /// Deletes the oldest finished workflows beyond `successfulJobsHistoryLimit` (default 3)
    /// and `failedJobsHistoryLimit` (default 1).
    func trimHistory(_ done: [JSONValue], spec: CronWorkflowSpec, namespace: String) async {
        let newestFirst = done.sorted { ($0.name ?? "") > ($1.name ?? "") }
        let ok = newestFirst.filter { $0["status"]?["phase"]?.stringValue == "Succeeded" }
        let bad = newestFirst.filter { $0["status"]?["phase"]?.stringValue != "Succeeded" }
        let excess = ok.dropFirst(max(0, spec.successfulJobsHistoryLimit ?? 3)) + bad.dropFirst(max(0, spec.failedJobsHistoryLimit ?? 1))
        for wf in excess where wf["metadata"]?["deletionTimestamp"] == nil {
            guard let n = wf.name else { continue }
            do {
                _ = try await client.delete(settings.workflows, n, namespace: namespace)
            } catch KubeError.notFound {
            } catch {
                logger.warning("cannot delete old cron workflow run \(namespace)/\(n): \(error)")
            }
        }
    }

    static func int(_ v: JSONValue?) -> Int {
        if case .int(let i) = v { return i }
        return 0
    }

    static func stopExpression(_ spec: CronWorkflowSpec) -> String? {
        let s = spec.stopStrategy?["expression"]?.stringValue ?? spec.stopStrategy?["condition"]?.stringValue
        return s.flatMap { $0.isEmpty ? nil : $0 }
    }

    static func evaluate(_ text: String, cron: JSONValue, succeeded: Int, failed: Int, now: Double) -> Result<Bool, CronExpressions.Failure> {
        CronExpressions.evaluate(text, cron: cron, succeeded: succeeded, failed: failed, now: now)
    }

    static func status(_ base: [String: JSONValue], active: [JSONValue], succeeded: Int, failed: Int,
                       conditions: [String: String], group: String, namespace: String) -> JSONValue {
        var s = base
        s["active"] = .array(active.map { wf in
            ["apiVersion": .string("\(group)/v1alpha1"), "kind": "Workflow", "name": .string(wf.name ?? ""),
             "namespace": .string(namespace), "uid": .string(wf.uid ?? "")]
        })
        s["succeeded"] = .int(succeeded)
        s["failed"] = .int(failed)
        let old = Dictionary((base["conditions"]?.arrayValue ?? []).compactMap { c in c["type"]?.stringValue.map { ($0, c) } },
                             uniquingKeysWith: { a, _ in a })
        s["conditions"] = .array(conditions.keys.sorted().map { type in
            let message = conditions[type] ?? ""
            if let o = old[type], o["message"]?.stringValue == message { return o }
            return ["type": .string(type), "status": "True", "message": .string(message),
                    "lastTransitionTime": .string(Timestamp(seconds: Date().timeIntervalSince1970.rounded(.down)).description)]
        })
        return .object(s)
    }

    /// Writes the status when it changed (a merge patch of the status subresource), fenced
    /// by the version it was computed from: a write held up somewhere (from a scheduler that
    /// lost its lease, say) fails with a conflict instead of undoing a newer one, and the
    /// next tick decides again from what the informer shows.
    func write(key: String, cron: JSONValue, status: JSONValue) async {
        let old = cron["status"] ?? [:]
        guard status != old, let name = cron.name else { return }
        var patch = status.objectValue ?? [:]
        for k in (old.objectValue ?? [:]).keys where patch[k] == nil { patch[k] = .null }
        var body: [String: JSONValue] = ["status": .object(patch)]
        if let rv = cron.resourceVersion { body["metadata"] = ["resourceVersion": .string(rv)] }
        do {
            let updated = try await client.patch(settings.cronWorkflows, name, namespace: cron.namespace, type: .merge,
                                                 .object(body), subresource: "status")
            update(key) { $0.written = updated }
        } catch KubeError.conflict {
            logger.debug("the status of cron workflow \(key) moved on; deciding again on the next tick")
        } catch {
            logger.warning("cannot write the status of cron workflow \(key): \(error)")
        }
    }
}

/// The runs of a CronWorkflow, as the scheduler and `skein cron backfill`/`trigger` make them.
public enum CronRuns {
    /// The workflow a CronWorkflow starts for the time `time`: named `NAME-UNIXSECONDS` (so a
    /// slot is run once, whoever starts it: the schedule or `skein cron backfill`), owned by
    /// the CronWorkflow, labelled with it and annotated with the scheduled time
    /// (`{{workflow.scheduledTime}}`). `suffix` names a run outside the schedule.
    public static func scheduledWorkflow(_ cron: JSONValue, at time: Double, settings: ControllerSettings, suffix: String = "") -> JSONValue? {
        guard let name = cron.name, let namespace = cron.namespace else { return nil }
        var labels = cron["spec"]?["workflowMetadata"]?["labels"]?.objectValue ?? [:]
        labels[settings.cronWorkflowLabel] = .string(name)
        labels["workflows.argoproj.io/cron-workflow"] = .string(name)   // what Argo's CLI and UI filter on
        if let id = settings.instanceID { labels[settings.instanceLabel] = .string(id) }
        var annotations = cron["spec"]?["workflowMetadata"]?["annotations"]?.objectValue ?? [:]
        annotations[settings.scheduledTimeAnnotation] = .string(Timestamp(seconds: time).description)
        return [
            "apiVersion": .string("\(settings.group)/v1alpha1"), "kind": "Workflow",
            "metadata": [
                "name": .string("\(name)-\(Int(time))\(suffix)"), "namespace": .string(namespace),
                "labels": .object(labels), "annotations": .object(annotations),
                "ownerReferences": [[
                    "apiVersion": .string("\(settings.group)/v1alpha1"), "kind": "CronWorkflow", "name": .string(name),
                    "uid": .string(cron.uid ?? ""), "controller": true, "blockOwnerDeletion": true,
                ]],
            ],
            "spec": cron["spec"]?["workflowSpec"] ?? [:],
        ]
    }

    /// The times the schedules run in `[from, to]`, in order, each once (`@every` counts
    /// from `from`).
    public static func slots(_ schedules: [CronSchedule], from: Double, to: Double, limit: Int = 100_000) -> [Double] {
        var times: Set<Double> = []
        for s in schedules {
            var t = s.next(after: from - 1, anchor: from - 1)
            while let v = t, v <= to, times.count < limit {
                if v >= from { times.insert(v) }
                t = s.next(after: v, anchor: v)
            }
        }
        return times.sorted()
    }
}
