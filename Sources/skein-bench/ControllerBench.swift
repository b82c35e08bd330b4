import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON

/// Issue 5's controller targets, each on `skein-sim --instant` (pods succeed as soon as they
/// are created) with `skein controller` as its own process, both from this build:
/// (a) single-step workflows completed per second, 1,000 submitted at once;
/// (b) API writes per step (from the controller's own request counter);
/// (c) latency from a finished pod being seen to the next pod's create (p50/p99);
/// (d) a 5,000-task DAG: time to finish and final status size;
/// (e) the controller's resident memory with 1,000 live (suspended) workflows.
func benchController(workflows: Int = 1000, dagTasks: Int = 5000, parts: Set<String> = ["a", "c", "d", "e"]) async throws {
    if parts.contains("a") || parts.contains("c") || parts.contains("d") {
        try await benchControllerThroughput(workflows: workflows, dagTasks: dagTasks, parts: parts)
    }
    if parts.contains("e") { try await benchControllerMemory(workflows: workflows) }
}

/// A fresh skein-sim and controller, both from this build; `body` gets the client and the controller's metrics port.
func withSimAndController(_ body: (KubeClient, ControllerSettings, Int, Spawned) async throws -> Void) async throws {
    let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    let dir = FileManager.default.temporaryDirectory.path + "/skein-bench-ctl-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }

    let (sim, client) = try await startSim(binDir: binDir, dir: dir, arguments: ["--instant"])
    defer { sim.stop() }
    let settings = ControllerSettings()
    let controller = try Spawned(["\(binDir)/skein", "controller", "--kubeconfig", "\(dir)/kc", "--qps", "2000", "--burst", "2000",
                                  "--workers", "16", "--metrics-port", "0"],
                                 log: "\(dir)/controller.log", waitFor: "metrics on port")
    defer { controller.stop() }
    let port = Int(controller.matchedLine.split(separator: " ").last ?? "") ?? 0
    try await Task.sleep(for: .milliseconds(500))
    try await body(client, settings, port, controller)
}

/// skein-sim of this build, writing its kubeconfig into `dir`, with Skein's CRDs installed;
/// and a client for it without a rate limit worth the name.
func startSim(binDir: String, dir: String, arguments: [String]) async throws -> (Spawned, KubeClient) {
    let sim = try Spawned(["\(binDir)/skein-sim", "--kubeconfig", "\(dir)/kc", "--history", "1000000"] + arguments,
                          log: "\(dir)/sim.log", waitFor: "ready ")
    do {
        var config = try ConfigLoader.load(kubeconfig: "\(dir)/kc")
        config.qps = 5000
        config.burst = 5000
        let client = try KubeClient(config)
        for crd in CustomResourceDefinitions.all() { _ = try await client.create(.customResourceDefinitions, crd) }
        return (sim, client)
    } catch {
        sim.stop()
        throw error
    }
}

