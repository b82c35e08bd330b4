import Foundation
import Prometheus
public import KubeClient
import KubeAPI
public import Logging
import SkeinJSON
import WorkflowModel

/// `skein controller`: runs Workflows on a cluster, one pod per step.
///
/// Informers keep local copies of workflows, their pods and task results; every change
/// puts the workflow's `namespace/name` into a work queue; workers take keys one at a time
/// per workflow and reconcile them (`WorkflowReconciler`). A reconcile that fails is
/// retried with per-workflow exponential backoff; nothing a workflow contains can stop
/// the controller.
public final class WorkflowController: Sendable {
    public let settings: ControllerSettings
    let client: KubeClient
    let informers: ControllerInformers
    let queue = WorkQueue<String>(backoff: .init(base: .milliseconds(20), max: .seconds(60)))
    let reconciler: WorkflowReconciler
    let cron: CronScheduler
    let logger: Logger
    public let metrics: ControllerMetrics

    /// `metrics` should be the one the client reports its requests to (see `ControllerMetrics.apiRequest`).
    public init(client: KubeClient, settings: ControllerSettings, logger: Logger = Logger(label: "skein.controller"),
                metrics: ControllerMetrics = ControllerMetrics()) {
        self.client = client
        self.settings = settings
        self.logger = logger
        self.metrics = metrics
        let informers = ControllerInformers(client: client, settings: settings)
        self.informers = informers
        let queue = self.queue
        reconciler = WorkflowReconciler(client: client, settings: settings, informers: informers, logger: logger, metrics: metrics,
                                        requeue: { key, after in
                                            if after <= .zero { queue.add(key) } else { queue.addAfter(key, after) }
                                        })
        cron = CronScheduler(client: client, settings: settings, informers: informers, logger: logger)
        let label = settings.workflowLabel
        informers.workflows.onChange { change in queue.add(change.object.objectKey) }
        for dependent in [informers.pods, informers.taskResults] {
            dependent.onChange { change in
                let o = change.object
                guard let wf = o.labels[label] else { return }
                let key = "\(o.namespace ?? "")/\(wf)"
                if case .updated(let old, let new) = change, WorkflowController.finished(new), !WorkflowController.finished(old) {
                    metrics.podFinished(workflow: key)
                }
                queue.add(key)
            }
        }
    }

    static func finished(_ pod: JSONValue) -> Bool {
        let phase = pod["status"]?["phase"]?.stringValue
        return phase == "Succeeded" || phase == "Failed"
    }

    /// Workflows waiting to be reconciled.
    public var queueDepth: Int { queue.count }

    /// Whether the informers have listed everything once (the controller is ready).
    public var isReady: Bool { informers.workflows.hasSynced && informers.pods.hasSynced && informers.taskResults.hasSynced }

    /// The metrics, with the workflow and queue gauges brought up to date.
    public func metricsText() -> [UInt8] {
        var byPhase: [String: Int] = [:]
        for wf in informers.workflows.store.list() { byPhase[wf["status"]?["phase"]?.stringValue ?? "", default: 0] += 1 }
        metrics.setWorkflows(byPhase: byPhase)
        metrics.queueDepth.set(Double(queue.count))
        return metrics.text()
    }

