import ArgumentParser
import Artifacts
import Controller
import Executor
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import WorkflowEngine
import WorkflowModel

/// Where a workflow's artifacts are, for the CLI: the repository its status records
/// (`status.artifactRepositoryRef`, written by the controller when it starts the workflow),
/// or the S3 location an artifact names as its own. S3 keys come from the Secrets the
/// repository names, read through the API with the caller's rights; where those cannot be
/// read, from the AWS environment and profile, as the AWS CLI reads them.
struct WorkflowArtifactAccess: Sendable {
    let cluster: Cluster
    let workflowName: String
    let record: JSONValue?

    init(cluster: Cluster, workflow object: JSONValue) {
        self.cluster = cluster
        workflowName = object.name ?? "?"
        record = object["status"]?["artifactRepositoryRef"]?["artifactRepository"]
    }

    /// One recorded artifact of a node.
    struct Entry: Sendable {
        var node: NodeStatus
        var artifact: Artifact
        var key: String
        var location: S3Location?
        /// Where it is, for listings: `s3://bucket/key` or the repository's key.
        var whereText: String
    }

    /// The artifacts the workflow's nodes recorded, in the order the steps started.
    func entries(_ wf: Workflow, node only: String?) -> [Entry] {
        let nodes = (wf.status?.nodes ?? [:]).values
            .filter { only == nil || $0.displayName == only || $0.name == only || $0.id == only }
            .sorted { ($0.startedAt?.seconds ?? 0, $0.name) < ($1.startedAt?.seconds ?? 0, $1.name) }
        var out: [Entry] = []
        for n in nodes where n.type == .pod {
            for a in n.outputs?.artifacts ?? [] {
                guard let key = a.key else { continue }
                let location = try? S3Location.parse(a.s3, field: "\(n.name).outputs.artifacts.\(a.name).s3")
                var whereText = key
                if let l = location ?? nil {
                    whereText = "s3://\(l.bucket)/\(key)"
                } else if let s3 = record?["s3"], let bucket = s3["bucket"]?.stringValue {
                    let prefix = s3["keyPrefix"]?.stringValue.map { $0.hasSuffix("/") || $0.isEmpty ? $0 : $0 + "/" } ?? ""
                    whereText = "s3://\(bucket)/\(prefix)\(key)"
                }
                out.append(Entry(node: n, artifact: a, key: key, location: location ?? nil, whereText: whereText))
            }
        }
        return out
    }

    /// The store that holds `entry`.
    func store(for entry: Entry) async throws -> any ArtifactStore {
        if let l = entry.location {
            let credentials = await secretCredentials(access: l.accessKeySecret, secret: l.secretKeySecret, token: l.sessionTokenSecret)
            let aws = AWSConfiguration.resolve()
            let endpoint = S3Endpoint(url: l.endpointURL ?? aws.endpointURL, region: l.region ?? aws.region, caBundle: aws.caBundle, credentials: credentials ?? aws.credentials)
            return try await withOptions(S3Store(client: S3Client(endpoint: endpoint), bucket: l.bucket), l.options)
        }
        return try await repository()
    }

    /// The workflow's artifact repository.
    func repository() async throws -> any ArtifactStore {
        guard let record else {
            throw CLIFailure("workflow \(workflowName) records no artifact repository (status.artifactRepositoryRef)",
                             fix: "it ran on a controller without one, or before Skein recorded it; its artifacts are where that controller kept them")
        }
        if let s3 = record["s3"] {
            let repo: S3Repository
            do {
                repo = try S3Repository.parse(s3, field: "status.artifactRepositoryRef.artifactRepository.s3")
            } catch {
                throw CLIFailure("workflow \(workflowName): \(error)")
            }
            func ref(_ r: S3Repository.SecretKey?) -> S3Location.SecretKeyRef? { r.map { .init(name: $0.name, key: $0.key) } }
            let credentials = await secretCredentials(access: ref(repo.accessKeySecret), secret: ref(repo.secretKeySecret),
                                                      token: ref(repo.sessionTokenSecret))
            let aws = AWSConfiguration.resolve()
            let endpoint = S3Endpoint(url: repo.endpointURL ?? aws.endpointURL, region: repo.region ?? aws.region, caBundle: aws.caBundle,
                                      credentials: credentials ?? aws.credentials)
            return try await withOptions(S3Store(client: S3Client(endpoint: endpoint), bucket: repo.bucket, prefix: repo.keyPrefix ?? ""), repo.options)
        }
        if let path = record["volume"]?["hostPath"]?["path"]?.stringValue {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CLIFailure("the artifacts of \(workflowName) are in the directory \(path) of the cluster's nodes (hostPath), which this machine does not have",
                                 fix: "read them on the node, or give the controller an S3 repository (artifactRepository in its ConfigMap)")
            }
            return LocalDirectoryStore(root: path)
        }
        if let claim = record["volume"]?["persistentVolumeClaim"]?["claimName"]?.stringValue {
            throw CLIFailure("the artifacts of \(workflowName) are in the volume claim \(claim), which the CLI cannot read",
                             fix: "copy them from a pod that mounts the claim (kubectl cp), or give the controller an S3 repository")
        }
        throw CLIFailure("workflow \(workflowName): its artifact repository is of a kind the CLI cannot read")
    }

    /// The store with its encryption and CA bundle, their Secrets read with the caller's rights.
    func withOptions(_ store: S3Store, _ options: S3Options) async throws -> S3Store {
        var env = ProcessInfo.processInfo.environment
        for ref in options.secrets {
            if let v = await secretValue(ref) { env[ref.environmentVariable] = v }
        }
        do {
            return try ArtifactStores.configured(store, options, environment: env, what: "s3://\(store.bucket)")
        } catch {
            throw CLIFailure("\(error)", fix: "the CLI reads the Secret in namespace \(cluster.namespace) with your rights")
        }
    }

    func secretValue(_ ref: S3Location.SecretKeyRef) async -> String? {
        guard let object = try? await cluster.client.get(.secrets, ref.name, namespace: cluster.namespace) else { return nil }
        if let text = object["data"]?[ref.key]?.stringValue, let data = Data(base64Encoded: text) { return String(decoding: data, as: UTF8.self) }
        return object["stringData"]?[ref.key]?.stringValue
    }

    /// The keys from the Secrets named, when the caller may read them; nil otherwise.
    func secretCredentials(access: S3Location.SecretKeyRef?, secret: S3Location.SecretKeyRef?,
                           token: S3Location.SecretKeyRef?) async -> AWSCredentials? {
        func value(_ ref: S3Location.SecretKeyRef?) async -> String? {
            guard let ref else { return nil }
            return await secretValue(ref)
        }
        guard let id = await value(access), let key = await value(secret) else { return nil }
        return AWSCredentials(accessKeyID: id, secretAccessKey: key, sessionToken: await value(token))
    }
}

