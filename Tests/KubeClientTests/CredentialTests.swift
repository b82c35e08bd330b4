import Foundation
@testable import KubeClient
import Testing

/// A shell-script exec plugin that counts its runs in a file and prints an ExecCredential.
struct ExecPlugin {
    let dir: TempDir
    let script: String
    let counter: String

    /// `body` is the ExecCredential's `status` as JSON; `$N` in it becomes the run number.
    init(status body: String, apiVersion: String = "client.authentication.k8s.io/v1", exitCode: Int = 0) throws {
        dir = try TempDir()
        counter = dir.path + "/runs"
        script = try dir.write("plugin.sh", """
            #!/bin/sh
            n=$(cat "\(dir.path)/runs" 2>/dev/null || echo 0)
            n=$((n + 1))
            echo $n > "\(dir.path)/runs"
            echo "$KUBERNETES_EXEC_INFO" > "\(dir.path)/info-$n"
            echo "FOO=$FOO" >> "\(dir.path)/info-$n"
            [ \(exitCode) -ne 0 ] && exit \(exitCode)
            cat <<EOF
            {"kind":"ExecCredential","apiVersion":"\(apiVersion)","status":\(body)}
            EOF
            """, mode: 0o755)
    }

    var runs: Int {
        Int((try? String(contentsOfFile: counter, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "0") ?? 0
    }

    func info(_ run: Int) -> String { (try? String(contentsOfFile: dir.path + "/info-\(run)", encoding: .utf8)) ?? "" }

    func config(apiVersion: String = "client.authentication.k8s.io/v1", clusterInfo: Bool = false) -> ExecConfig {
        ExecConfig(apiVersion: apiVersion, command: script, env: [.init(name: "FOO", value: "bar")],
                   installHint: "install the plugin", provideClusterInfo: clusterInfo)
    }
}

@Suite struct CredentialTests {
    let cluster = ClusterInfo(server: "https://k:6443", tls: ServerTLS(certificateAuthority: .data(Array("CA".utf8))), proxyURL: nil)

    @Test func execCredentialIsCachedUntilItExpires() async throws {
        let plugin = try ExecPlugin(status: #"{"token":"t-$n","expirationTimestamp":"2999-01-01T00:00:00Z"}"#)
        let cache = ExecCredentialCache(config: plugin.config(clusterInfo: true), cluster: cluster)
        // Ten concurrent requests share one run.
        let tokens = try await withThrowingTaskGroup(of: String?.self) { g in
            for _ in 0..<10 { g.addTask { try await cache.credential().token } }
            return try await g.reduce(into: Set<String?>()) { $0.insert($1) }
        }
        #expect(plugin.runs == 1)
        #expect(tokens.count == 1)
        #expect(try await cache.credential().expiry == ExecCredentialCache.parseTimestamp("2999-01-01T00:00:00Z"))
        #expect(plugin.runs == 1)
        // The plugin saw the environment from the kubeconfig and the cluster it is for.
        let info = plugin.info(1)
        #expect(info.contains(#""interactive":false"#))
        #expect(info.contains(#""server":"https:\/\/k:6443""#) || info.contains(#""server":"https://k:6443""#))
        #expect(info.contains(#""certificate-authority-data":"Q0E=""#))
        #expect(info.contains("FOO=bar"))
        // After a 401 the client invalidates: the next request runs it again.
        cache.invalidate()
        _ = try await cache.credential()
        #expect(plugin.runs == 2)
    }

    /// `interactiveMode: Always` needs a terminal on standard input; `Never` never tells the
    /// plugin it may prompt, even on one.
    @Test func interactiveModeDecidesWhetherThePluginMayPrompt() async throws {
        let plugin = try ExecPlugin(status: #"{"token":"t"}"#)
        var never = plugin.config()
        never.interactiveMode = "Never"
        _ = try await ExecCredentialCache(config: never, cluster: cluster).credential()
        #expect(plugin.info(1).contains(#""interactive":false"#))

        var always = plugin.config()
        always.interactiveMode = "Always"
        if isatty(0) == 1 {
            // Run from a terminal: the plugin is told it may prompt.
            _ = try await ExecCredentialCache(config: always, cluster: cluster).credential()
            #expect(plugin.info(2).contains(#""interactive":true"#))
        } else {
            let e = await #expect(throws: CredentialError.self) {
                try await ExecCredentialCache(config: always, cluster: cluster).credential()
            }
            #expect(e?.message.hasPrefix("exec plugin \(plugin.script) needs a terminal (interactiveMode: Always)") == true, "\(e?.message ?? "")")
            #expect(plugin.runs == 1, "the plugin must not run without the terminal it needs")
        }
    }

    @Test func anExpiredCredentialRunsThePluginAgain() async throws {
        let plugin = try ExecPlugin(status: #"{"token":"t","expirationTimestamp":"2000-01-01T00:00:00Z"}"#)
        let cache = ExecCredentialCache(config: plugin.config(), cluster: cluster)
        _ = try await cache.credential()
        _ = try await cache.credential()
        #expect(plugin.runs == 2)
    }

    @Test func clientCertificateFromThePlugin() async throws {
        let plugin = try ExecPlugin(status: #"{"clientCertificateData":"CERT","clientKeyData":"KEY"}"#,
                                    apiVersion: "client.authentication.k8s.io/v1beta1")
        let cache = ExecCredentialCache(config: plugin.config(apiVersion: "client.authentication.k8s.io/v1beta1"), cluster: cluster)
        let c = try await cache.credential()
        #expect(c.identity == ClientIdentity(certificate: .data(Array("CERT".utf8)), key: .data(Array("KEY".utf8))))
        #expect(c.token == nil)
        #expect(c.expiry == nil)
    }

    @Test func pluginFailuresAreClear() async throws {
        let failing = try ExecPlugin(status: "{}", exitCode: 3)
        let e1 = await #expect(throws: CredentialError.self) {
            try await ExecCredentialCache(config: failing.config(), cluster: cluster).credential()
        }
        #expect(e1?.message == "exec plugin \(failing.script) exited with status 3\ninstall the plugin")

        let wrongVersion = try ExecPlugin(status: #"{"token":"x"}"#, apiVersion: "client.authentication.k8s.io/v1beta1")
        let e2 = await #expect(throws: CredentialError.self) {
            try await ExecCredentialCache(config: wrongVersion.config(), cluster: cluster).credential()
        }
        #expect(e2?.message.contains("apiVersion client.authentication.k8s.io/v1beta1") == true)

        let empty = try ExecPlugin(status: "{}")
        let e3 = await #expect(throws: CredentialError.self) {
            try await ExecCredentialCache(config: empty.config(), cluster: cluster).credential()
        }
        #expect(e3?.message.contains("neither status.token nor a client certificate") == true)

        let missing = ExecConfig(command: "skein-no-such-plugin-\(UUID().uuidString)", installHint: "get it from x")
        let e4 = await #expect(throws: CredentialError.self) {
            try await ExecCredentialCache(config: missing, cluster: cluster).credential()
        }
        #expect(e4?.message.contains("not found on PATH") == true)
        #expect(e4?.message.contains("get it from x") == true)
    }

    @Test func tokenFileIsReadAgainWhenItChanges() throws {
        let dir = try TempDir()
        let path = try dir.write("token", "one\n")
        let f = TokenFile(path: path)
        #expect(try f.token() == "one")
        // Rotated the way the kubelet does it: a new file renamed over the old one.
        try dir.write("token", "two-longer\n")
        #expect(try f.token() == "two-longer")
        try FileManager.default.removeItem(atPath: path)
        #expect(throws: CredentialError.self) { try f.token() }
    }

    @Test func headersForEachKindOfCredential() async throws {
        let basic = Authenticator(credentials: Credentials(username: "u", password: "p"), cluster: cluster)
        #expect(try await basic.material().authorization == "Basic dTpw")
        let token = Authenticator(credentials: Credentials(token: "abc", username: "u", password: "p"), cluster: cluster)
        #expect(try await token.material().authorization == "Bearer abc")
        #expect(!token.canRefresh)
        let dir = try TempDir()
        let file = Authenticator(credentials: Credentials(token: "stale", tokenFile: try dir.write("t", "fresh")), cluster: cluster)
        #expect(try await file.material().authorization == "Bearer fresh")
        #expect(file.canRefresh)
    }
}