func benchControllerThroughput(workflows: Int, dagTasks: Int, parts: Set<String>) async throws {
  try await withSimAndController { client, settings, port, controller in
   if parts.contains("a") {

    // (a) 1,000 single-step workflows at once.
    let single: JSONValue = [
        "apiVersion": "skein.dev/v1alpha1", "kind": "Workflow",
        "metadata": ["generateName": "one-", "labels": ["bench": "single"]],
        "spec": ["entrypoint": "main", "templates": [["name": "main", "container": ["image": "alpine", "command": ["true"]]]]],
    ]
    let before = try await scrape(port)
    let start = ContinuousClock.now
    try await createAll(client, settings, count: workflows, object: single)
    try await waitUntil(client, settings, label: "bench=single", count: workflows)
    let seconds = (ContinuousClock.now - start) / .seconds(1)
    print(String(format: "controller (a): %d single-step workflows submitted at once, all Succeeded in %.2f s = %.0f workflows/s",
                 workflows, seconds, Double(workflows) / seconds))

    // (b) writes per step: POST, PUT, PATCH and DELETE the controller sent for them.
    let after = try await scrape(port)
    let writes = ["POST", "PUT", "PATCH", "DELETE"].reduce(0.0) { sum, verb in
        sum + after.sum("skein_api_requests_total", label: "verb=\"\(verb)\"") - before.sum("skein_api_requests_total", label: "verb=\"\(verb)\"")
    }
    print(String(format: "controller (b): %.2f API writes per step (%.0f writes for %d one-step workflows)",
                 writes / Double(workflows), writes, workflows))
   }
   if parts.contains("d") {

    // (d) a DAG of `dagTasks` tasks in layers of 100, each task after one of the layer before.
    var tasks: [JSONValue] = []
    for i in 0..<dagTasks {
        var t: [String: JSONValue] = ["name": .string("t\(i)"), "template": "step"]
        if i >= 100 { t["depends"] = .string("t\(i - 100)") }
        tasks.append(.object(t))
    }
    let dag: JSONValue = [
        "apiVersion": "skein.dev/v1alpha1", "kind": "Workflow",
        "metadata": ["generateName": "dag-", "labels": ["bench": "dag"]],
        "spec": ["entrypoint": "main", "templates": [
            ["name": "main", "dag": ["tasks": .array(tasks)]],
            ["name": "step", "container": ["image": "alpine", "command": ["true"]]],
        ]],
    ]
    let dagStart = ContinuousClock.now
    let created = try await client.create(settings.workflows, dag, namespace: "default")
    try await waitUntil(client, settings, label: "bench=dag", count: 1, timeout: 600)
    let dagSeconds = (ContinuousClock.now - dagStart) / .seconds(1)
    let finished = try await client.get(settings.workflows, created.name ?? "", namespace: "default")
    let statusBytes = (finished["status"] ?? .null).compactJSON.utf8.count
    print(String(format: "controller (d): %d-task DAG (%d layers) %@ in %.1f s; final status %d bytes (%.2f MiB)",
                 dagTasks, (dagTasks + 99) / 100, finished["status"]?["phase"]?.stringValue ?? "?", dagSeconds,
                 statusBytes, Double(statusBytes) / 1_048_576))

    let afterDAG = try await scrape(port)
    let reconciles = afterDAG.sum("skein_reconcile_duration_seconds_count", label: "")
    let reconcileSeconds = afterDAG.sum("skein_reconcile_duration_seconds_sum", label: "")
    print(String(format: "controller: %.0f reconciles so far, %.1f s in them (%.1f ms each)", reconciles, reconcileSeconds,
                 reconcileSeconds / max(1, reconciles) * 1000))
    if let p50 = afterDAG.quantile("skein_step_start_latency_seconds", 0.5),
       let p99 = afterDAG.quantile("skein_step_start_latency_seconds", 0.99) {
        print("controller (c, DAG layers of 100): finished pod seen -> next layer's pods created: p50 <= \(p50), p99 <= \(p99)")
    }
   }
   if parts.contains("c") {
    // (c) chains: each step's pod starts when the one before it ends. One chain of 100 steps
    // alone, then 20 chains of 25 side by side.
    for (chains, length) in [(1, 100), (20, 25)] {
        var steps: [JSONValue] = []
        for i in 0..<length { steps.append([["name": .string("s\(i)"), "template": "step"]]) }
        let label = "chain\(chains)"
        let chain: JSONValue = [
            "apiVersion": "skein.dev/v1alpha1", "kind": "Workflow",
            "metadata": ["generateName": "chain-", "labels": ["bench": .string(label)]],
            "spec": ["entrypoint": "main", "templates": [
                ["name": "main", "steps": .array(steps)],
                ["name": "step", "container": ["image": "alpine", "command": ["true"]]],
            ]],
        ]
        let before = try await scrape(port)
        try await createAll(client, settings, count: chains, object: chain)
        try await waitUntil(client, settings, label: "bench=\(label)", count: chains, timeout: 600)
        let diff = try await scrape(port).minus(before)
        if let p50 = diff.quantile("skein_step_start_latency_seconds", 0.5),
           let p99 = diff.quantile("skein_step_start_latency_seconds", 0.99) {
            print("controller (c): finished pod seen -> next step's pod created, \(chains) chain(s) of \(length) steps: "
                  + "p50 <= \(p50), p99 <= \(p99) "
                  + "(histogram bucket bounds, \(Int(diff.sum("skein_step_start_latency_seconds_count", label: ""))) samples)")
        }
    }
   }
  }
}

