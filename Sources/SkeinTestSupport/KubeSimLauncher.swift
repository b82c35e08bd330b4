import Foundation
import Sandbox
public import KubeSim

/// A simulated cluster for one test: KubeSim in-process with a scratch directory and a
/// kubeconfig in it, plus helpers to drive it with `kubectl` and `curl`.
public final class SimCluster: Sendable {
    public let sim: KubeSim
    /// Scratch directory (kubeconfig, credentials as files, pod volumes); removed by `stop()`.
    public let directory: String
    /// A kubeconfig with the CA, the bearer token and the client certificate.
    public let kubeconfig: String

    private init(sim: KubeSim, directory: String, kubeconfig: String) {
        self.sim = sim
        self.directory = directory
        self.kubeconfig = kubeconfig
    }

    /// Starts a cluster. `configure` may adjust the options (instant mode, images, ...);
    /// the work directory is the scratch directory's `cluster/`, and the skein binary the
    /// built one when there is one.
    public static func start(instant: Bool = false, auth: KubeconfigAuth = .both,
                             configure: (inout KubeSimOptions) -> Void = { _ in }) async throws -> SimCluster {
        let dir = try TemporaryDirectory.make(prefix: "kubesim")
        var options = KubeSimOptions(instant: instant, workDirectory: "\(dir)/cluster", skeinBinary: try? Binaries.path("skein"))
        // The same stand-ins for `argosay` and `cowsay` that `skein run` gets in tests (SkeinCLI).
        if let shims = try? Shims.directory() { options.extraPath = [shims] }
        configure(&options)
        let sim = try await KubeSim.start(options)
        let kubeconfig = "\(dir)/kubeconfig"
        try sim.writeKubeconfig(path: kubeconfig, auth: auth)
        try sim.caPEM.write(toFile: "\(dir)/ca.crt", atomically: true, encoding: .utf8)
        try sim.clientCertificatePEM.write(toFile: "\(dir)/client.crt", atomically: true, encoding: .utf8)
        try sim.clientKeyPEM.write(toFile: "\(dir)/client.key", atomically: true, encoding: .utf8)
        return SimCluster(sim: sim, directory: dir, kubeconfig: kubeconfig)
    }

    public func stop() async {
        await sim.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Where kubectl is installed, or nil (tests then skip with a message).
    public static var kubectlPath: String? {
        for p in ["/usr/bin/kubectl", "/usr/local/bin/kubectl"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }

    public static var curlPath: String? {
        for p in ["/usr/bin/curl", "/usr/local/bin/curl"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }

    /// Runs kubectl against this cluster (its own cache directory, so nothing is shared between tests).
    /// Runs kubectl against this cluster (its own cache directory, so nothing is shared
    /// between tests), on a thread of its own: waiting for it must not hold one of the
    /// concurrency pool's few threads, which the in-process server needs to answer.
    public func kubectl(_ arguments: [String], stdin: String? = nil, timeout: Double = 60) async throws -> CommandResult {
        guard let k = SimCluster.kubectlPath else { throw HarnessError("kubectl is not installed") }
        var env = ProcessInfo.processInfo.environment
        env["KUBECONFIG"] = kubeconfig
        env["HOME"] = directory
        let args = ["--kubeconfig", kubeconfig, "--cache-dir", "\(directory)/kube-cache"] + arguments
        let environment = env
        return try await SimCluster.offPool { try Command.run(k, args, environment: environment, stdin: stdin, timeout: timeout) }
    }

    /// Runs blocking work on a new thread and waits for it without blocking the caller's thread.
    public static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            let t = Thread { c.resume(with: Result { try work() }) }
            t.start()
        }
    }

    /// Starts kubectl and returns the process, with its stdout going to a file (for `get -w`, `logs -f`).
    public func startKubectl(_ arguments: [String], output: String) throws -> ChildProcess {
        guard let k = SimCluster.kubectlPath else { throw HarnessError("kubectl is not installed") }
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = directory
        return try ChildProcess(k, ["--kubeconfig", kubeconfig, "--cache-dir", "\(directory)/kube-cache"] + arguments,
                                environment: env, stdout: .file(output))
    }

    /// How curl authenticates: the bearer token, the client certificate, or nothing.
    public enum CurlAuth: Sendable { case token, clientCertificate, none, bearer(String) }

    /// One HTTPS request with curl; returns the status code and body.
    public func curl(_ method: String, _ path: String, body: String? = nil, contentType: String = "application/json",
                     auth: CurlAuth = .token, extra: [String] = [], timeout: Double = 30) async throws -> (code: Int, body: String) {
        guard let c = SimCluster.curlPath else { throw HarnessError("curl is not installed") }
        var args = ["-sS", "--max-time", String(Int(timeout)), "--cacert", "\(directory)/ca.crt", "-X", method,
                    "-w", "\n%{http_code}"]
        if !extra.contains("-o") { args += ["-o", "-"] }
        switch auth {
        case .token: args += ["-H", "Authorization: Bearer \(sim.token)"]
        case .bearer(let t): args += ["-H", "Authorization: Bearer \(t)"]
        case .clientCertificate: args += ["--cert", "\(directory)/client.crt", "--key", "\(directory)/client.key"]
        case .none: break
        }
        if body != nil { args += ["-H", "Content-Type: \(contentType)", "--data-binary", "@-"] }
        args += extra
        args.append(sim.url + path)
        let finalArgs = args
        let r = try await SimCluster.offPool { try Command.run(c, finalArgs, stdin: body, timeout: timeout + 5) }
        var out = r.stdout
        if out.hasSuffix("\n") == false, let nl = out.lastIndex(of: "\n") {
            let code = Int(out[out.index(after: nl)...]) ?? 0
            out = String(out[..<nl])
            if code == 0 { throw HarnessError("curl \(method) \(path) got no answer: \(r.stderr)") }
            return (code, out)
        }
        throw HarnessError("curl \(method) \(path) failed: \(r.stderr)")
    }

    /// Polls `condition` until it holds or `timeout` passes; returns whether it held.
    public static func eventually(timeout: Double = 20, interval: Double = 0.05, _ condition: () throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            try? await Task.sleep(for: .seconds(interval))
        }
        return try condition()
    }
}
