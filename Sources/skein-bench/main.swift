// skein-bench: the figures in BENCHMARKS.md. Run with
//   swift build -c release && .build/release/skein-bench [engine|run|yaml|emissary|kube]...
// (all five when none is named). Timings belong here, never in tests.
import Foundation
import KubeAPI
import KubeClient
import KubeSim
import SkeinJSON
import WorkflowEngine
import WorkflowModel

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func ms(_ s: Double) -> String { String(format: "%.2f ms", s * 1000) }

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? 0 : s[s.count / 2]
}

func loadWorkflow(_ yaml: String) throws -> Workflow {
    let docs = try DocumentLoader.load(text: yaml, file: "bench.yaml")
    return try docs[0].decode(Workflow.self)
}

func dagYAML(tasks: Int, chain: Bool) -> String {
    var s = """
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata: {name: bench}
    spec:
      entrypoint: main
      templates:
      - name: leaf
        container: {image: alpine, command: ["true"]}
      - name: main
        dag:
          tasks:

    """
    s.reserveCapacity(tasks * 60)
    for i in 0..<tasks {
        if i == 0 {
            s += "      - {name: t0, template: leaf}\n"
        } else {
            s += "      - {name: t\(i), template: leaf, depends: t\(chain ? i - 1 : 0)}\n"
        }
    }
    return s
}

/// (a) The pure engine: build a 10,000-task DAG and run it to completion, feeding each
/// step's result back in memory.
func benchEngine() throws {
    for chain in [false, true] {
        let tasks = 10_000
        let wf = try loadWorkflow(dagYAML(tasks: tasks, chain: chain))
        var perReconcile: [Double] = []
        var reconciles = 0
        var now = Timestamp(seconds: 1_800_000_000)
        var phase = WorkflowPhase.unknown
        var launching = 0.0
        let total = try seconds {
            let ex = WorkflowExecution(workflow: wf)
            var pending: [Observation] = []
            var running: [String] = []
            var singles = 0
            while true {
                var actions: [Action] = []
                let t = seconds { actions = ex.reconcile(observations: pending, now: now) }
                reconciles += 1
                // A reconcile after a single task finished (not the first, which builds the DAG).
                let before = running.count
                for a in actions { if case .startStep(let l) = a { running.append(l.nodeID) } }
                if pending.count == 1 {
                    if running.count - before > 1 { launching = max(launching, t) } else { perReconcile.append(t) }
                }
                if ex.phase.isCompleted { break }
                if running.isEmpty { throw BenchError("engine stalled after \(reconciles) reconciles in phase \(ex.phase)") }
                now = now.adding(1)
                if running.count == 1 || singles < 50 {
                    // One task finishes while the others keep running.
                    singles += 1
                    pending = [.step(running.removeFirst(), phase: .succeeded, exitCode: 0, startedAt: now, finishedAt: now)]
                } else {
                    pending = running.map { .step($0, phase: .succeeded, exitCode: 0, startedAt: now, finishedAt: now) }
                    running = []
                }
            }
            phase = ex.phase
        }
        let shape = chain ? "chain of 10,000" : "fan-out of 10,000"
        print("engine \(shape): \(phase.rawValue), \(reconciles) reconciles, total \(ms(total)), " +
              "one reconcile after a single task finishes: median \(ms(median(perReconcile))), max \(ms(perReconcile.max() ?? 0))" +
              (launching > 0 ? "; the reconcile that starts all 9,999 dependents: \(ms(launching))" : ""))
    }
}

