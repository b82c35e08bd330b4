import Foundation
import KubeClient
import Testing

/// A scratch directory removed when the test ends.
final class TempDir {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "skein-kubeclient-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ text: String, mode: Int = 0o644) throws -> String {
        let p = path + "/" + name
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // O_CLOEXEC: a process another test forks at this moment must not inherit the file
        // open for writing, or running it (an exec plugin) fails with "Text file busy".
        let fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: p)
        return p
    }
}

@Suite struct KubeconfigTests {
    static let first = """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: dev-cluster
          cluster:
            server: https://dev.example:6443/
            certificate-authority: certs/ca.crt
            tls-server-name: api.dev
            proxy-url: http://proxy:3128
        - name: shared
          cluster:
            server: https://first.example
        users:
        - name: alice
          user:
            client-certificate: certs/alice.crt
            client-key: /abs/alice.key
        - name: tok
          user:
            tokenFile: tokens/t
        contexts:
        - name: dev
          context: {cluster: dev-cluster, user: alice, namespace: team-a}
        - name: nons
          context: {cluster: shared, user: tok}
        """

    static let second = """
        current-context: prod
        clusters:
        - name: shared
          cluster:
            server: https://second.example
            certificate-authority-data: \(Data("PEM-BYTES".utf8).base64EncodedString())
            insecure-skip-tls-verify: true
        - name: prod-cluster
          cluster: {server: "https://prod.example"}
        users:
        - name: bob
          user: {username: bob, password: secret, token: tk}
        contexts:
        - name: prod
          context: {cluster: prod-cluster, user: bob}
        - name: dev
          context: {cluster: prod-cluster, user: bob, namespace: ignored}
        """

