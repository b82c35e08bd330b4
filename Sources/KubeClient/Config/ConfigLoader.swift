import Foundation

/// Finds the configuration the way kubectl does.
public enum ConfigLoader {
    /// The service-account directory mounted into pods.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// - `kubeconfig` (`--kubeconfig`): that file only; it must exist.
    /// - else `$KUBECONFIG` (a `:`-separated list, merged, missing files skipped),
    /// - else `~/.kube/config` when it exists,
    /// - else the in-cluster configuration when `KUBERNETES_SERVICE_HOST` is set.
    /// `context` overrides `current-context`; `namespace` overrides the context's.
    /// `environment` defaults to the process's.
    public static func load(kubeconfig: String? = nil, context: String? = nil, namespace: String? = nil,
                            environment: [String: String]? = nil,
                            serviceAccountDirectory: String = serviceAccountDirectory) throws(KubeconfigError) -> ClientConfiguration {
        let environment = environment ?? ProcessInfo.processInfo.environment
        if let path = kubeconfig, !path.isEmpty {
            guard FileManager.default.fileExists(atPath: path) else {
                throw KubeconfigError(file: path, field: "--kubeconfig", "no such file")
            }
            return try Kubeconfig.load(file: path).configuration(context: context, namespace: namespace)
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            let files = list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
            let merged = try Kubeconfig.load(files: files)
            if merged.files.isEmpty {
                throw KubeconfigError(file: nil, field: "KUBECONFIG", "none of its files exist: \(list)")
            }
            return try merged.configuration(context: context, namespace: namespace)
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let defaultPath = home + "/.kube/config"
        if FileManager.default.fileExists(atPath: defaultPath) {
            return try Kubeconfig.load(file: defaultPath).configuration(context: context, namespace: namespace)
        }
        if environment["KUBERNETES_SERVICE_HOST"] != nil {
            var c = try inCluster(directory: serviceAccountDirectory, environment: environment)
            if let ns = namespace { c.namespace = ns }
            return c
        }
        throw KubeconfigError(file: defaultPath, "no kubeconfig: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config")
    }

    /// The configuration of a pod: `KUBERNETES_SERVICE_HOST`/`PORT`, and in `directory`
    /// the service-account `token` (re-read when it rotates), `ca.crt` and `namespace`.
    public static func inCluster(directory: String = serviceAccountDirectory,
                                 environment: [String: String]? = nil)
        throws(KubeconfigError) -> ClientConfiguration {
        let environment = environment ?? ProcessInfo.processInfo.environment
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw KubeconfigError(file: nil, field: "KUBERNETES_SERVICE_HOST", "not set: not running in a pod")
        }
        let port = environment["KUBERNETES_SERVICE_PORT"].flatMap { $0.isEmpty ? nil : $0 } ?? "443"
        let tokenPath = directory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubeconfigError(file: tokenPath, "cannot read the service-account token")
        }
        let caPath = directory + "/ca.crt"
        guard FileManager.default.isReadableFile(atPath: caPath) else {
            throw KubeconfigError(file: caPath, "cannot read the cluster's CA certificate")
        }
        var namespace = "default"
        if let ns = try? String(contentsOfFile: directory + "/namespace", encoding: .utf8) {
            let t = ns.trimmingCharacters(in: .whitespacesAndNewlines)
            if !t.isEmpty { namespace = t }
        }
        let h = host.contains(":") ? "[\(host)]" : host
        return ClientConfiguration(server: "https://\(h):\(port)", tls: ServerTLS(certificateAuthority: .file(caPath)),
                                   credentials: Credentials(tokenFile: tokenPath), namespace: namespace,
                                   origin: "in-cluster service account (\(directory))")
    }
}
