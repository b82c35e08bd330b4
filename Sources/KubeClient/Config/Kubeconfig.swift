import Foundation
import KubeAPI
import SkeinJSON
import WorkflowModel

/// A problem with a kubeconfig (or the in-cluster files): which file, which field, what.
public struct KubeconfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String?
    /// `users[alice].client-key`, `current-context`...
    public var field: String?
    public var message: String

    public init(file: String?, field: String? = nil, _ message: String) {
        self.file = file
        self.field = field
        self.message = message
    }

    public var description: String {
        var s = ""
        if let f = file { s += f + ": " }
        if let f = field { s += f + ": " }
        return s + message
    }
}

/// A kubeconfig: one file, or several merged as kubectl merges `$KUBECONFIG`.
/// Relative paths are already resolved against the directory of the file that set them.
public struct Kubeconfig: Sendable {
    public struct Cluster: Sendable, Hashable {
        public var name: String
        public var server: String
        public var certificateAuthority: PEMSource?
        public var insecureSkipTLSVerify: Bool
        public var tlsServerName: String?
        public var proxyURL: String?
        /// The file that defined it.
        public var file: String
    }

    public struct User: Sendable, Hashable {
        public var name: String
        public var credentials: Credentials
        public var file: String
    }

    public struct Context: Sendable, Hashable {
        public var name: String
        public var cluster: String
        public var user: String
        public var namespace: String?
        public var file: String
    }

    public var clusters: [String: Cluster] = [:]
    public var users: [String: User] = [:]
    public var contexts: [String: Context] = [:]
    public var currentContext: String?
    /// The files read, in order; `currentContextFile` set `current-context`.
    public var files: [String] = []
    public var currentContextFile: String?

    public init() {}