    /// Runs until the task is cancelled; with `metricsPort`, also serves `/healthz`,
    /// `/readyz` and `/metrics` there (0 picks a free port, which `onListening` gets).
    /// With `leaderElection`, it works only while it holds the lease (a hot standby until
    /// then), and returns `.lostLeadership` if it loses it, after which it must not go on
    /// (the process exits and is started again).
    @discardableResult
    public func run(metricsPort: Int? = nil, onListening: @escaping @Sendable (Int) -> Void = { _ in },
                    leaderElection: LeaderElector.Configuration? = nil) async -> StopReason {
        await withTaskGroup(of: StopReason?.self) { group in
            if let port = metricsPort {
                group.addTask {
                    do {
                        try await HealthServer.run(port: port, controller: self, onListening: onListening)
                    } catch {
                        self.logger.error("cannot serve metrics and health checks on port \(port): \(error)")
                    }
                    // Without them the controller still does its work, until it is stopped.
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(60)) }
                    return nil
                }
            }
            group.addTask {
                guard let election = leaderElection else {
                    await self.runController()
                    return .stopped
                }
                let elector = LeaderElector(client: self.client, configuration: election)
                await elector.run(lead: { await self.runController() })
                return Task.isCancelled ? .stopped : .lostLeadership
            }
            var reason = StopReason.stopped
            while let next = await group.next() {
                if let r = next {
                    reason = r
                    break
                }
            }
            group.cancelAll()
            return reason
        }
    }

    public enum StopReason: Sendable {
        case stopped
        case lostLeadership
    }

    /// Informers and workers, until cancelled.
    /// Records the version of the controller that works (for `skein version`) in a ConfigMap
    /// of `settings.infoNamespace`. A failure is logged and otherwise ignored.
    func recordInfo() async {
        guard let namespace = settings.infoNamespace else { return }
        let started = Timestamp(seconds: Date().timeIntervalSince1970.rounded(.down)).description
        let identity = ProcessInfo.processInfo.environment["POD_NAME"] ?? ProcessInfo.processInfo.hostName
        let object: JSONValue = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": .string(settings.controllerInfoName), "namespace": .string(namespace)],
            "data": ["version": .string(settings.version), "identity": .string(identity), "startedAt": .string(started)],
        ]
        do {
            _ = try await client.apply(.configMaps, object, namespace: namespace, fieldManager: "skein-controller", force: true)
        } catch {
            logger.warning("cannot record the controller's version in ConfigMap \(namespace)/\(settings.controllerInfoName): \(error)")
        }
    }

    func runController() async {
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                for informer in informers.all {
                    group.addTask { await informer.run() }
                }
                group.addTask {
                    // Templates first (a workflow that references one must find it), but a cluster
                    // without those CRDs must not hold everything up.
                    await self.waitForSync(self.informers.workflowTemplates, self.informers.clusterWorkflowTemplates,
                                           upTo: .seconds(10))
                    await self.waitForSync(self.informers.pods, self.informers.taskResults, self.informers.workflows)
                    if Task.isCancelled { return }
                    self.logger.info("controller ready", metadata: ["workflows": "\(self.informers.workflows.store.count)"])
                    await self.recordInfo()
                    await withTaskGroup(of: Void.self) { workers in
                        for _ in 0..<max(1, self.settings.workers) {
                            workers.addTask { await self.work() }
                        }
                        workers.addTask {
                            await self.waitForSync(self.informers.cronWorkflows, upTo: .seconds(10))
                            await self.cron.run()
                        }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        } onCancel: {
            self.queue.shutDown()
        }
    }

    /// Waits until the informers have synced, the task is cancelled, or `limit` has passed.
    func waitForSync(_ informers: Informer..., upTo limit: Duration? = nil) async {
        let start = ContinuousClock.now
        while !Task.isCancelled, !informers.allSatisfy(\.hasSynced) {
            if let limit, ContinuousClock.now - start > limit { return }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    func work() async {
        while let key = await queue.next() {
            let start = ContinuousClock.now
            do {
                try await reconciler.reconcile(key)
                metrics.reconcileDuration.record(ContinuousClock.now - start)
                queue.forget(key)
            } catch is CancellationError {
                queue.done(key)
                return
            } catch {
                let delay = queue.addRateLimited(key)
                logger.warning("reconcile failed; retrying", metadata: ["workflow": "\(key)", "error": "\(error)", "in": "\(delay)"])
            }
            queue.done(key)
        }
    }
}

extension StoreChange {
    var object: JSONValue {
        switch self {
        case .added(let o), .deleted(let o): return o
        case .updated(_, let new): return new
        }
    }
}
