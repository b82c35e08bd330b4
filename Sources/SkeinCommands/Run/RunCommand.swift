import Executor
import Foundation
import ArgumentParser
import WorkflowModel
import WorkflowEngine
import LocalRunner
import Artifacts
import Sandbox

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a workflow on this machine, with no cluster.",
        discussion: """
        Each step runs as a host process in a private mount namespace (its own /tmp, input \
        artifacts mounted at their paths). Other files, and other documents in the same file, \
        are the WorkflowTemplates that templateRef and workflowTemplateRef use. Exit code: 0 \
        when the workflow Succeeded, 1 when it failed, 2 for invalid input.
        """
    )

    @Argument(help: "The workflow file, then any files with the templates it references.")
    var files: [String]

    @Option(name: [.short, .customLong("parameter")], help: "Set a workflow parameter (repeatable): -p name=value.")
    var parameters: [String] = []

    @Option(name: .customLong("parameter-file"), help: "A YAML or JSON file of parameter values (name: value).")
    var parameterFile: String?

    @Option(help: "Run this template instead of spec.entrypoint.")
    var entrypoint: String?

    @Option(name: [.short, .customLong("output")], help: "Print the final Workflow object: json or yaml.")
    var output: OutputFormat?

    @Option(help: """
        Where artifacts passed between steps are kept: a directory, or s3://bucket/prefix (endpoint, \
        region and keys as the AWS CLI reads them: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS_REGION, \
        AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE and ~/.aws).
        """)
    var artifacts: String = ".skein/artifacts"

    @Option(name: .customLong("s3-endpoint"), help: "The S3 server for --artifacts s3://... (e.g. http://127.0.0.1:9000); path-style addressing.")
    var s3Endpoint: String?

    @Option(name: .customLong("s3-region"), help: "The S3 region for --artifacts s3://... (default as the AWS CLI finds it, else us-east-1).")
    var s3Region: String?

    @Option(help: "Run at most this many steps at once.")
    var parallelism: Int?

    @Option(help: "Image map (image pattern -> entrypoint/cmd) for containers without a command (default .skein/images.yaml).")
    var images: String?

    @Option(name: .customLong("resume-with"),
            help: "A value for the suspend steps' valueFrom.supplied outputs when SIGUSR1 resumes them (repeatable): --resume-with name=value.")
    var resumeWith: [String] = []

    @Flag(help: "Keep each step's scratch directory (for debugging).")
    var keep = false

    func validate() throws {
        if let p = parallelism, p < 1 { throw ValidationError("--parallelism must be at least 1") }
        for p in parameters where !p.contains("=") {
            throw ValidationError("-p \(p): write -p name=value")
        }
        for p in resumeWith where !p.contains("=") {
            throw ValidationError("--resume-with \(p): write --resume-with name=value")
        }
    }

    func run() async throws {
        let (workflow, templates, configMaps) = try prepare()
        var settings = try makeSettings(workflowName: workflow.metadata.name ?? "workflow")
        try useReferencedRepository(workflow, configMaps: configMaps, settings: &settings)
        let tty = output == nil && Terminal.isTTY(1)
        let fd: Int32 = output == nil ? 1 : 2
        let display: any RunObserver = tty ? TreeDisplay(fd: fd, color: Terminal.colorAllowed) : PlainDisplay(fd: fd)
        if !settings.isolate {
            display.notice("warning: mount namespaces are not available (run as root or enable user namespaces); steps run as plain processes sharing /tmp")
        }
        let run = LocalRun(workflow: workflow, templates: templates, configMaps: configMaps, settings: settings, observer: display)
        let signals = SignalHandlers(run: run, display: display, supplying: NameValue.pairs(resumeWith))
        let final = await run.run()
        signals.cancel()
        (display as? TreeDisplay)?.finish()
        if keep { Terminal.printError("step directories kept in \(settings.runDirectory)/steps") }
        let phase = final.status?.phase ?? .unknown
        let duration = StatusTree.formatDuration((final.status?.finishedAt?.seconds ?? 0) - (final.status?.startedAt?.seconds ?? 0))
        var summary = "Workflow \(final.metadata.name ?? "") \(phase.rawValue) in \(duration)"
        if let m = final.status?.message, phase != .succeeded { summary += ": \(m)" }
        Output.line(summary, fd: fd)
        if let output {
            let value = (try? JSONValueEncoding.encode(final)) ?? .null
            print(output.render(value))
        }
        if phase != .succeeded { throw ExitCode(1) }
    }

    /// Load, override, lint and decode: any problem here is exit code 2.
    func prepare() throws -> (Workflow, TemplateLibrary, ConfigMapData) {
        var chosen: JSONValue?
        do {
            let docs = try InputFiles.load(files)
            var selection = try WorkflowSelection.choose(docs)
            chosen = selection.document.raw
            var params: [(String, String)] = []
            if let f = parameterFile { params += try WorkflowSelection.parameterFile(f) }
            for p in parameters {
                let parts = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                params.append((String(parts[0]), parts.count > 1 ? String(parts[1]) : ""))
            }
            try selection.override(parameters: params, entrypoint: entrypoint, parallelism: parallelism)
            chosen = selection.document.raw
            let problems = Linter.lint([selection.document] + selection.templates)
            if !problems.isEmpty { throw Diagnostics(problems) }
            let ignored = IgnoredFields.warnings([selection.document] + selection.templates, runtime: .local)
            if !ignored.isEmpty { Terminal.printDiagnostics(ignored, warning: true) }
            var workflow: Workflow
            var templates: [WorkflowTemplate] = []
            do {
                workflow = try selection.document.decode(Workflow.self)
                for t in selection.templates { templates.append(try t.decode(WorkflowTemplate.self)) }
            } catch {
                throw Diagnostics([error])
            }
            RunCommand.name(&workflow)
            // ConfigMaps given beside the workflow: for configMapKeyRef, and the artifact
            // repository's (artifactRepositoryRef, or the annotated artifact-repositories).
            let configMaps = try InputFiles.configMaps(files)
            return (workflow, TemplateLibrary(templates), configMaps)
        } catch let d as Diagnostics {
            Terminal.printDiagnostics(d.items)
            if let output { print(output.render(RunCommand.invalidWorkflow(chosen, problems: d.items))) }
            throw ExitCode(2)
        }
    }

    /// With `-o json|yaml`, a workflow that fails validation is still answered with a Workflow
    /// object: phase Error, the problems in its message, as the controller would record it.
    static func invalidWorkflow(_ document: JSONValue?, problems: [Diagnostic]) -> JSONValue {
        var object: [String: JSONValue] = [:]
        if case .object(let o)? = document { object = o }
        if object["apiVersion"] == nil { object["apiVersion"] = "argoproj.io/v1alpha1" }
        object["kind"] = "Workflow"
        var metadata: [String: JSONValue] = [:]
        if case .object(let m)? = object["metadata"] { metadata = m }
        if metadata["name"] == nil, case .string(let g)? = metadata["generateName"] { metadata["name"] = .string(g) }
        object["metadata"] = .object(metadata)
        let now = JSONValue.string(Timestamp(seconds: Date().timeIntervalSince1970.rounded(.down)).description)
        object["status"] = .object([
            "phase": "Error",
            "message": .string(Diagnostic.invalidWorkflowMessage(problems)),
            "startedAt": now,
            "finishedAt": now,
        ])
        return .object(object)
    }

    /// A run's identity: the name (generateName gets a random suffix), a uid, a creation time.
    static func name(_ wf: inout Workflow) {
        if wf.metadata.name == nil {
            let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
            let suffix = String((0..<5).map { _ in alphabet.randomElement()! })
            wf.metadata.name = (wf.metadata.generateName ?? "workflow-") + suffix
        }
        wf.metadata.uid = wf.metadata.uid ?? UUID().uuidString.lowercased()
        wf.metadata.namespace = wf.metadata.namespace ?? "default"
        wf.metadata.creationTimestamp = wf.metadata.creationTimestamp ?? Timestamp(seconds: Date().timeIntervalSince1970.rounded(.down)).description
    }

    /// Where steps' scratch directories (their private /tmp and control files) go: `$TMPDIR`
    /// when set, else the tmpfs at /dev/shm when there is one, else the system's temporary
    /// directory. On ext4, creating and deleting each step's directories was the largest
    /// part of a short step's cost (BENCHMARKS.md (b)); on tmpfs it is negligible.
    static func scratchBase() -> String {
        if let t = ProcessInfo.processInfo.environment["TMPDIR"], !t.isEmpty { return t }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDir), isDir.boolValue,
           access("/dev/shm", W_OK | X_OK) == 0 {
            return "/dev/shm"
        }
        return NSTemporaryDirectory()
    }

    /// The repository an `artifactRepositoryRef` (or an `artifact-repositories` ConfigMap with
    /// the default-key annotation) names among the files given, as the controller decides it
    /// from the namespace's ConfigMaps; its keys as the AWS CLI finds them (a local run reads
    /// no Secrets). A ref whose ConfigMap is not among the files leaves `--artifacts`.
    func useReferencedRepository(_ workflow: Workflow, configMaps: ConfigMapData, settings: inout RunSettings) throws {
        let ref = workflow.spec.artifactRepositoryRef
        let name = ArtifactRepositories.configMapName(ref)
        let cm = configMaps.maps[name].map { ArtifactRepositories.ConfigMap(data: $0, annotations: configMaps.annotations[name] ?? [:]) }
        if ref != nil && cm == nil {
            Terminal.printError("warning: spec.artifactRepositoryRef: ConfigMap \(name) is not among the files given; artifacts go to \(artifacts)")
            return
        }
        let record: JSONValue?
        do {
            record = try ArtifactRepositories.resolve(ref: ref, namespace: workflow.metadata.namespace ?? "default", configMap: cm)
        } catch {
            Terminal.printDiagnostics([Diagnostic(SourceLocation(file: files.first ?? "workflow"), error.description)])
            throw ExitCode(2)
        }
        guard let record, let repo = ArtifactRepositories.s3(of: record) else { return }
        let aws = AWSConfiguration.resolve()
        let endpoint = S3Endpoint(url: repo.endpointURL ?? s3Endpoint ?? aws.endpointURL, region: repo.region ?? s3Region ?? aws.region, caBundle: aws.caBundle,
                                  credentials: aws.credentials)
        do {
            settings.store = try ArtifactStores.configured(S3Store(client: S3Client(endpoint: endpoint), bucket: repo.bucket, prefix: repo.keyPrefix ?? ""),
                                                           repo.options, environment: ProcessInfo.processInfo.environment,
                                                           what: "the artifact repository of ConfigMap \(name)")
        } catch {
            Terminal.printError("error: \(error)")
            throw ExitCode(2)
        }
        settings.artifactRepositoryRef = record
        Terminal.printError("artifacts go to s3://\(repo.bucket)/\(repo.keyPrefix ?? "") (ConfigMap \(name), key \(record["key"]?.stringValue ?? ""))")
    }

    func makeSettings(workflowName: String) throws -> RunSettings {
        guard let emissary = EmissaryLocator.find() else {
            Terminal.printError("error: skein-emissary not found next to skein or on PATH; build it with `swift build` or set SKEIN_EMISSARY to its path")
            throw ExitCode(2)
        }
        var userImages: [ImageMap.Entry] = []
        do {
            let path = images ?? ".skein/images.yaml"
            if images != nil || FileManager.default.fileExists(atPath: path) {
                userImages = try ImageMap.load(file: path)
            }
        } catch let d as Diagnostic {
            Terminal.printDiagnostics([d])
            throw ExitCode(2)
        }
        let runDir = (RunCommand.scratchBase() as NSString).appendingPathComponent("skein-run-\(workflowName)-\(UUID().uuidString.prefix(8))")
        let store: any ArtifactStore
        if artifacts.hasPrefix("s3://") {
            guard let (bucket, prefix) = S3Store.parse(url: artifacts) else {
                Terminal.printDiagnostics([Diagnostic(SourceLocation(file: "--artifacts"), "'\(artifacts)' names no bucket", fix: "write --artifacts s3://BUCKET/PREFIX")])
                throw ExitCode(2)
            }
            let aws = AWSConfiguration.resolve()
            let endpoint = S3Endpoint(url: s3Endpoint ?? aws.endpointURL, region: s3Region ?? aws.region, caBundle: aws.caBundle, credentials: aws.credentials)
            if aws.credentials == nil {
                Terminal.printError("warning: no AWS credentials found (environment, ~/.aws): requests to \(endpoint.description) are anonymous")
            }
            store = S3Store(client: S3Client(endpoint: endpoint), bucket: bucket, prefix: prefix)
        } else {
            store = LocalDirectoryStore(root: (artifacts as NSString).standardizingPath)
        }
        return RunSettings(runDirectory: runDir, store: store, images: ImageMap(userEntries: userImages),
                           emissaryPath: emissary, isolate: Sandbox.namespacesAvailable, keepRunDirectory: keep)
    }
}

enum Output {
    static func line(_ s: String, fd: Int32) {
        let h = fd == 2 ? FileHandle.standardError : FileHandle.standardOutput
        h.write(Data((s + "\n").utf8))
    }
}

/// Finds the `skein-emissary` binary: $SKEIN_EMISSARY, next to this executable, or on PATH.
enum EmissaryLocator {
    static func find() -> String? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["SKEIN_EMISSARY"], fm.isExecutableFile(atPath: env) { return env }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates = [
            exe.deletingLastPathComponent().appendingPathComponent("skein-emissary").path,
            Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("skein-emissary").path,
        ].compactMap { $0 }
        for c in candidates where fm.isExecutableFile(atPath: c) { return c }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let c = "\(dir)/skein-emissary"
            if fm.isExecutableFile(atPath: c) { return c }
        }
        return nil
    }
}