func benchControllerMemory(workflows: Int) async throws {
  try await withSimAndController { client, settings, port, controller in

    // (e) resident memory with `workflows` live (suspended) workflows.
    let suspended: JSONValue = [
        "apiVersion": "skein.dev/v1alpha1", "kind": "Workflow",
        "metadata": ["generateName": "live-", "labels": ["bench": "live"]],
        "spec": ["entrypoint": "main", "templates": [
            ["name": "main", "steps": [[["name": "first", "template": "work"]], [["name": "wait", "template": "hold"]]]],
            ["name": "work", "container": ["image": "alpine", "command": ["true"]]],
            ["name": "hold", "suspend": [:]],
        ]],
    ]
    try await createAll(client, settings, count: workflows, object: suspended)
    try await waitUntil(client, settings, label: "bench=live", count: workflows, phase: "Running",
                        also: { $0["status"]?["progress"]?.stringValue == "1/2" })   // the pod done, the suspend waiting (Argo counts both)
    try await Task.sleep(for: .seconds(2))
    let rss = residentMemory(controller.pid)
    print(String(format: "controller (e): resident memory with %d live workflows (%d pods): %.0f MiB",
                 workflows, workflows, Double(rss) / 1_048_576))
  }
}

func createAll(_ client: KubeClient, _ settings: ControllerSettings, count: Int, object: JSONValue) async throws {
    try await withThrowingTaskGroup(of: Void.self) { g in
        for i in 0..<count {
            if i >= 64 { try await g.next() }
            g.addTask { _ = try await client.create(settings.workflows, object, namespace: "default") }
        }
        try await g.waitForAll()
    }
}

/// Waits until `count` workflows with `label` are in `phase` (and satisfy `also`).
func waitUntil(_ client: KubeClient, _ settings: ControllerSettings, label: String, count: Int, phase: String = "Succeeded",
               timeout: Double = 300, also: (JSONValue) -> Bool = { _ in true }) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        let items = try await client.listAll(settings.workflows, namespace: "default", options: ListOptions(labelSelector: label))
        let done = items.items.filter { $0["status"]?["phase"]?.stringValue == phase && also($0) }.count
        if done >= count { return }
        if Date() > deadline { throw BenchError("only \(done) of \(count) workflows (\(label)) reached \(phase) in \(timeout) s") }
        // Not too often: each list costs the simulated API server, which shares the machine.
        try await Task.sleep(for: .milliseconds(count > 1 ? 100 : 250))
    }
}

func residentMemory(_ pid: Int32) -> Int {
    let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    let line = text.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
}

/// A scrape of the Prometheus text format.
struct Scrape {
    var lines: [(name: String, labels: String, value: Double)]

    /// Counters and histogram buckets accumulated between `earlier` and this scrape.
    func minus(_ earlier: Scrape) -> Scrape {
        var before: [String: Double] = [:]
        for l in earlier.lines { before[l.name + l.labels] = l.value }
        return Scrape(lines: lines.map { ($0.name, $0.labels, $0.value - (before[$0.name + $0.labels] ?? 0)) })
    }

    func sum(_ name: String, label: String) -> Double {
        lines.filter { $0.name == name && (label.isEmpty || $0.labels.contains(label)) }.reduce(0) { $0 + $1.value }
    }

