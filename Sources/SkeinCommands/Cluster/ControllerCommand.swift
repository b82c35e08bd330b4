import ArgumentParser
import Controller
import Dispatch
import Foundation
import KubeClient
import Logging
import SkeinJSON
import WorkflowModel

/// `skein controller`: runs Workflows on the cluster of the kubeconfig (or the pod's own).
struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Run the workflow controller: watch Workflows and run their steps as pods.",
        discussion: """
            Watches every namespace unless --namespace is given. Install the CRDs first \
            (kubectl apply -f crds/). Stops cleanly on SIGINT or SIGTERM.
            """
    )

    @Option(help: "Path to the kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or the pod's service account).")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context to use.")
    var context: String?

    @Option(name: [.short, .long], help: "Watch only this namespace.")
    var namespace: String?

    @Flag(name: [.customShort("A"), .long], help: "Watch every namespace (the default).")
    var allNamespaces = false

    @Option(help: "Read settings from this ConfigMap (NAME or NAMESPACE/NAME; default namespace: the pod's). Flags given override it.")
    var config: String?

    @Option(help: "Workflows reconciled at the same time (default: 8).")
    var workers: Int?

    @Option(help: "Requests per second to the API server, sustained (default: 50).")
    var qps: Float?

    @Option(help: "Requests the client may send in a burst above --qps (default: 100).")
    var burst: Int?

    @Option(help: "API group of Skein's kinds, as installed with `skein crds --group`.")
    var group = "skein.dev"

    @Option(help: "Skein's image, for the init and wait containers of steps with outputs or artifacts (default: ghcr.io/skein-dev/skein:\(SkeinVersion.current)).")
    var executorImage: String?

    @Option(help: "imagePullPolicy of the executor containers (Always, IfNotPresent, Never).")
    var executorImagePullPolicy: String?

    @Option(help: "Keep artifacts in this PersistentVolumeClaim (in each workflow's namespace).")
    var artifactPvc: String?

    @Option(help: "Keep artifacts in this directory of the node (a hostPath volume; single-node clusters and tests).")
    var artifactHostPath: String?

    @Option(help: "Serve /healthz, /readyz and /metrics (Prometheus) on this port; 0 picks a free one.")
    var metricsPort = 9090

    @Flag(help: "Do not serve health checks and metrics.")
    var noMetrics = false

    @Option(help: "Most workflows running at once; the others wait, Pending (0, the default: no limit).")
    var parallelism: Int?

    @Option(help: "Most workflows running at once in one namespace (0, the default: no limit).")
    var namespaceParallelism: Int?

    @Option(help: "Kubernetes Events to record about workflows: none, failures (the default: failed workflows and steps) or all (also running and succeeded).")
    var events: String?

    @Option(help: "How long a step's wait container retries writing its outputs through passing API errors (default: 5m).")
    var reportTimeout: String?

    @Flag(help: "Let resource steps act on cluster-scoped objects (Namespaces, CRDs, ClusterRoles...); by default they act only on namespaced objects of their workflow's namespace.")
    var allowClusterScopedResources = false

    @Flag(help: "Work only while holding a Lease (hot standby for several replicas).")
    var leaderElect = false

    @Option(help: "Namespace of the leader-election Lease (default: the pod's namespace, else skein).")
    var leaderElectionNamespace: String?

    @Option(help: "Run only workflows labelled workflows.GROUP/controller-instanceid=ID (others are left to other controllers).")
    var instanceID: String?

    func validate() throws {
        if namespace != nil && allNamespaces { throw ValidationError("give either --namespace or --all-namespaces, not both") }
        if artifactPvc != nil && artifactHostPath != nil {
            throw ValidationError("give either --artifact-pvc or --artifact-host-path, not both")
        }
        if let w = workers, w < 1 { throw ValidationError("--workers must be at least 1") }
        if let p = parallelism, p < 0 { throw ValidationError("--parallelism must be 0 (no limit) or more") }
        if let p = namespaceParallelism, p < 0 { throw ValidationError("--namespace-parallelism must be 0 (no limit) or more") }
        if let t = reportTimeout, Durations.seconds(t) == nil { throw ValidationError("--report-timeout '\(t)' is not a duration like 5m") }
        if let e = events, EventPolicy(rawValue: e) == nil { throw ValidationError("--events must be none, failures or all, not '\(e)'") }
        if let p = executorImagePullPolicy, !["Always", "IfNotPresent", "Never"].contains(p) {
            throw ValidationError("--executor-image-pull-policy must be Always, IfNotPresent or Never, not '\(p)'")
        }
    }

    /// The namespace of the pod this runs in, if it runs in one.
    var podNamespace: String? {
        (try? String(contentsOfFile: ConfigLoader.serviceAccountDirectory + "/namespace", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func run() async throws {
        LogSetup.bootstrap()
        var clientConfig: ClientConfiguration
        do {
            clientConfig = try ConfigLoader.load(kubeconfig: kubeconfig, context: context)
        } catch {
            Terminal.printError("\(error)")
            throw ExitCode(2)
        }
        // The ConfigMap's settings, under the flags given.
        var file = ControllerConfigMap()
        if let name = config {
            do {
                file = try await ControllerConfigMap.load(name, client: try KubeClient(clientConfig),
                                                          defaultNamespace: podNamespace ?? clientConfig.namespace)
            } catch let f as CLIFailure {
                Terminal.printError("error: \(f.description)")
                throw ExitCode(f.code)
            }
        }
        clientConfig.qps = qps ?? file.qps ?? 50
        clientConfig.burst = burst ?? file.burst ?? 100
        let metrics = ControllerMetrics()
        let client = try KubeClient(clientConfig, observer: { method, code in metrics.apiRequest(method: method, code: code) })
        var artifactVolume: JSONValue?
        let pvc = artifactPvc ?? (artifactHostPath == nil ? file.artifactPVC : nil)
        let hostPath = artifactHostPath ?? (artifactPvc == nil ? file.artifactHostPath : nil)
        if let pvc { artifactVolume = ["persistentVolumeClaim": ["claimName": .string(pvc)]] }
        if let hostPath { artifactVolume = ["hostPath": ["path": .string(hostPath), "type": "DirectoryOrCreate"]] }
        var settings = ControllerSettings(namespace: namespace ?? file.namespace, workers: workers ?? file.workers ?? 8, group: group,
                                          executorImage: executorImage ?? file.executorImage ?? "ghcr.io/skein-dev/skein:\(SkeinVersion.current)",
                                          executorImagePullPolicy: executorImagePullPolicy ?? file.executorImagePullPolicy,
                                          artifactVolume: artifactVolume, instanceID: instanceID ?? file.instanceID,
                                          parallelism: parallelism ?? file.parallelism ?? 0,
                                          namespaceParallelism: namespaceParallelism ?? file.namespaceParallelism ?? 0)
        settings.version = SkeinVersion.current
        if artifactPvc == nil && artifactHostPath == nil { settings.s3Repository = file.s3Repository }
        settings.archiveLogs = file.archiveLogs ?? false
        settings.events = events.flatMap(EventPolicy.init(rawValue:)) ?? file.events ?? .failures
        settings.clusterScopedResources = allowClusterScopedResources || (file.clusterScopedResources ?? false)
        settings.reportTimeout = reportTimeout.flatMap(Durations.seconds) ?? file.reportTimeout
        settings.images.merge(file.images ?? [:]) { _, mine in mine }
        // `skein version` reads it there: the pod's namespace (deploy/ puts it in skein).
        settings.infoNamespace = podNamespace ?? leaderElectionNamespace ?? "skein"
        let identity = ProcessInfo.processInfo.environment["POD_NAME"] ?? ProcessInfo.processInfo.hostName + "-\(getpid())"
        settings.identity = identity
        let controller = WorkflowController(client: client, settings: settings, metrics: metrics)
        let port: Int? = noMetrics ? nil : metricsPort
        var election: LeaderElector.Configuration?
        if leaderElect {
            election = LeaderElector.Configuration(leaseName: "skein-controller" + (instanceID.map { "-" + $0 } ?? ""),
                                                   namespace: leaderElectionNamespace ?? podNamespace ?? "skein", identity: identity)
        }
        let task = Task {
            await controller.run(metricsPort: port, onListening: { p in
                FileHandle.standardError.write(Data("skein controller: health checks and metrics on port \(p)\n".utf8))
            }, leaderElection: election)
        }
        let stop = StopSignals { task.cancel() }
        let reason = await task.value
        stop.cancel()
        if reason == .lostLeadership {
            Terminal.printError("lost the leader-election lease: stopping so that the other replica carries on")
            throw ExitCode(1)
        }
    }
}

/// SIGINT and SIGTERM call `handler` once (a graceful stop).
final class StopSignals {
    let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable () -> Void) {
        var s: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler(handler: handler)
            src.resume()
            s.append(src)
        }
        sources = s
    }

    func cancel() {
        for s in sources { s.cancel() }
        for sig in [SIGINT, SIGTERM] { signal(sig, SIG_DFL) }
    }
}
