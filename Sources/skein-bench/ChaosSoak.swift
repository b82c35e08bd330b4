import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import WorkflowModel

/// Issue 18's chaos soak (a benchmark, not a test): workflows of every shape on skein-sim
/// with a real kubelet, while the controller (its own process, this build) is killed
/// `kills` times at random moments (two in three with SIGKILL, the others SIGTERM) and
/// started again; then the API fault matrix, each fault on the resource it names while
/// workflows run. Every step appends its pod's name to a shared file, so a step that ran
/// twice shows. Reports, per part: workflows in their right phase with their outputs,
/// stuck, steps run twice, outputs lost, and the time to settle.
func benchChaos(kills: Int, workflows: Int) async throws {
    let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    let dir = FileManager.default.temporaryDirectory.path + "/skein-chaos-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir + "/shared", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (sim, client) = try await startSim(binDir: binDir, dir: dir, arguments: ["--work-dir", "\(dir)/sim"])
    defer { sim.stop() }
    let settings = ControllerSettings()
    func startController() throws -> Spawned {
        try Spawned(["\(binDir)/skein", "controller", "--kubeconfig", "\(dir)/kc", "--qps", "2000", "--burst", "2000",
                     "--workers", "8", "--no-metrics", "--artifact-host-path", "\(dir)/artifacts"],
                    log: "\(dir)/controller.log", waitFor: "controller ready")
    }
    var controller = try startController()
    defer { controller.stop() }

    var round = 0
    /// `during` runs the faults; it submits the `count` workflows (all at once, or some at a
    /// time between faults) by calling the function it gets with how many to submit.
    func run(_ title: String, count: Int, during: (_ submit: (Int) async throws -> Void) async throws -> Void) async throws {
        round += 1
        let label = "chaos=r\(round)"
        var expected: [String: ChaosShape] = [:]
        let r = round
        func submit(_ n: Int) async throws {
            for _ in 0..<n where expected.count < count {
                let shape = ChaosShape.allCases[expected.count % ChaosShape.allCases.count]
                let made = try await client.create(settings.workflows, shape.workflow(label: "r\(r)", shared: dir + "/shared"),
                                                   namespace: "default")
                expected[made.name ?? ""] = shape
            }
        }
        let start = ContinuousClock.now
        try await during(submit)
        try await submit(count)
        let calm = ContinuousClock.now
        var items: [JSONValue] = []
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            items = try await client.listAll(settings.workflows, namespace: "default", options: ListOptions(labelSelector: label)).items
            if items.count == count && items.allSatisfy({ ["Succeeded", "Failed", "Error"].contains($0["status"]?["phase"]?.stringValue ?? "") }) { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        let settled = ContinuousClock.now
        let log = ((try? String(contentsOfFile: dir + "/shared/log", encoding: .utf8)) ?? "").split(separator: "\n")
        var ran: [String: Int] = [:]
        for line in log { ran[String(line), default: 0] += 1 }
        var right = 0, stuck = 0, wrong = 0, lost = 0
        for wf in items {
            guard let name = wf.name, let shape = expected[name] else { continue }
            let phase = wf["status"]?["phase"]?.stringValue ?? ""
            if !["Succeeded", "Failed", "Error"].contains(phase) {
                stuck += 1
                continue
            }
            let outputsRight = shape.outputsRight(wf)
            if !outputsRight { lost += 1 }
            if phase == shape.phase && outputsRight { right += 1 } else { wrong += 1 }
        }
        let twice = ran.filter { $0.key.hasPrefix("r\(round)") && $0.value > 1 }.count
        print(String(format: "chaos %@: %d workflows: %d right, %d wrong phase or outputs, %d stuck, %d steps run twice, %d with outputs lost; settled %.1f s after the last fault (%.1f s in all)",
                     title, count, right, wrong, stuck, twice, lost,
                     (settled - calm) / .seconds(1), (settled - start) / .seconds(1)))
    }

    /// The simulator's holds (`GET /skein-sim/holds`), oldest first.
    func heldRequests() async throws -> [JSONValue] {
        let body = try await client.send(APIRequest(method: .get, path: "/skein-sim/holds"))
        return (try? JSONValue.parseJSON(String(decoding: body, as: UTF8.self)))?.arrayValue ?? []
    }

    @discardableResult
    func control(_ what: String, _ arg: JSONValue = [:]) async throws -> JSONValue {
        let r = try await client.send(APIRequest(method: .post, path: "/skein-sim/\(what)", body: Array(arg.compactJSON.utf8),
                                                 contentType: "application/json"))
        return (try? JSONValue.parseJSON(String(decoding: r, as: UTF8.self))) ?? .null
    }

    /// Suspends the CronWorkflow, waits for its runs to end, and reports them as the parts do.
    func reportCron(_ name: String, since created: Date) async throws {
        let ticks = Int(Date().timeIntervalSince(created) / 3)
        _ = try await client.patch(settings.cronWorkflows, name, namespace: "default", type: .merge,
                                   ["spec": ["suspend": true]])
        let label = "\(settings.cronWorkflowLabel)=\(name)"
        var items: [JSONValue] = []
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            items = try await client.listAll(settings.workflows, namespace: "default", options: ListOptions(labelSelector: label)).items
            if items.allSatisfy({ ["Succeeded", "Failed", "Error"].contains($0["status"]?["phase"]?.stringValue ?? "") }) { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        let right = items.filter { $0["status"]?["phase"] == "Succeeded" }.count
        let stuck = items.filter { !["Succeeded", "Failed", "Error"].contains($0["status"]?["phase"]?.stringValue ?? "") }.count
        let times = items.compactMap { $0.annotations[settings.scheduledTimeAnnotation] }
        let log = ((try? String(contentsOfFile: dir + "/shared/log", encoding: .utf8)) ?? "").split(separator: "\n")
        var ran: [String: Int] = [:]
        for line in log where line.hasPrefix("cron ") { ran[String(line), default: 0] += 1 }
        let twice = ran.values.filter { $0 > 1 }.count
        let cron = try await client.get(settings.cronWorkflows, name, namespace: "default")
        let active = cron["status"]?["active"]?.arrayValue?.count ?? 0
        print("chaos cron (@every 3s through the kills): \(items.count) runs for \(ticks) ticks: \(right) right, \(items.count - right - stuck) wrong, \(stuck) stuck, "
              + "\(times.count - Set(times).count) scheduled times run twice, \(twice) steps run twice; \(active) still listed active")
    }

    // The kills, with a CronWorkflow firing every 3 s throughout. Workflows go in a few at a
    // time between kills, so that every kill meets running ones. Every fourth kill is timed
    // to land while the controller's status write is in flight: the simulator holds the next
    // one, the controller is killed once it has been sent, and the held write is applied
    // 1.5 s later, after the new controller has taken over (a stale write it must not keep).
    let cronName = "chaos-cron"
    let cronCreated = Date()
    _ = try await client.create(settings.cronWorkflows, ChaosShape.cron(name: cronName, shared: dir + "/shared"), namespace: "default")
    var heldKills = 0
    var releases: [Task<Void, Never>] = []
    try await run("\(kills) controller kills", count: workflows) { submit in
        for k in 0..<kills {
            try await submit((workflows + kills - 1) / kills)
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...1500)))
            if k % 4 == 1 {
                try await control("hold", ["verb": "patch", "resource": "workflows/status"])
                var arrived = false
                for _ in 0..<30 where !arrived {
                    try await Task.sleep(for: .milliseconds(50))
                    arrived = try await heldRequests().last?["arrived"] == true
                }
                kill(controller.pid, SIGKILL)
                controller.process.waitUntilExit()
                controller = try startController()
                if arrived { heldKills += 1 }
                releases.append(Task {
                    try? await Task.sleep(for: .milliseconds(1500))
                    _ = try? await control("release")
                })
                continue
            }
            kill(controller.pid, k % 3 == 2 ? SIGTERM : SIGKILL)
            controller.process.waitUntilExit()
            controller = try startController()
        }
        for r in releases { await r.value }
    }
    let holds = try await heldRequests()
    let fenced = holds.filter { $0["answered"] == 409 }.count
    let applied = holds.filter { $0["answered"] == 200 }.count
    print("chaos kills: \(heldKills) kills landed while a status write was in flight (held); applied later, \(fenced) were refused "
          + "as stale (409) and \(applied) went through (nothing newer had been written)")
    try await control("clear-faults")
    try await reportCron(cronName, since: cronCreated)


    let matrix: [(String, String, JSONValue)] = [
        ("500 on pod creates", "fail", ["verb": "create", "resource": "pods", "code": 500, "count": 40]),
        ("429 on status writes", "fail", ["verb": "patch", "resource": "workflows/status", "code": 429, "count": 40, "retryAfterSeconds": 1]),
        ("409 on status writes", "fail", ["verb": "patch", "resource": "workflows/status", "code": 409, "count": 40]),
        ("500 on task results", "fail", ["verb": "create", "resource": "workflowtaskresults", "code": 500, "count": 40]),
        ("1 s delays on status writes", "delay", ["verb": "patch", "resource": "workflows/status", "seconds": 1.0, "count": 30]),
        ("dropped watches", "drop-watches", [:]),
        ("expired versions", "expire", [:]),
        ("API server paused 3 s", "pause", [:]),
        ("API server restarted, store kept (2 s down)", "restart", ["seconds": 2.0]),
    ]
    for (title, what, arg) in matrix {
        try await run(title, count: max(5, workflows / 4)) { submit in
            try await submit(workflows)
            for _ in 0..<(what == "drop-watches" || what == "expire" ? 5 : 1) {
                try await control(what, arg)
                try await Task.sleep(for: .milliseconds(what == "pause" ? 3000 : what == "restart" ? 2200 : 700))
            }
            if what == "pause" { try await control("resume", [:]) }
            try await Task.sleep(for: .seconds(2))
            try await control("clear-faults", [:])
        }
    }
}