/// (b) `skein run` of 50 `true` steps, chained and side by side, against the same 50
/// commands run from sh.
func benchRun() throws {
    let dir = FileManager.default.temporaryDirectory.path + "/skein-bench-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    let skein = "\(binDir)/skein"
    guard FileManager.default.isExecutableFile(atPath: skein) else { throw BenchError("\(skein) is not built") }

    func steps(chain: Bool) -> String {
        var s = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {generateName: bench-}
        spec:
          entrypoint: main
          templates:
          - name: t
            container: {image: alpine, command: ["true"]}
          - name: main
            steps:

        """
        for i in 0..<50 {
            s += chain ? "    - - {name: s\(i), template: t}\n" : (i == 0 ? "    - - {name: s\(i), template: t}\n" : "      - {name: s\(i), template: t}\n")
        }
        return s
    }

    func run(_ exe: String, _ args: [String]) throws -> Double {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        let t = try seconds {
            try p.run()
            p.waitUntilExit()
        }
        guard p.terminationStatus == 0 else { throw BenchError("\(exe) \(args.joined(separator: " ")) exited \(p.terminationStatus)") }
        return t
    }

    let trueCmd = FileManager.default.isExecutableFile(atPath: "/usr/bin/true") ? "/usr/bin/true" : "/bin/true"
    var shTimes: [Double] = []
    for _ in 0..<5 { shTimes.append(try run("/bin/sh", ["-c", "i=0; while [ $i -lt 50 ]; do \(trueCmd); i=$((i+1)); done"])) }
    let sh = median(shTimes)
    print("sh running 50 x \(trueCmd): \(ms(sh))")
    for chain in [true, false] {
        let file = "\(dir)/\(chain ? "chain" : "fanout").yaml"
        try steps(chain: chain).write(toFile: file, atomically: true, encoding: .utf8)
        var times: [Double] = []
        for _ in 0..<5 { times.append(try run(skein, ["run", file])) }
        let t = median(times)
        print("skein run, 50 steps \(chain ? "chained" : "side by side"): \(ms(t)) (median of 5), " +
              "overhead per step against sh: \(ms((t - sh) / 50))")
    }
}

/// (c) Parse a 2 MB multi-document YAML file into Workflow values.
func benchYAML() throws {
    let doc = """
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata:
      generateName: parse-
      labels: {team: data, tier: "2"}
    spec:
      entrypoint: main
      arguments:
        parameters:
        - {name: message, value: "hello world"}
        - {name: count, value: "3"}
      templates:
      - name: main
        dag:
          tasks:
          - {name: a, template: echo, arguments: {parameters: [{name: m, value: "{{workflow.parameters.message}}"}]}}
          - {name: b, template: echo, depends: a, arguments: {parameters: [{name: m, value: "{{tasks.a.outputs.result}}"}]}}
          - {name: c, template: echo, depends: a && b, withItems: [1, 2, 3], arguments: {parameters: [{name: m, value: "{{item}}"}]}}
      - name: echo
        inputs:
          parameters:
          - name: m
        retryStrategy: {limit: 2, backoff: {duration: 1s, factor: 2}}
        container:
          image: alpine:3.20
          command: [sh, -c]
          args: ["echo {{inputs.parameters.m}}"]
          resources: {limits: {cpu: 100m, memory: 64Mi}}
          env:
          - {name: A, value: "1"}
          - {name: B, value: "two"}
    ---

    """
    var text = ""
    while text.utf8.count < 2 * 1024 * 1024 { text += doc }
    var count = 0
    var times: [Double] = [], parse: [Double] = [], decode: [Double] = []
    // SKEIN_BENCH_RUNS=1 makes one pass, for profilers (callgrind counts instructions repeatably).
    let runs = ProcessInfo.processInfo.environment["SKEIN_BENCH_RUNS"].flatMap { Int($0) } ?? 7
    for _ in 0..<max(1, runs) {
        var docs: [SourceDocument] = []
        let p = try seconds { docs = try DocumentLoader.load(text: text, file: "big.yaml") }
        let d = try seconds {
            count = 0
            for d in docs {
                _ = try d.decode(Workflow.self)
                count += 1
            }
        }
        parse.append(p)
        decode.append(d)
        times.append(p + d)
    }
    print("YAML: \(text.utf8.count / 1024) KiB, \(count) Workflow documents parsed and decoded: \(ms(median(times))) " +
          "(median of \(times.count); YAML to values \(ms(median(parse))), values to Workflow \(ms(median(decode))))")
}

/// (d) Size of the stripped emissary.
func benchEmissary() throws {
    let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    let src = "\(binDir)/skein-emissary"
    let out = FileManager.default.temporaryDirectory.path + "/skein-emissary-stripped-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: out) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/strip")
    p.arguments = ["-o", out, src]
    try p.run()
    p.waitUntilExit()
    let raw = (try FileManager.default.attributesOfItem(atPath: src)[.size] as? Int) ?? 0
    let stripped = (try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
    print(String(format: "skein-emissary: %.1f MB as built, %.1f MB stripped", Double(raw) / 1e6, Double(stripped) / 1e6))
}

/// (e) KubeClient against an in-process KubeSim (instant kubelet) over HTTPS: small GETs
/// and status patches per second over one client with 32 requests in flight, and the
/// events per second one watch delivers.
func benchKube(watchOnly: Bool = false) async throws {
    let sim = try await KubeSim.start(KubeSimOptions(instant: true, historyLimit: 200_000))
    do {
        try await benchKube(sim, watchOnly: watchOnly)
    } catch {
        await sim.stop()
        throw error
    }
    await sim.stop()
}

func benchKube(_ sim: KubeSim, watchOnly: Bool) async throws {
    let client = try KubeClient(ClientConfiguration(
        server: sim.url, tls: ServerTLS(certificateAuthority: .data(Array(sim.caPEM.utf8))),
        credentials: Credentials(token: sim.token), qps: .infinity))
    let cm: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "bench"], "data": ["k": "v"]]
    _ = try await client.create(.configMaps, cm)
    let pod: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "bench"],
                          "spec": ["containers": [["name": "main", "image": "alpine", "command": ["true"]]]]]
    _ = try await client.create(.pods, pod)

    func rate(_ label: String, total: Int, inFlight: Int, _ op: @escaping @Sendable (Int) async throws -> Void) async throws {
        // Warm-up: open the connections.
        try await withThrowingTaskGroup(of: Void.self) { g in
            for w in 0..<inFlight { g.addTask { try await op(w) } }
            try await g.waitForAll()
        }
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { g in
            for w in 0..<inFlight {
                g.addTask { for i in stride(from: w, to: total, by: inFlight) { try await op(i) } }
            }
            try await g.waitForAll()
        }
        let s = (ContinuousClock.now - start) / .seconds(1)
        print(String(format: "kube: %@: %d in %.2f s = %.0f/s (%d in flight)", label, total, s, Double(total) / s, inFlight))
    }

    if !watchOnly {
        try await rate("GET configmap", total: 20_000, inFlight: 32) { _ in _ = try await client.get(.configMaps, "bench") }
        try await rate("PATCH pod status", total: 10_000, inFlight: 32) { i in
            _ = try await client.patch(.pods, "bench", type: .merge, ["status": ["message": .string("m\(i)")]], subresource: "status")
        }
    }

    // Watch: create N objects, then watch from a version before the first one.
    _ = try await client.create(.namespaces, ["metadata": ["name": "watch"]])
    let from = try await client.list(.configMaps, namespace: "watch").resourceVersion
    let n = 50_000
    try await withThrowingTaskGroup(of: Void.self) { g in
        for w in 0..<32 {
            g.addTask {
                for i in stride(from: w, to: n, by: 32) {
                    let o: JSONValue = ["metadata": ["name": .string("w\(i)"), "labels": ["bench": "watch"]],
                                        "data": ["index": .string(String(i))]]
                    _ = try await client.create(.configMaps, o, namespace: "watch")
                }
            }
        }
        try await g.waitForAll()
    }
    if let pause = ProcessInfo.processInfo.environment["SKEIN_BENCH_PAUSE"] {
        print("kube: watch starts now (pid \(getpid()))")
        try await Task.sleep(for: .seconds(Double(pause) ?? 0))
    }
    let start = ContinuousClock.now
    var seen = 0
    for try await _ in client.watch(.configMaps, namespace: "watch", options: ListOptions(resourceVersion: from)) {
        seen += 1
        if seen == n { break }
    }
    let s = (ContinuousClock.now - start) / .seconds(1)
    print(String(format: "kube: watch: %d events in %.2f s = %.0f events/s", seen, s, Double(seen) / s))
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

let chosen = Set(CommandLine.arguments.dropFirst())
let all = chosen.isEmpty
do {
    if all || chosen.contains("engine") { try benchEngine() }
    if all || chosen.contains("yaml") { try benchYAML() }
    if all || chosen.contains("run") { try benchRun() }
    if all || chosen.contains("emissary") { try benchEmissary() }
    if all || chosen.contains("kube") { try await benchKube() }
    if chosen.contains("kube-watch") { try await benchKube(watchOnly: true) }
    if all || chosen.contains("controller") { try await benchController() }
    for part in ["a", "c", "d", "e"] where chosen.contains("controller-\(part)") { try await benchController(parts: [part]) }
    if all || chosen.contains("cli") { try await benchCLIList() }
    // Not in "all": a GiB each way, and the AWS CLI installed.
    if chosen.contains("s3") { try benchS3() }
    // Not in "all": minutes of real pods. SKEIN_CHAOS_KILLS (100) and SKEIN_CHAOS_WORKFLOWS (40).
    if chosen.contains("chaos") {
        let env = ProcessInfo.processInfo.environment
        try await benchChaos(kills: env["SKEIN_CHAOS_KILLS"].flatMap(Int.init) ?? 100,
                             workflows: env["SKEIN_CHAOS_WORKFLOWS"].flatMap(Int.init) ?? 40)
    }
} catch {
    FileHandle.standardError.write(Data("skein-bench: \(error)\n".utf8))
    exit(1)
}
