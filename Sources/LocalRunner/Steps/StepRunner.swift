import Foundation
import WorkflowModel
import WorkflowEngine
import Sandbox
import Artifacts
import Executor

/// Runs one step on the host: stages input artifacts, builds the sandbox (private /tmp,
/// artifacts and volumes bind-mounted at their paths), runs the command through
/// `skein-emissary`, and collects outputs into an observation.
struct StepRunner: Sendable {
    let launch: StepLaunch
    let settings: RunSettings
    let volumes: [String: JSONValue]
    let log: @Sendable (String, String, Bool) -> Void

    /// Where everything for this step lives on the host.
    var stepDirectory: String { "\(settings.runDirectory)/steps/\(launch.podName)" }

    /// The host path of the step's ARGO_PROGRESS_FILE.
    var progressFile: String { "\(stepDirectory)/\(StepProgress.fileName)" }
    /// What the step writes to /dev/termination-log, as a container's termination message
    /// (the node's message when it fails, as on a cluster).
    var terminationFile: String { "\(stepDirectory)/termination-log" }

    /// The termination message the step left, if any (at most 4 KiB, as the kubelet reads it).
    var terminationMessage: String? {
        guard let h = FileHandle(forReadingAtPath: terminationFile) else { return nil }
        defer { try? h.close() }
        let text = String(decoding: (try? h.read(upToCount: 4096)) ?? Data(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// The in-sandbox directory the step's control files appear at (as in a pod).
    static let skeinDir = "/var/run/skein"

    func prepare() throws -> (SandboxSpec, controlHost: String, plan: OutputPlan) {
        let fm = FileManager.default
        let dir = stepDirectory
        // Two directories per step: creating directories was most of a short step's cost on
        // ext4 (its inode allocator scans for recently deleted inodes). The step's directory
        // is its /var/run/skein: control files (exit code, stdout, outputs), the script, and
        // the private /tmp in `tmp`.
        let skeinHost = dir
        let controlHost = skeinHost
        try fm.createDirectory(atPath: "\(dir)/tmp", withIntermediateDirectories: true)
        let isolate = settings.isolate
        let inside = isolate ? StepRunner.skeinDir : skeinHost

        let hostPath = settings.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        var command: StepCommand
        do {
            command = try StepCommand.resolve(launch.template, stepName: launch.displayName, images: settings.images, path: hostPath)
        } catch {
            throw StepFailure(message: error.description)
        }
        if let source = command.scriptSource {
            let scriptHost = "\(skeinHost)/script"
            try source.write(toFile: scriptHost, atomically: true, encoding: .utf8)
            // Executable, as in Argo: `command: [sh, -c]` runs the script file by its path.
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scriptHost)
            command.argv.append("\(inside)/script")
        }

        var binds: [BindMount] = []
        // The container's /dev/termination-log, as the kubelet gives one. Its mount point is
        // made on the host first, which only root may do in /dev.
        if isolate, fm.fileExists(atPath: "/dev/termination-log") || geteuid() == 0 {
            _ = fm.createFile(atPath: terminationFile, contents: nil)
            binds.append(BindMount(source: terminationFile, target: "/dev/termination-log", readOnly: false))
        }
        let staged = try InputFetcher.fetch(launch.inputArtifacts, stores: settings.stores, stagingDirectory: "\(dir)/inputs")
        if isolate {
            for s in staged { binds.append(BindMount(source: s.hostPath, target: s.path, readOnly: false)) }
        } else {
            for s in staged { try StepRunner.copyReplacing(s.hostPath, to: s.path) }
        }

        // Volumes: emptyDir (and claims, which are directories locally) per run.
        let container = ContainerView(launch.template.container ?? launch.template.script ?? .object([:]))
        for m in container.volumeMounts {
            let vol = volumes[m.name] ?? (launch.template.volumes ?? []).first(where: { $0["name"]?.stringValue == m.name })
            guard let vol else {
                throw StepFailure(message: "step '\(launch.displayName)': volumeMount '\(m.name)' names no volume; add it to spec.volumes or the template's volumes")
            }
            let kind = vol.objectValue?.keys.first(where: { $0 != "name" }) ?? "emptyDir"
            guard ["emptyDir", "persistentVolumeClaim", "claim"].contains(kind) else {
                throw StepFailure(message: "step '\(launch.displayName)': volume '\(m.name)' is a \(kind), which needs a cluster; skein run supports emptyDir volumes and volumeClaimTemplates")
            }
            // A claim made for the run is a directory of the run; an existing claim, a
            // directory kept between runs (.skein/volumes/CLAIM), as the claim outlives workflows.
            var host = "\(settings.runDirectory)/volumes/\(m.name)"
            if kind == "persistentVolumeClaim", let claim = vol["persistentVolumeClaim"]?["claimName"]?.stringValue, !claim.isEmpty,
               !claim.contains("/"), claim != "..", claim != "." {
                host = "\(settings.workingDirectory)/.skein/volumes/\(claim)"
            }
            if let sub = m.subPath, !sub.isEmpty { host += "/\(sub)" }
            try fm.createDirectory(atPath: host, withIntermediateDirectories: true)
            if isolate {
                binds.append(BindMount(source: host, target: m.mountPath, readOnly: m.readOnly))
            } else if m.mountPath != host {
                throw StepFailure(message: "step '\(launch.displayName)': volume mounts need mount namespaces, which are not available here")
            }
        }

        var emissary = settings.emissaryPath
        if isolate {
            binds.append(BindMount(source: skeinHost, target: StepRunner.skeinDir, readOnly: false))
            // The emissary runs from its host path, which the sandbox still sees, unless
            // it lives under /tmp (hidden by the private /tmp): then it is bound in.
            if settings.emissaryPath.hasPrefix("/tmp/") {
                try fm.createDirectory(atPath: "\(skeinHost)/bin", withIntermediateDirectories: true)
                binds.append(BindMount(source: settings.emissaryPath, target: "\(StepRunner.skeinDir)/bin/skein-emissary", readOnly: true))
                emissary = "\(StepRunner.skeinDir)/bin/skein-emissary"
            }
            // Host directories under /tmp the step still needs (PATH entries, the working
            // directory) stay visible at their own paths.
            var keep: [String] = hostPath.split(separator: ":").map(String.init).filter { $0.hasPrefix("/tmp/") }
            if settings.workingDirectory.hasPrefix("/tmp/") { keep.append(settings.workingDirectory) }
            for k in Set(keep).sorted() where fm.fileExists(atPath: k) && !binds.contains(where: { $0.target == k }) {
                binds.append(BindMount(source: k, target: k, readOnly: false))
            }
        }

        let plan = OutputPlan(launch: launch)
        let invocation = EmissaryInvocation(controlDirectory: inside, outputPaths: plan.paths, command: command.argv)
        var env = settings.environment
        for (k, v) in container.env { env[k] = v }
        env["ARGO_TEMPLATE"] = nil
        env["SKEIN_NODE_NAME"] = launch.nodeName
        env["SKEIN_POD_NAME"] = launch.podName
        env[StepProgress.environmentVariable] = "\(inside)/\(StepProgress.fileName)"
        let cwd = container.workingDir ?? settings.workingDirectory
        let spec = SandboxSpec(executable: emissary, arguments: invocation.arguments, environment: env,
                               workingDirectory: cwd, privateTmp: isolate ? "\(dir)/tmp" : nil, binds: binds,
                               stdout: .pipe, stderr: .pipe, isolate: isolate)
        return (spec, controlHost, plan)
    }

    static func copyReplacing(_ src: String, to dest: String) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: dest) { try fm.removeItem(atPath: dest) }
        try fm.createDirectory(atPath: (dest as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try fm.copyItem(atPath: src, toPath: dest)
    }
}

struct StepFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