/// The workflows of the soak; each step appends `ROUND POD` to the shared log.
enum ChaosShape: CaseIterable {
    case diamond, fanOut, retried, exitHandler, artifacts

    var phase: String { self == .exitHandler ? "Failed" : "Succeeded" }

    func workflow(label round: String, shared: String) -> JSONValue {
        let step = """
            - name: step
              inputs: {parameters: [{name: out, default: "x"}]}
              container:
                image: alpine
                command: [sh, -c, 'echo "\(round) $POD" >> /shared/log; sleep 0.3; echo {{inputs.parameters.out}} > /tmp/out']
                env: [{name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
                volumeMounts: [{name: shared, mountPath: /shared}]
              outputs: {parameters: [{name: out, valueFrom: {path: /tmp/out}}]}
            """
        let main: String
        switch self {
        case .diamond:
            main = """
                - name: main
                  dag:
                    tasks:
                      - {name: a, template: step}
                      - {name: b, template: step, depends: a}
                      - {name: c, template: step, depends: a}
                      - {name: d, template: step, depends: b && c, arguments: {parameters: [{name: out, value: "{{tasks.b.outputs.parameters.out}}-d"}]}}
                """
        case .fanOut:
            main = """
                - name: main
                  steps:
                    - - {name: each, template: step, withItems: [1, 2, 3, 4, 5], arguments: {parameters: [{name: out, value: "{{item}}"}]}}
                    - - {name: d, template: step, arguments: {parameters: [{name: out, value: "n-{{steps.each.outputs.parameters.out}}"}]}}
                """
        case .retried:
            main = """
                - name: main
                  retryStrategy: {limit: 3}
                  container:
                    image: alpine
                    command: [sh, -c, 'echo "\(round) $POD" >> /shared/log; if [ ! -f /shared/$WF ]; then touch /shared/$WF; exit 1; fi']
                    env: [{name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}, {name: WF, value: "{{workflow.name}}"}]
                    volumeMounts: [{name: shared, mountPath: /shared}]
                """
        case .exitHandler:
            main = """
                - name: main
                  container: {image: alpine, command: [sh, -c, "exit 3"]}
                - name: report
                  container:
                    image: alpine
                    command: [sh, -c, 'echo "\(round) $POD" >> /shared/log']
                    env: [{name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
                    volumeMounts: [{name: shared, mountPath: /shared}]
                """
        case .artifacts:
            main = """
                - name: main
                  steps:
                    - - {name: make, template: make}
                    - - name: d
                        template: use
                        arguments: {artifacts: [{name: data, from: "{{steps.make.outputs.artifacts.data}}"}]}
                - name: make
                  container: {image: alpine, command: [sh, -c, "echo payload > /tmp/data"]}
                  outputs: {artifacts: [{name: data, path: /tmp/data}]}
                - name: use
                  inputs: {artifacts: [{name: data, path: /tmp/in}]}
                  container: {image: alpine, command: [sh, -c, "cp /tmp/in /tmp/out"]}
                  outputs: {parameters: [{name: out, valueFrom: {path: /tmp/out}}]}
                """
        }
        let text = """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: chaos-, labels: {chaos: \(round)}}
            spec:
              entrypoint: main
              \(self == .exitHandler ? "onExit: report" : "")
              volumes: [{name: shared, hostPath: {path: \(shared), type: DirectoryOrCreate}}]
              templates:
            \(main.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            \(step.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """
        return (try? YAMLLoader.load(text, file: "chaos.yaml").first?.value) ?? .null
    }