    /// Reads one file.
    public static func load(file: String) throws(KubeconfigError) -> Kubeconfig {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw KubeconfigError(file: file, "cannot read the kubeconfig: \(error.localizedDescription)")
        }
        return try parse(text, file: file)
    }

    /// Reads several files and merges them the way kubectl merges `$KUBECONFIG`: the first
    /// file to define a cluster, user or context name (or `current-context`) wins. Files
    /// that do not exist are skipped.
    public static func load(files: [String]) throws(KubeconfigError) -> Kubeconfig {
        var merged = Kubeconfig()
        for f in files where !f.isEmpty {
            guard FileManager.default.fileExists(atPath: f) else { continue }
            let one = try load(file: f)
            merged.files.append(f)
            for (k, v) in one.clusters where merged.clusters[k] == nil { merged.clusters[k] = v }
            for (k, v) in one.users where merged.users[k] == nil { merged.users[k] = v }
            for (k, v) in one.contexts where merged.contexts[k] == nil { merged.contexts[k] = v }
            if merged.currentContext == nil, let c = one.currentContext {
                merged.currentContext = c
                merged.currentContextFile = f
            }
        }
        return merged
    }

    /// Parses kubeconfig text; `file` names it in errors and anchors relative paths.
    public static func parse(_ text: String, file: String) throws(KubeconfigError) -> Kubeconfig {
        let docs: [YAMLDocument]
        do { docs = try YAMLLoader.load(text, file: file) } catch {
            throw KubeconfigError(file: file, "not valid YAML: \(error.description)")
        }
        var k = Kubeconfig()
        k.files = [file]
        guard let root = docs.first?.value, !root.isNull else { return k }
        guard root.objectValue != nil else { throw KubeconfigError(file: file, "a kubeconfig must be a map") }
        let dir = (file as NSString).deletingLastPathComponent
        let p = FieldReader(file: file, directory: dir)

        if let c = try p.string(root, "current-context", at: "current-context"), !c.isEmpty {
            k.currentContext = c
            k.currentContextFile = file
        }
        for (i, entry) in try p.list(root, "clusters").enumerated() {
            let name = try p.name(entry, list: "clusters", index: i)
            let at = "clusters[\(name)].cluster"
            let c = entry["cluster"] ?? .object([:])
            guard let server = try p.string(c, "server", at: at), !server.isEmpty else {
                throw KubeconfigError(file: file, field: "\(at).server", "missing: the API server's URL is required")
            }
            k.clusters[name] = Cluster(
                name: name, server: server,
                certificateAuthority: try p.pem(c, file: "certificate-authority", data: "certificate-authority-data", at: at),
                insecureSkipTLSVerify: try p.bool(c, "insecure-skip-tls-verify", at: at) ?? false,
                tlsServerName: try p.string(c, "tls-server-name", at: at),
                proxyURL: try p.string(c, "proxy-url", at: at), file: file)
        }
        for (i, entry) in try p.list(root, "users").enumerated() {
            let name = try p.name(entry, list: "users", index: i)
            let at = "users[\(name)].user"
            let u = entry["user"] ?? .object([:])
            var cred = Credentials()
            cred.token = try p.string(u, "token", at: at)
            cred.tokenFile = try p.string(u, "tokenFile", at: at).map { p.resolve($0) }
            cred.username = try p.string(u, "username", at: at)
            cred.password = try p.string(u, "password", at: at)
            let cert = try p.pem(u, file: "client-certificate", data: "client-certificate-data", at: at)
            let key = try p.pem(u, file: "client-key", data: "client-key-data", at: at)
            switch (cert, key) {
            case (let c?, let k?): cred.clientIdentity = ClientIdentity(certificate: c, key: k)
            case (nil, nil): break
            case (_?, nil): throw KubeconfigError(file: file, field: "\(at).client-key", "missing: client-certificate is set without its key")
            case (nil, _?): throw KubeconfigError(file: file, field: "\(at).client-certificate", "missing: client-key is set without its certificate")
            }
            if let e = u["exec"], !e.isNull { cred.exec = try p.exec(e, at: "\(at).exec") }
            k.users[name] = User(name: name, credentials: cred, file: file)
        }
        for (i, entry) in try p.list(root, "contexts").enumerated() {
            let name = try p.name(entry, list: "contexts", index: i)
            let at = "contexts[\(name)].context"
            let c = entry["context"] ?? .object([:])
            k.contexts[name] = Context(name: name, cluster: try p.string(c, "cluster", at: at) ?? "",
                                       user: try p.string(c, "user", at: at) ?? "",
                                       namespace: try p.string(c, "namespace", at: at), file: file)
        }
        return k
    }

    /// The configuration of one context (`context` nil: `current-context`).
    /// The namespace is `namespace` when given, else the context's, else `default`.
    public func configuration(context: String? = nil, namespace: String? = nil) throws(KubeconfigError) -> ClientConfiguration {
        let where1 = files.count == 1 ? files[0] : files.isEmpty ? nil : files.joined(separator: ":")
        guard let name = context ?? currentContext, !name.isEmpty else {
            throw KubeconfigError(file: where1, field: "current-context",
                                  "no context chosen: set current-context (kubectl config use-context NAME) or pass --context")
        }
        guard let ctx = contexts[name] else {
            let known = contexts.keys.sorted()
            throw KubeconfigError(file: context == nil ? (currentContextFile ?? where1) : where1,
                                  field: context == nil ? "current-context" : "--context",
                                  "context \"\(name)\" is not defined"
                                      + (known.isEmpty ? " (the file defines no contexts)" : "; known contexts: \(known.joined(separator: ", "))"))
        }
        guard let cluster = clusters[ctx.cluster] else {
            throw KubeconfigError(file: ctx.file, field: "contexts[\(name)].context.cluster",
                                  ctx.cluster.isEmpty ? "missing" : "cluster \"\(ctx.cluster)\" is not defined")
        }
        var credentials = Credentials()
        if !ctx.user.isEmpty {
            guard let user = users[ctx.user] else {
                throw KubeconfigError(file: ctx.file, field: "contexts[\(name)].context.user", "user \"\(ctx.user)\" is not defined")
            }
            credentials = user.credentials
        }
        if case .file(let path)? = cluster.certificateAuthority, !FileManager.default.isReadableFile(atPath: path) {
            throw KubeconfigError(file: cluster.file, field: "clusters[\(cluster.name)].cluster.certificate-authority",
                                  "cannot read \(path)")
        }
        if let id = credentials.clientIdentity, let user = users[ctx.user] {
            for (pem, field) in [(id.certificate, "client-certificate"), (id.key, "client-key")] {
                if case .file(let path) = pem, !FileManager.default.isReadableFile(atPath: path) {
                    throw KubeconfigError(file: user.file, field: "users[\(user.name)].user.\(field)", "cannot read \(path)")
                }
            }
        }
        let ns = namespace ?? ctx.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        return ClientConfiguration(
            server: cluster.server,
            tls: ServerTLS(certificateAuthority: cluster.certificateAuthority, insecureSkipVerify: cluster.insecureSkipTLSVerify,
                           serverName: cluster.tlsServerName),
            proxyURL: cluster.proxyURL, credentials: credentials, namespace: ns,
            origin: "kubeconfig \(where1 ?? "?"), context \(name)")
    }
}

