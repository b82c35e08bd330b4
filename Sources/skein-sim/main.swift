import ArgumentParser
import Foundation
import KubeSim

/// `skein-sim`: a simulated Kubernetes cluster for manual tries and benchmarks.
@main
struct SkeinSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skein-sim",
        abstract: "Run a simulated Kubernetes API server and kubelet on 127.0.0.1.",
        discussion: """
        Writes a kubeconfig for the cluster to --kubeconfig once it listens, prints one line \
        `ready https://127.0.0.1:PORT`, and runs until SIGINT or SIGTERM. Faults can be injected \
        at start (--fail, --delay) or later with POST /skein-sim/fail, /delay, /clear-faults, \
        /drop-watches, /expire, /pause, /resume, /hold, /release and /restart (GET /skein-sim/holds \
        lists the holds); see Sources/KubeSim/Faults/Control.swift for their bodies.
        """)

    @Option(help: "Where to write the kubeconfig.") var kubeconfig: String
    @Option(help: "Port to listen on (0 picks a free one).") var port: Int = 0
    @Flag(help: "Pods succeed at once without running anything.") var instant = false
    @Flag(help: "Offer HTTP/2 (through ALPN) besides HTTP/1.1.") var http2 = false
    @Option(help: "The skein binary that Skein's image runs (default: the skein next to skein-sim, when there is one).")
    var skein: String?
    @Option(help: "Directory for pod volumes and files (default: a temporary one).") var workDir: String?
    @Option(help: "Watch history length; older resourceVersions get 410 Gone.") var history: Int = 10_000
    @Option(parsing: .singleValue, help: "Fail requests: VERB:RESOURCE:CODE[:COUNT[:RETRY_AFTER]] (VERB or RESOURCE may be *).")
    var fail: [String] = []
    @Option(parsing: .singleValue, help: "Delay requests: VERB:RESOURCE:SECONDS (VERB or RESOURCE may be *).")
    var delay: [String] = []

    func run() async throws {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let sibling = (exe as NSString).deletingLastPathComponent + "/skein"
        let binary = skein ?? (FileManager.default.isExecutableFile(atPath: sibling) ? sibling : nil)
        let sim = try await KubeSim.start(KubeSimOptions(port: port, instant: instant, workDirectory: workDir, skeinBinary: binary,
                                                          historyLimit: history, http2: http2))
        for f in fail {
            let p = f.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard p.count >= 3, let code = Int(p[2]) else { throw ValidationError("--fail \(f): expected VERB:RESOURCE:CODE[:COUNT[:RETRY_AFTER]]") }
            sim.faults.failNext(p.count > 3 ? Int(p[3]) ?? 1 : 1, RequestMatch(verb: p[0] == "*" ? nil : p[0], resource: p[1] == "*" ? nil : p[1]),
                                code: code, retryAfterSeconds: p.count > 4 ? Int(p[4]) : nil)
        }
        for d in delay {
            let p = d.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard p.count == 3, let secs = Double(p[2]) else { throw ValidationError("--delay \(d): expected VERB:RESOURCE:SECONDS") }
            sim.faults.delay(secs, RequestMatch(verb: p[0] == "*" ? nil : p[0], resource: p[1] == "*" ? nil : p[1]))
        }
        try sim.writeKubeconfig(path: kubeconfig)
        FileHandle.standardOutput.write(Data("ready \(sim.url)\n".utf8))
        await waitForSignal()
        await sim.stop()
    }

    /// Waits for SIGINT or SIGTERM. A handler (not SIG_IGN, which pods would inherit and
    /// then could not be stopped gracefully) writes to a pipe that a thread reads.
    func waitForSignal() async {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        signalPipeWriteEnd = fds[1]
        let handler: @convention(c) (Int32) -> Void = { _ in
            var b: UInt8 = 1
            _ = write(signalPipeWriteEnd, &b, 1)
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        let readEnd = fds[0]
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let t = Thread {
                var b: UInt8 = 0
                while read(readEnd, &b, 1) < 0 && errno == EINTR {}
                c.resume()
            }
            t.start()
        }
    }
}

/// Written only before the handlers are installed; read by the signal handler.
nonisolated(unsafe) var signalPipeWriteEnd: Int32 = -1