    /// A CronWorkflow firing every 3 s, its one step logging `cron POD`. A tick missed while no
    /// controller ran is caught up once when the next one starts (`startingDeadlineSeconds`); every run is kept for the count (the history limits).
    static func cron(name: String, shared: String) -> JSONValue {
        let text = """
            apiVersion: skein.dev/v1alpha1
            kind: CronWorkflow
            metadata: {name: \(name)}
            spec:
              schedule: "@every 3s"
              concurrencyPolicy: Allow
              startingDeadlineSeconds: 60
              successfulJobsHistoryLimit: 1000
              failedJobsHistoryLimit: 1000
              workflowSpec:
                entrypoint: main
                volumes: [{name: shared, hostPath: {path: \(shared), type: DirectoryOrCreate}}]
                templates:
                  - name: main
                    container:
                      image: alpine
                      command: [sh, -c, 'echo "cron $POD" >> /shared/log; sleep 0.3']
                      env: [{name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
                      volumeMounts: [{name: shared, mountPath: /shared}]
            """
        return (try? YAMLLoader.load(text, file: "chaos-cron.yaml").first?.value) ?? .null
    }

    /// The last step's output, where the shape has one to check.
    func outputsRight(_ wf: JSONValue) -> Bool {
        let nodes = wf["status"]?["nodes"]?.objectValue?.values.map { $0 } ?? []
        let d = nodes.first { $0["displayName"] == "d" }?["outputs"]?["parameters"]?[0]?["value"]?.stringValue
        switch self {
        case .diamond: return d == "x-d"
        case .fanOut: return d?.hasPrefix("n-[") == true
        case .artifacts: return d == "payload"
        case .retried, .exitHandler: return true
        }
    }
}