    /// The smallest bucket bound holding quantile `q` of a histogram.
    func quantile(_ name: String, _ q: Double) -> String? {
        let buckets = lines.filter { $0.name == name + "_bucket" }
        guard let total = buckets.first(where: { $0.labels.contains("le=\"+Inf\"") })?.value, total > 0 else { return nil }
        let bounded = buckets.compactMap { b -> (Double, Double)? in
            guard let r = b.labels.range(of: "le=\""), let end = b.labels[r.upperBound...].firstIndex(of: "\""),
                  let bound = Double(b.labels[r.upperBound..<end]) else { return nil }
            return (bound, b.value)
        }.sorted { $0.0 < $1.0 }
        for (bound, count) in bounded where count >= q * total {
            return bound < 1 ? "\(Int((bound * 1000).rounded())) ms" : "\(bound) s"
        }
        return "> \(bounded.last?.0 ?? 0) s"
    }
}

func scrape(_ port: Int) async throws -> Scrape {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    p.arguments = ["-s", "http://127.0.0.1:\(port)/metrics"]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    var lines: [(String, String, Double)] = []
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
        let head = line[..<space]
        if let brace = head.firstIndex(of: "{") {
            lines.append((String(head[..<brace]), String(head[brace...]), value))
        } else {
            lines.append((String(head), "", value))
        }
    }
    return Scrape(lines: lines)
}

/// A child process whose stderr+stdout go to a log; started once a line containing `waitFor` appears.
final class Spawned {
    let process = Process()
    var matchedLine = ""
    var pid: Int32 { process.processIdentifier }

    init(_ argv: [String], log: String, waitFor: String) throws {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.contains(waitFor) }) {
                matchedLine = String(line)
                return
            }
            if !process.isRunning { break }
            usleep(20_000)
        }
        process.terminate()
        throw BenchError("\(argv[0]) did not print '\(waitFor)': \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

/// Issue 6's target: `skein list` (a process, as a user runs it) with 1,000 completed
/// workflows on skein-sim, each with its status and nodes as the controller wrote them.
func benchCLIList(workflows: Int = 1000) async throws {
    try await withSimAndController { client, settings, _, _ in
        let single: JSONValue = [
            "apiVersion": "skein.dev/v1alpha1", "kind": "Workflow",
            "metadata": ["generateName": "listed-", "labels": ["bench": "list"]],
            "spec": ["entrypoint": "main", "templates": [["name": "main", "container": ["image": "alpine", "command": ["true"]]]]],
        ]
        try await createAll(client, settings, count: workflows, object: single)
        try await waitUntil(client, settings, label: "bench=list", count: workflows)
        let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        // Where withSimAndController wrote the simulated cluster's kubeconfig.
        let kubeconfig = FileManager.default.temporaryDirectory.path + "/skein-bench-ctl-\(getpid())/kc"
        func time(_ args: [String]) throws -> (median: Double, max: Double, lines: Int) {
            var runs: [Double] = []
            var lines = 0
            for _ in 0..<7 {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "\(binDir)/skein")
                p.arguments = args + ["--kubeconfig", kubeconfig]
                let pipe = Pipe()
                p.standardOutput = pipe
                p.standardError = FileHandle.nullDevice
                let start = DispatchTime.now().uptimeNanoseconds
                try p.run()
                let out = pipe.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                runs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                guard p.terminationStatus == 0 else { throw BenchError("skein \(args.joined(separator: " ")) exited \(p.terminationStatus)") }
                lines = out.split(separator: UInt8(ascii: "\n")).count
            }
            return (median(runs), runs.max() ?? 0, lines)
        }
        for args in [["list"], ["list", "-o", "wide"], ["list", "--status", "Succeeded", "-o", "name"], ["list", "--chunk-size", "0"]] {
            let r = try time(args)
            print("(g) skein \(args.joined(separator: " ")) with \(workflows) workflows: median \(ms(r.median)), max \(ms(r.max)) (\(r.lines) lines)")
        }
    }
}