struct ArtifactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifacts",
        abstract: "List and download the artifacts of a workflow's steps.",
        discussion: """
            Artifacts are read where the controller kept them: the workflow's S3 repository \
            (with the keys of the Secrets it names, or else as the AWS CLI finds them) or a \
            hostPath directory this machine has, and S3 locations of their own.
            """,
        subcommands: [ArtifactsListCommand.self, ArtifactsGetCommand.self]
    )
}

struct ArtifactsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a workflow's artifacts: step, name and where each is.")

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The workflow (or @latest).")
    var workflow: String

    @Argument(help: "Only this step (its name, node name or id).")
    var node: String?

    @Option(name: [.short, .customLong("output")], help: "json or yaml instead of the table.")
    var output: OutputFormat?

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            let object = try await c.workflowObject(workflow)
            let access = WorkflowArtifactAccess(cluster: c, workflow: object)
            let entries = access.entries(try Cluster.decode(object), node: node)
            if let output {
                let rows: [JSONValue] = entries.map {
                    ["step": .string($0.node.displayName), "node": .string($0.node.name), "name": .string($0.artifact.name),
                     "key": .string($0.key), "location": .string($0.whereText)]
                }
                print(output.render(.array(rows)))
                return
            }
            if entries.isEmpty {
                Terminal.printError(node.map { "workflow \(object.name ?? workflow) has no artifacts of step '\($0)'" } ?? "workflow \(object.name ?? workflow) has no artifacts")
                return
            }
            let rows = [["STEP", "NAME", "LOCATION"]] + entries.map { [$0.node.displayName, $0.artifact.name, $0.whereText] }
            let widths = (0..<3).map { i in rows.map { $0[i].count }.max() ?? 0 }
            for r in rows {
                print(r.enumerated().map { i, t in i == 2 ? t : t.padding(toLength: widths[i] + 3, withPad: " ", startingAt: 0) }.joined())
            }
        }
    }
}

struct ArtifactsGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Download a workflow's artifacts into a directory, as STEP/NAME.",
        discussion: "Archived artifacts (.tgz) are unpacked, as a step receives them.")

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The workflow (or @latest).")
    var workflow: String

    @Argument(help: "Only this step (its name, node name or id).")
    var node: String?

    @Argument(help: "Only the artifact of this name.")
    var name: String?

    @Option(name: [.short, .customLong("output-dir")], help: "Where to put them (default: the current directory).")
    var outputDirectory = "."

    func run() async throws {
        try await CLIFailure.reporting {
            let c = try cluster.connect()
            let object = try await c.workflowObject(workflow)
            let access = WorkflowArtifactAccess(cluster: c, workflow: object)
            let entries = access.entries(try Cluster.decode(object), node: node).filter { name == nil || $0.artifact.name == name }
            guard !entries.isEmpty else {
                let what = [node.map { "step '\($0)'" }, name.map { "name '\($0)'" }].compactMap { $0 }.joined(separator: " and ")
                throw CLIFailure("workflow \(object.name ?? workflow) has no artifacts\(what.isEmpty ? "" : " with " + what)",
                                 fix: "`skein artifacts list \(object.name ?? workflow)` shows what it has")
            }
            // Steps of the same name (loops, retries) keep apart by their node names.
            let counts = Dictionary(grouping: entries, by: { $0.node.displayName }).mapValues { Set($0.map(\.node.id)).count }
            for e in entries {
                let folder = (counts[e.node.displayName] ?? 1) > 1 ? e.node.name : e.node.displayName
                let dest = (outputDirectory as NSString).appendingPathComponent(folder.replacingOccurrences(of: "/", with: "_") + "/" + e.artifact.name)
                let store = try await access.store(for: e)
                do {
                    try ArtifactFetcher.fetch(.store(key: e.key), from: store, to: dest, unpack: e.artifact.archive?.none == nil)
                } catch {
                    throw CLIFailure("cannot download artifact \(e.artifact.name) of step \(e.node.displayName) from \(e.whereText): \(error)")
                }
                print(dest)
            }
        }
    }
}
