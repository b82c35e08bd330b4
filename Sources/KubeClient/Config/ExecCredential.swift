import Foundation
import Sandbox
import SkeinJSON
import Synchronization

/// Runs a kubeconfig `exec` plugin and keeps its credential until it expires. Concurrent
/// requests share one run; a 401 invalidates the credential so the next request runs
/// the plugin again.
final class ExecCredentialCache: Sendable {
    struct Credential: Sendable {
        var token: String?
        var identity: ClientIdentity?
        var expiry: Date?
    }

    let config: ExecConfig
    let cluster: ClusterInfo
    private struct State {
        var cached: Credential?
        var running: Task<Credential, any Error>?
    }
    private let state = Mutex(State())

    init(config: ExecConfig, cluster: ClusterInfo) {
        self.config = config
        self.cluster = cluster
    }

    func invalidate() { state.withLock { $0.cached = nil } }

    func credential() async throws -> Credential {
        let now = Date()
        let task: Task<Credential, any Error> = state.withLock { s in
            if let c = s.cached, c.expiry.map({ $0 > now.addingTimeInterval(10) }) ?? true {
                return Task { c }
            }
            if let r = s.running { return r }
            let config = self.config, cluster = self.cluster
            let r = Task { try await ExecCredentialCache.run(config, cluster: cluster) }
            s.running = r
            return r
        }
        do {
            let c = try await task.value
            state.withLock { s in
                if s.running == task {
                    s.cached = c
                    s.running = nil
                }
            }
            return c
        } catch {
            state.withLock { s in if s.running == task { s.running = nil } }
            throw error
        }
    }

    /// Runs the plugin on a thread of its own (it blocks on the child) and reads its
    /// ExecCredential from stdout.
    static func run(_ config: ExecConfig, cluster: ClusterInfo) async throws -> Credential {
        let output = try await runPlugin(config, cluster: cluster)
        let name = "exec plugin \(config.command)"
        guard output.status == 0 else {
            throw CredentialError("\(name) exited with status \(output.status)" + hint(config))
        }
        let text = String(decoding: output.stdout, as: UTF8.self)
        guard let v = try? JSONValue.parseJSON(text), v.objectValue != nil else {
            throw CredentialError("\(name) did not print an ExecCredential as JSON: \(text.prefix(200))")
        }
        guard v["kind"]?.stringValue == "ExecCredential" else {
            throw CredentialError("\(name) printed kind \(v["kind"]?.stringValue ?? "(none)"), not ExecCredential")
        }
        if let api = v["apiVersion"]?.stringValue, api != config.apiVersion {
            throw CredentialError("\(name) answered with apiVersion \(api) but the kubeconfig asks for \(config.apiVersion)")
        }
        guard let status = v["status"] else { throw CredentialError("\(name) printed an ExecCredential without a status") }
        var c = Credential()
        if let t = status["token"]?.stringValue, !t.isEmpty { c.token = t }
        let cert = status["clientCertificateData"]?.stringValue
        let key = status["clientKeyData"]?.stringValue
        switch (cert, key) {
        case (let cert?, let key?) where !cert.isEmpty && !key.isEmpty:
            c.identity = ClientIdentity(certificate: .data(Array(cert.utf8)), key: .data(Array(key.utf8)))
        case (nil, nil): break
        default: throw CredentialError("\(name) printed only one of clientCertificateData and clientKeyData")
        }
        guard c.token != nil || c.identity != nil else {
            throw CredentialError("\(name) printed neither status.token nor a client certificate")
        }
        if let e = status["expirationTimestamp"]?.stringValue, !e.isEmpty {
            guard let d = parseTimestamp(e) else {
                throw CredentialError("\(name) printed an expirationTimestamp that is not RFC 3339: \(e)")
            }
            c.expiry = d
        }
        return c
    }

    private static func hint(_ c: ExecConfig) -> String {
        if let h = c.installHint, !h.isEmpty { return "\n" + h }
        return ""
    }

    static func parseTimestamp(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: s)
    }

    /// Starts the plugin through the Sandbox's fork/exec (Foundation's `Process.run()` on
    /// Linux now and then crashes reading /proc/self/fd, swift-corelibs-foundation PR 5472)
    /// and collects its stdout; its stderr (prompts, errors) goes to ours.
    private static func runPlugin(_ config: ExecConfig, cluster: ClusterInfo) async throws -> (status: Int32, stdout: Data) {
        let interactive = isInteractive(config)
        if config.interactiveMode == "Always" && !interactive {
            throw CredentialError("exec plugin \(config.command) needs a terminal (interactiveMode: Always), but standard input is not one"
                                  + hint(config))
        }
        var env = ProcessInfo.processInfo.environment
        for e in config.env { env[e.name] = e.value }
        env["KUBERNETES_EXEC_INFO"] = execInfo(config, cluster: cluster, interactive: interactive).compactJSON
        // A bare name is looked up on PATH.
        let spec = SandboxSpec(executable: config.command, arguments: config.args, environment: env, workingDirectory: nil,
                               privateTmp: nil, binds: [], stdout: .pipe, stderr: .inherit, isolate: false,
                               stdin: interactive ? "/dev/stdin" : "/dev/null")
        let process: SandboxProcess
        do {
            process = try Sandbox.spawn(spec)
        } catch {
            if !config.command.contains("/") && error.description.contains("No such file") {
                throw CredentialError("exec plugin \(config.command) was not found on PATH" + hint(config))
            }
            throw CredentialError("cannot run exec plugin \(config.command): \(error.description)" + hint(config))
        }
        var lines: [String] = []
        for await line in process.stdoutLines() { lines.append(line) }
        let status: Int32
        switch await process.wait() {
        case .exited(let code): status = code
        case .signaled(let sig): status = 128 + sig
        }
        return (status, Data(lines.joined(separator: "\n").utf8))
    }

    /// Whether the plugin may talk to the user: standard input is a terminal and the
    /// kubeconfig allows it (the controller in a pod never is).
    static func isInteractive(_ config: ExecConfig) -> Bool {
        config.interactiveMode != "Never" && isatty(0) == 1
    }

    /// The `KUBERNETES_EXEC_INFO` the plugin reads.
    static func execInfo(_ config: ExecConfig, cluster: ClusterInfo, interactive: Bool = false) -> JSONValue {
        var spec: [String: JSONValue] = ["interactive": .bool(interactive)]
        if config.provideClusterInfo {
            var c: [String: JSONValue] = ["server": .string(cluster.server)]
            if let n = cluster.tls.serverName { c["tls-server-name"] = .string(n) }
            if cluster.tls.insecureSkipVerify { c["insecure-skip-tls-verify"] = true }
            switch cluster.tls.certificateAuthority {
            case .data(let d)?: c["certificate-authority-data"] = .string(Data(d).base64EncodedString())
            case .file(let path)?:
                if let d = FileManager.default.contents(atPath: path) {
                    c["certificate-authority-data"] = .string(d.base64EncodedString())
                }
            case nil: break
            }
            if let p = cluster.proxyURL { c["proxy-url"] = .string(p) }
            spec["cluster"] = .object(c)
        }
        return ["kind": "ExecCredential", "apiVersion": .string(config.apiVersion), "spec": .object(spec)]
    }
}