/// Reads typed fields of kubeconfig maps, with errors naming the file and field.
private struct FieldReader {
    var file: String
    var directory: String

    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") || directory.isEmpty { return path }
        if path.hasPrefix("~/") { return NSHomeDirectory() + path.dropFirst(1) }
        return directory + "/" + path
    }

    func string(_ v: JSONValue, _ key: String, at: String) throws(KubeconfigError) -> String? {
        guard let x = v[key], !x.isNull else { return nil }
        guard case .string(let s) = x else {
            if let t = x.scalarText { return t }
            throw KubeconfigError(file: file, field: "\(at).\(key)", "expected a string, found \(x.kindName)")
        }
        return s
    }

    func bool(_ v: JSONValue, _ key: String, at: String) throws(KubeconfigError) -> Bool? {
        guard let x = v[key], !x.isNull else { return nil }
        if case .bool(let b) = x { return b }
        if case .string(let s) = x, let b = Bool(s) { return b }
        throw KubeconfigError(file: file, field: "\(at).\(key)", "expected true or false, found \(x.kindName)")
    }

    func list(_ v: JSONValue, _ key: String) throws(KubeconfigError) -> [JSONValue] {
        guard let x = v[key], !x.isNull else { return [] }
        guard let a = x.arrayValue else { throw KubeconfigError(file: file, field: key, "expected a list, found \(x.kindName)") }
        return a
    }

    func name(_ entry: JSONValue, list: String, index: Int) throws(KubeconfigError) -> String {
        guard let n = entry["name"]?.scalarText, !n.isEmpty else {
            throw KubeconfigError(file: file, field: "\(list)[\(index)].name", "missing: every entry needs a name")
        }
        return n
    }

    /// A PEM given as a file path or as base64 `-data`; the data wins when both are set.
    func pem(_ v: JSONValue, file fileKey: String, data dataKey: String, at: String) throws(KubeconfigError) -> PEMSource? {
        if let d = try string(v, dataKey, at: at), !d.isEmpty {
            guard let bytes = Data(base64Encoded: d, options: .ignoreUnknownCharacters) else {
                throw KubeconfigError(file: file, field: "\(at).\(dataKey)", "not valid base64")
            }
            return .data(Array(bytes))
        }
        if let f = try string(v, fileKey, at: at), !f.isEmpty { return .file(resolve(f)) }
        return nil
    }

    func exec(_ e: JSONValue, at: String) throws(KubeconfigError) -> ExecConfig {
        guard var command = try string(e, "command", at: at), !command.isEmpty else {
            throw KubeconfigError(file: file, field: "\(at).command", "missing: the plugin's command is required")
        }
        // As kubectl does: a relative command with a slash is relative to the kubeconfig.
        if command.contains("/") { command = resolve(command) }
        var args: [String] = []
        for (i, a) in try list(e, "args").enumerated() {
            guard let s = a.scalarText else { throw KubeconfigError(file: file, field: "\(at).args[\(i)]", "expected a string") }
            args.append(s)
        }
        var env: [ExecConfig.EnvVar] = []
        for (i, x) in try list(e, "env").enumerated() {
            guard let n = x["name"]?.scalarText else {
                throw KubeconfigError(file: file, field: "\(at).env[\(i)].name", "missing")
            }
            env.append(.init(name: n, value: x["value"]?.scalarText ?? ""))
        }
        let api = try string(e, "apiVersion", at: at) ?? ""
        guard api == "client.authentication.k8s.io/v1" || api == "client.authentication.k8s.io/v1beta1" else {
            throw KubeconfigError(file: file, field: "\(at).apiVersion",
                                  api.isEmpty ? "missing: use client.authentication.k8s.io/v1"
                                              : "\(api) is not supported; use client.authentication.k8s.io/v1 or v1beta1")
        }
        let mode = try string(e, "interactiveMode", at: at) ?? ""
        guard mode.isEmpty || ExecConfig.interactiveModes.contains(mode) else {
            throw KubeconfigError(file: file, field: "\(at).interactiveMode",
                                  "'\(mode)' is not one of \(ExecConfig.interactiveModes.joined(separator: ", "))")
        }
        return ExecConfig(apiVersion: api, command: command, args: args, env: env,
                          installHint: try string(e, "installHint", at: at),
                          provideClusterInfo: try bool(e, "provideClusterInfo", at: at) ?? false,
                          interactiveMode: mode.isEmpty ? "IfAvailable" : mode)
    }
}
