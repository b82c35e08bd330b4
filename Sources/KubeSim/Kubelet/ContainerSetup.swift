import Foundation
import KubeAPI
import LocalRunner
import Sandbox
import SkeinJSON
import Synchronization

/// Turns a pod's containers and volumes into host processes: command lines from the
/// container (or the image map), environment with `valueFrom`, volumes as directories
/// of the pod bound at their mount paths.
struct ContainerSetup: Sendable {
    struct Failure: Error, Sendable {
        var reason: String
        var message: String
    }

    let kubelet: Kubelet
    let pod: JSONValue
    let podDirectory: String

    var namespace: String { pod.namespace ?? "default" }
    var fm: FileManager { FileManager.default }

    // MARK: volumes

    /// Creates every volume of the pod; returns volume name → host path.
    func prepareVolumes() throws(Failure) -> [String: String] {
        var out: [String: String] = [:]
        for v in pod["spec"]?["volumes"]?.arrayValue ?? [] {
            guard let name = v["name"]?.stringValue else { continue }
            let dir = "\(podDirectory)/volumes/\(name)"
            do {
                if let hp = v["hostPath"] {
                    let path = hp["path"]?.stringValue ?? dir
                    let type = hp["type"]?.stringValue ?? ""
                    if type == "FileOrCreate" {
                        if !fm.fileExists(atPath: path) { _ = fm.createFile(atPath: path, contents: nil) }
                    } else if !fm.fileExists(atPath: path) {
                        if type == "" || type == "DirectoryOrCreate" {
                            try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
                        } else {
                            throw Failure(reason: "CreateContainerConfigError", message: "hostPath type check failed: \(path) is not a \(type)")
                        }
                    }
                    out[name] = path
                    continue
                }
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                out[name] = dir
                if let cm = v["configMap"] {
                    try writeKeys(from: cm, kind: "configmap", resource: ServedResource.builtIn[2], into: dir, decode: false)
                } else if let s = v["secret"] {
                    try writeKeys(from: s, kind: "secret", resource: ServedResource.builtIn[3], into: dir, decode: true)
                } else if let claim = v["persistentVolumeClaim"]?["claimName"]?.stringValue {
                    let shared = "\(kubelet.workDirectory)/volumes/\(namespace)/\(claim)"
                    try fm.createDirectory(atPath: shared, withIntermediateDirectories: true)
                    out[name] = shared
                } else if let items = v["downwardAPI"]?["items"]?.arrayValue {
                    for item in items {
                        guard let path = item["path"]?.stringValue, let field = item["fieldRef"]?["fieldPath"]?.stringValue else { continue }
                        try writeFile("\(dir)/\(path)", Data(fieldValue(field).utf8))
                    }
                }
            } catch let f as Failure {
                throw f
            } catch {
                throw Failure(reason: "CreateContainerConfigError", message: "volume \(name): \(error.localizedDescription)")
            }
        }
        // The service account's credentials, as a real pod has them.
        let sa = "\(podDirectory)/serviceaccount"
        do {
            try fm.createDirectory(atPath: sa, withIntermediateDirectories: true)
            try writeFile("\(sa)/token", Data(kubelet.token.utf8))
            try writeFile("\(sa)/ca.crt", Data(kubelet.caPEM.utf8))
            try writeFile("\(sa)/namespace", Data(namespace.utf8))
        } catch {
            throw Failure(reason: "CreateContainerConfigError", message: "service account files: \(error.localizedDescription)")
        }
        return out
    }