    @Test func relativePathsResolveAgainstTheFilesDirectory() throws {
        let dir = try TempDir()
        let f = try dir.write("conf/a.yaml", Self.first)
        let k = try Kubeconfig.load(file: f)
        #expect(k.clusters["dev-cluster"]?.certificateAuthority == .file(dir.path + "/conf/certs/ca.crt"))
        #expect(k.users["alice"]?.credentials.clientIdentity
            == ClientIdentity(certificate: .file(dir.path + "/conf/certs/alice.crt"), key: .file("/abs/alice.key")))
        #expect(k.users["tok"]?.credentials.tokenFile == dir.path + "/conf/tokens/t")
    }

    @Test func mergeKeepsTheFirstDefinitionOfEachName() throws {
        let dir = try TempDir()
        let a = try dir.write("a.yaml", Self.first)
        let b = try dir.write("b/b.yaml", Self.second)
        let merged = try Kubeconfig.load(files: [a, dir.path + "/missing.yaml", b])
        #expect(merged.files == [a, b])
        #expect(merged.currentContext == "dev")  // the first file's current-context wins
        #expect(merged.clusters["shared"]?.server == "https://first.example")
        #expect(merged.clusters["prod-cluster"]?.server == "https://prod.example")
        #expect(merged.contexts["dev"]?.cluster == "dev-cluster")
        #expect(merged.users.keys.sorted() == ["alice", "bob", "tok"])

        // Reversed order: the second file's definitions win.
        let reversed = try Kubeconfig.load(files: [b, a])
        #expect(reversed.currentContext == "prod")
        #expect(reversed.clusters["shared"]?.server == "https://second.example")
        #expect(reversed.contexts["dev"]?.cluster == "prod-cluster")
    }

    @Test func contextAndNamespaceResolution() throws {
        let dir = try TempDir()
        try dir.write("conf/certs/ca.crt", "ca")
        try dir.write("conf/certs/alice.crt", "crt")
        let a = try dir.write("conf/a.yaml", Self.first.replacingOccurrences(of: "/abs/alice.key", with: "certs/alice.crt"))
        let b = try dir.write("b.yaml", Self.second)
        let env = ["KUBECONFIG": "\(a)::\(b)", "HOME": dir.path]

        let dev = try ConfigLoader.load(environment: env)
        #expect(dev.server == "https://dev.example:6443")
        #expect(dev.namespace == "team-a")
        #expect(dev.tls.serverName == "api.dev")
        #expect(dev.proxyURL == "http://proxy:3128")
        #expect(dev.tls.certificateAuthority == .file(dir.path + "/conf/certs/ca.crt"))

        let overridden = try ConfigLoader.load(namespace: "other", environment: env)
        #expect(overridden.namespace == "other")

        // A context without a namespace uses "default"; the cluster from the first file.
        let nons = try ConfigLoader.load(context: "nons", environment: env)
        #expect(nons.namespace == "default")
        #expect(nons.server == "https://first.example")
        #expect(nons.credentials.tokenFile == dir.path + "/conf/tokens/t")

        let prod = try ConfigLoader.load(context: "prod", environment: env)
        #expect(prod.credentials.username == "bob")
        #expect(prod.credentials.password == "secret")
        #expect(prod.credentials.token == "tk")

        // An explicit --kubeconfig ignores $KUBECONFIG.
        let only = try ConfigLoader.load(kubeconfig: b, environment: env)
        #expect(only.server == "https://prod.example")
        #expect(only.origin.contains(b))
    }

    @Test func inlineDataIsDecodedAndInsecureIsRead() throws {
        let k = try Kubeconfig.parse(Self.second, file: "/x/b.yaml")
        #expect(k.clusters["shared"]?.certificateAuthority == .data(Array("PEM-BYTES".utf8)))
        #expect(k.clusters["shared"]?.insecureSkipTLSVerify == true)
    }

    @Test func homeConfigIsTheDefault() throws {
        let dir = try TempDir()
        try dir.write(".kube/config", Self.second)
        let c = try ConfigLoader.load(environment: ["HOME": dir.path])
        #expect(c.server == "https://prod.example")
    }

    @Test func errorsNameTheFileAndTheField() throws {
        let dir = try TempDir()
        let f = try dir.write("a.yaml", Self.first)
        let k = try Kubeconfig.load(file: f)

        let missing = #expect(throws: KubeconfigError.self) { try k.configuration(context: "nope") }
        #expect(missing?.description.contains("context \"nope\" is not defined") == true)
        #expect(missing?.description.contains("dev, nons") == true)

        // dev's CA file does not exist.
        let ca = #expect(throws: KubeconfigError.self) { try k.configuration() }
        #expect(ca?.file == f)
        #expect(ca?.field == "clusters[dev-cluster].cluster.certificate-authority")
        #expect(ca?.description.contains("cannot read \(dir.path)/certs/ca.crt") == true)

        let badUser = try dir.write("u.yaml", """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k"}}]
            contexts: [{name: c, context: {cluster: k, user: ghost}}]
            """)
        let ghost = #expect(throws: KubeconfigError.self) { try Kubeconfig.load(file: badUser).configuration() }
        #expect(ghost?.field == "contexts[c].context.user")
        #expect(ghost?.description.contains("user \"ghost\" is not defined") == true)

        let noServer = #expect(throws: KubeconfigError.self) {
            try Kubeconfig.parse("clusters: [{name: k, cluster: {}}]", file: "/x/k.yaml")
        }
        #expect(noServer?.description == "/x/k.yaml: clusters[k].cluster.server: missing: the API server's URL is required")

        let halfCert = #expect(throws: KubeconfigError.self) {
            try Kubeconfig.parse("users: [{name: u, user: {client-certificate: a.crt}}]", file: "/x/k.yaml")
        }
        #expect(halfCert?.field == "users[u].user.client-key")

        let badExec = #expect(throws: KubeconfigError.self) {
            try Kubeconfig.parse("users: [{name: u, user: {exec: {command: x, apiVersion: client.authentication.k8s.io/v1alpha1}}}]",
                                 file: "/x/k.yaml")
        }
        #expect(badExec?.field == "users[u].user.exec.apiVersion")

        let badMode = #expect(throws: KubeconfigError.self) {
            try Kubeconfig.parse("users: [{name: u, user: {exec: {command: x, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Sometimes}}}]",
                                 file: "/x/k.yaml")
        }
        #expect(badMode?.field == "users[u].user.exec.interactiveMode")
        #expect(badMode?.description.contains("'Sometimes' is not one of Never, IfAvailable, Always") == true)

        let noContext = #expect(throws: KubeconfigError.self) {
            try Kubeconfig.parse("clusters: []", file: "/x/k.yaml").configuration()
        }
        #expect(noContext?.field == "current-context")

        let absent = #expect(throws: KubeconfigError.self) {
            try ConfigLoader.load(kubeconfig: dir.path + "/nope.yaml", environment: [:])
        }
        #expect(absent?.description.contains("no such file") == true)
    }

    @Test func execPluginSettingsAndRelativeCommand() throws {
        let k = try Kubeconfig.parse("""
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: ./bin/plugin
                  args: [get-token, --x]
                  env: [{name: A, value: b}]
                  provideClusterInfo: true
                  installHint: install it
            - name: v
              user:
                exec: {apiVersion: client.authentication.k8s.io/v1, command: aws}
            """, file: "/etc/kube/config")
        let e = try #require(k.users["u"]?.credentials.exec)
        #expect(e.command == "/etc/kube/./bin/plugin")
        #expect(e.args == ["get-token", "--x"])
        #expect(e.env == [ExecConfig.EnvVar(name: "A", value: "b")])
        #expect(e.provideClusterInfo)
        #expect(e.installHint == "install it")
        #expect(e.apiVersion == "client.authentication.k8s.io/v1beta1")
        #expect(k.users["v"]?.credentials.exec?.command == "aws")  // a bare name stays a PATH lookup
    }

    @Test func inClusterConfiguration() throws {
        let dir = try TempDir()
        try dir.write("sa/token", "tok-1\n")
        try dir.write("sa/ca.crt", "CA")
        try dir.write("sa/namespace", "workflows\n")
        let env = ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "8443"]
        let c = try ConfigLoader.inCluster(directory: dir.path + "/sa", environment: env)
        #expect(c.server == "https://10.0.0.1:8443")
        #expect(c.namespace == "workflows")
        #expect(c.credentials.tokenFile == dir.path + "/sa/token")
        #expect(c.tls.certificateAuthority == .file(dir.path + "/sa/ca.crt"))

        // The loader falls back to it when there is no kubeconfig at all.
        let viaLoader = try ConfigLoader.load(environment: env.merging(["HOME": dir.path]) { a, _ in a },
                                              serviceAccountDirectory: dir.path + "/sa")
        #expect(viaLoader.server == "https://10.0.0.1:8443")

        let v6 = try ConfigLoader.inCluster(directory: dir.path + "/sa", environment: ["KUBERNETES_SERVICE_HOST": "fd00::1"])
        #expect(v6.server == "https://[fd00::1]:443")

        let notInPod = #expect(throws: KubeconfigError.self) {
            try ConfigLoader.inCluster(directory: dir.path + "/sa", environment: [:])
        }
        #expect(notInPod?.field == "KUBERNETES_SERVICE_HOST")
        let noToken = #expect(throws: KubeconfigError.self) {
            try ConfigLoader.inCluster(directory: dir.path + "/nothing", environment: env)
        }
        #expect(noToken?.file == dir.path + "/nothing/token")
    }
}