    private func writeFile(_ path: String, _ data: Data) throws {
        try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// configMap and secret volumes: one file per key (or per `items` entry).
    private func writeKeys(from source: JSONValue, kind: String, resource: ServedResource, into dir: String, decode: Bool) throws {
        let name = (source["name"] ?? source["secretName"])?.stringValue ?? ""
        let optional = source["optional"] == .bool(true)
        guard let obj = try? kubelet.api.store.get(resource, namespace: namespace, name: name) else {
            if optional { return }
            throw Failure(reason: "CreateContainerConfigError", message: "\(kind) \"\(name)\" not found")
        }
        var data: [String: Data] = [:]
        for (k, v) in obj["data"]?.objectValue ?? [:] {
            let s = v.stringValue ?? ""
            data[k] = decode ? (Data(base64Encoded: s) ?? Data()) : Data(s.utf8)
        }
        for (k, v) in obj["binaryData"]?.objectValue ?? [:] { data[k] = Data(base64Encoded: v.stringValue ?? "") ?? Data() }
        if let items = source["items"]?.arrayValue {
            for item in items {
                guard let key = item["key"]?.stringValue, let path = item["path"]?.stringValue else { continue }
                guard let d = data[key] else {
                    if optional { continue }
                    throw Failure(reason: "CreateContainerConfigError", message: "\(kind) \"\(name)\" has no key \"\(key)\"")
                }
                try writeFile("\(dir)/\(path)", d)
            }
        } else {
            for (k, d) in data { try writeFile("\(dir)/\(k)", d) }
        }
    }

    // MARK: environment

    func fieldValue(_ path: String) -> String {
        func keyed(_ prefix: String, _ map: [String: String]) -> String? {
            guard path.hasPrefix(prefix + "['"), path.hasSuffix("']") else { return nil }
            return map[String(path.dropFirst(prefix.count + 2).dropLast(2))] ?? ""
        }
        if let v = keyed("metadata.labels", pod.labels) { return v }
        if let v = keyed("metadata.annotations", pod.annotations) { return v }
        switch path {
        case "status.podIP", "status.hostIP", "status.podIPs": return "127.0.0.1"
        case "spec.nodeName": return Kubelet.nodeName
        default: return pod[path: path.split(separator: ".").map(String.init)]?.scalarText ?? ""
        }
    }

    func lookup(_ ref: JSONValue, resource: ServedResource, kind: String, decode: Bool) throws(Failure) -> String? {
        let name = ref["name"]?.stringValue ?? ""
        let key = ref["key"]?.stringValue ?? ""
        let optional = ref["optional"] == .bool(true)
        guard let obj = try? kubelet.api.store.get(resource, namespace: namespace, name: name) else {
            if optional { return nil }
            throw Failure(reason: "CreateContainerConfigError", message: "\(kind) \"\(name)\" not found")
        }
        guard let raw = obj["data"]?[key]?.stringValue else {
            if optional { return nil }
            throw Failure(reason: "CreateContainerConfigError", message: "couldn't find key \(key) in \(kind) \(namespace)/\(name)")
        }
        return decode ? String(decoding: Data(base64Encoded: raw) ?? Data(), as: UTF8.self) : raw
    }

    func environment(_ c: JSONValue) throws(Failure) -> [String: String] {
        let host = ProcessInfo.processInfo.environment
        var env: [String: String] = [
            "PATH": (kubelet.options.extraPath + [host["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"]).joined(separator: ":"),
            "HOME": host["HOME"] ?? "/root",
            "HOSTNAME": pod.name ?? "",
            "KUBERNETES_SERVICE_HOST": "127.0.0.1",
            "KUBERNETES_SERVICE_PORT": String(kubelet.apiPort.withLock { $0 }),
            "KUBERNETES_SERVICE_PORT_HTTPS": String(kubelet.apiPort.withLock { $0 }),
        ]
        for from in c["envFrom"]?.arrayValue ?? [] {
            let prefix = from["prefix"]?.stringValue ?? ""
            let (ref, resource, decode) = from["configMapRef"].map { ($0, ServedResource.builtIn[2], false) }
                ?? (from["secretRef"] ?? .null, ServedResource.builtIn[3], true)
            let name = ref["name"]?.stringValue ?? ""
            guard let obj = try? kubelet.api.store.get(resource, namespace: namespace, name: name) else {
                if ref["optional"] == .bool(true) { continue }
                throw Failure(reason: "CreateContainerConfigError", message: "\(decode ? "secret" : "configmap") \"\(name)\" not found")
            }
            for (k, v) in obj["data"]?.objectValue ?? [:] {
                let s = v.stringValue ?? ""
                env[prefix + k] = decode ? String(decoding: Data(base64Encoded: s) ?? Data(), as: UTF8.self) : s
            }
        }
        for e in c["env"]?.arrayValue ?? [] {
            guard let name = e["name"]?.stringValue else { continue }
            if let v = e["value"] {
                env[name] = ContainerSetup.expand(v.scalarText ?? "", env)
            } else if let from = e["valueFrom"] {
                if let f = from["fieldRef"]?["fieldPath"]?.stringValue {
                    env[name] = fieldValue(f)
                } else if let ref = from["configMapKeyRef"] {
                    if let v = try lookup(ref, resource: ServedResource.builtIn[2], kind: "configmap", decode: false) { env[name] = v }
                } else if let ref = from["secretKeyRef"] {
                    if let v = try lookup(ref, resource: ServedResource.builtIn[3], kind: "secret", decode: true) { env[name] = v }
                } else if from["resourceFieldRef"] != nil {
                    env[name] = "0"
                }
            } else {
                env[name] = ""
            }
        }
        return env
    }

    /// `$(VAR)` references in commands, args and env values; `$$` escapes a `$`.
    static func expand(_ s: String, _ env: [String: String]) -> String {
        guard s.contains("$") else { return s }
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            let next = s.index(after: i)
            if c == "$", next < s.endIndex {
                if s[next] == "$" {
                    out.append("$")
                    i = s.index(after: next)
                    continue
                }
                if s[next] == "(", let close = s[next...].firstIndex(of: ")") {
                    let name = String(s[s.index(after: next)..<close])
                    if let v = env[name] {
                        out += v
                    } else {
                        out += s[i...close]
                    }
                    i = s.index(after: close)
                    continue
                }
            }
            out.append(c)
            i = next
        }
        return out
    }

    // MARK: command

    static func isSkeinImage(_ image: String) -> Bool {
        let repo = image.split(separator: "/").last.map { String($0.split(separator: ":").first ?? "") } ?? ""
        return repo == "skein" || repo.hasPrefix("skein-")
    }

    func commandLine(_ c: JSONValue, env: [String: String]) throws(Failure) -> [String] {
        let image = c["image"]?.stringValue ?? ""
        let command = c["command"]?.arrayValue?.compactMap(\.scalarText) ?? []
        let args = c["args"]?.arrayValue?.compactMap(\.scalarText)
        var argv: [String]
        if !command.isEmpty {
            argv = command + (args ?? [])
        } else if ContainerSetup.isSkeinImage(image), let skein = kubelet.options.skeinBinary {
            argv = [skein] + (args ?? [])
        } else if let entry = kubelet.options.images.entry(for: image) {
            if let ep = entry.entrypoint, !ep.isEmpty { argv = ep + (args ?? entry.cmd ?? []) } else { argv = args ?? entry.cmd ?? [] }
        } else {
            throw Failure(reason: "StartError",
                          message: "image \"\(image)\" has no command, and skein-sim cannot read an image's entrypoint: give the container a command, or map the image (KubeSimOptions.images)")
        }
        argv = argv.map { ContainerSetup.expand($0, env) }
        guard !argv.isEmpty, !argv[0].isEmpty else { throw Failure(reason: "StartError", message: "the container has an empty command line") }
        let base = String(argv[0].split(separator: "/").last ?? "")
        if let skein = kubelet.options.skeinBinary, base == "skein" || base == "skein-emissary" {
            argv[0] = base == "skein" ? skein : (skein as NSString).deletingLastPathComponent + "/skein-emissary"
        }
        if !argv[0].hasPrefix("/") || !fm.isExecutableFile(atPath: argv[0]) {
            guard let found = ContainerSetup.which(base, path: env["PATH"] ?? "") else {
                throw Failure(reason: "StartError",
                              message: "exec: \"\(argv[0])\": executable file not found in $PATH")
            }
            argv[0] = found
        }
        // The emissary runs the user's program after `--`: an absolute path inside the image
        // (`/argosay`) that this machine lacks is the program of that name on PATH, as above.
        if base == "skein-emissary", let dash = argv.firstIndex(of: "--"), dash + 1 < argv.count {
            let program = argv[dash + 1]
            let name = String(program.split(separator: "/").last ?? "")
            if program.hasPrefix("/"), !fm.isExecutableFile(atPath: program), ContainerSetup.which(name, path: env["PATH"] ?? "") != nil {
                argv[dash + 1] = name   // found through the container's PATH (which may be remapped, see `spec`)
            }
        }
        return argv
    }

    static func which(_ name: String, path: String) -> String? {
        for dir in path.split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    // MARK: the process

    func spec(_ c: JSONValue, volumes: [String: String], env: [String: String], argv: [String], isolate: Bool) throws(Failure) -> SandboxSpec {
        let name = c["name"]?.stringValue ?? "c"
        var binds: [BindMount] = []
        for m in c["volumeMounts"]?.arrayValue ?? [] {
            guard let v = m["name"]?.stringValue, let target = m["mountPath"]?.stringValue else { continue }
            guard var source = volumes[v] else {
                throw Failure(reason: "CreateContainerConfigError", message: "volumeMount \(v) has no volume of that name")
            }
            if let sub = m["subPath"]?.stringValue, !sub.isEmpty {
                source += "/" + sub
                if !fm.fileExists(atPath: source) { try? fm.createDirectory(atPath: source, withIntermediateDirectories: true) }
            }
            binds.append(BindMount(source: source, target: target, readOnly: m["readOnly"] == .bool(true)))
        }
        if pod["spec"]?["automountServiceAccountToken"] != .bool(false), c["automountServiceAccountToken"] != .bool(false) {
            binds.append(BindMount(source: "\(podDirectory)/serviceaccount", target: "/var/run/secrets/kubernetes.io/serviceaccount",
                                   readOnly: true))
        }
        let termPath = terminationFile(name)
        _ = fm.createFile(atPath: termPath, contents: nil)
        binds.append(BindMount(source: termPath, target: c["terminationMessagePath"]?.stringValue ?? "/dev/termination-log",
                               readOnly: false))
        var cwd = c["workingDir"]?.stringValue
        if let w = cwd, !fm.fileExists(atPath: w) {
            if isolate, !binds.contains(where: { w.hasPrefix($0.target) }) {
                let dir = "\(podDirectory)/workdirs/\(name)"
                try? fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                binds.append(BindMount(source: dir, target: w, readOnly: false))
            } else if !isolate {
                cwd = podDirectory
            }
        }
        let tmp = "\(podDirectory)/tmp"
        try? fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        // A program under /tmp (a checkout there, Skein's own binaries in it) is hidden by the
        // container's private /tmp: it is mounted at /var/run/skein-sim/bin instead, and
        // `skein` takes its emissary along (`skein executor init` copies it from beside itself).
        var executable = argv[0]
        if isolate, executable.hasPrefix("/tmp/") {
            let dir = "/var/run/skein-sim/bin"
            let base = (executable as NSString).lastPathComponent
            binds.append(BindMount(source: executable, target: "\(dir)/\(base)", readOnly: true))
            let emissary = (executable as NSString).deletingLastPathComponent + "/skein-emissary"
            if base == "skein", fm.isExecutableFile(atPath: emissary) {
                binds.append(BindMount(source: emissary, target: "\(dir)/skein-emissary", readOnly: true))
            }
            executable = "\(dir)/\(base)"
        }
        // Extra PATH directories under /tmp are hidden the same way: mount them elsewhere.
        var env = env
        if isolate, var path = env["PATH"] {
            for (i, dir) in kubelet.options.extraPath.enumerated() where dir.hasPrefix("/tmp/") {
                let target = "/var/run/skein-sim/path\(i)"
                binds.append(BindMount(source: dir, target: target, readOnly: true))
                path = path.split(separator: ":", omittingEmptySubsequences: false).map { $0 == dir ? target : String($0) }
                    .joined(separator: ":")
            }
            env["PATH"] = path
        }
        return SandboxSpec(executable: executable, arguments: Array(argv.dropFirst()), environment: env,
                           workingDirectory: cwd ?? (isolate ? "/" : podDirectory), privateTmp: tmp, binds: binds,
                           stdout: .pipe, stderr: .pipe, isolate: isolate)
    }

    func terminationFile(_ container: String) -> String {
        let dir = "\(podDirectory)/termination"
        try? fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return "\(dir)/\(container)"
    }
}
