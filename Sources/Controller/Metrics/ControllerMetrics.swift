import Prometheus
import Synchronization

/// The controller's Prometheus metrics, served at `/metrics`.
public final class ControllerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let reconcileDuration: DurationHistogram
    let podsCreated: Counter
    let queueDepth: Gauge
    /// From a finished pod being seen to the pods it lets start being created.
    let stepStartLatency: DurationHistogram
    /// Workflow key → when a finished pod of it was first seen, not yet followed by a reconcile.
    private let finishedSeen: Mutex<[String: ContinuousClock.Instant]> = Mutex([:])
    private let phaseGauges: Mutex<[String: Gauge]> = Mutex([:])
    private let requestCounters: Mutex<[String: Counter]> = Mutex([:])

    public init() {
        reconcileDuration = registry.makeDurationHistogram(
            descriptor: Self.name("reconcile_duration", "seconds", "Time one workflow reconcile takes"),
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
                      .milliseconds(500), .seconds(1), .seconds(5)])
        podsCreated = registry.makeCounter(descriptor: Self.name("pods_created", "total", "Pods the controller created"))
        queueDepth = registry.makeGauge(descriptor: Self.name("queue_depth", "", "Workflows waiting to be reconciled"))
        stepStartLatency = registry.makeDurationHistogram(
            descriptor: Self.name("step_start_latency", "seconds",
                                  "From a finished step's pod being seen to the create request of the pods it lets start"),
            buckets: [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
                      .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(500), .seconds(1), .seconds(5)])
    }

    func podFinished(workflow key: String) {
        let now = ContinuousClock.now
        finishedSeen.withLock { if $0[key] == nil { $0[key] = now } }
    }

    /// When a finished pod of the workflow was first seen since its last reconcile began.
    func takeFinishedSeen(workflow key: String) -> ContinuousClock.Instant? {
        finishedSeen.withLock { $0.removeValue(forKey: key) }
    }

    /// `skein_NAME_UNIT`, with its help text.
    static func name(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "skein", metricName: name, unitName: unit, helpText: help)
    }

    /// Counts one API response, by HTTP method and status code.
    public func apiRequest(method: String, code: Int) {
        let key = "\(method) \(code)"
        let counter = requestCounters.withLock { c in
            if let existing = c[key] { return existing }
            let made = registry.makeCounter(descriptor: Self.name("api_requests", "total", "Kubernetes API requests by verb and response code"),
                                            labels: [("verb", method), ("code", String(code))])
            c[key] = made
            return made
        }
        counter.increment()
    }

    /// Sets the number of workflows in each phase (empty phase: not started yet).
    func setWorkflows(byPhase counts: [String: Int]) {
        phaseGauges.withLock { g in
            for phase in Set(g.keys).union(counts.keys) {
                let gauge = g[phase] ?? {
                    let made = registry.makeGauge(descriptor: Self.name("workflows", "", "Workflows the controller watches, by phase"),
                                                  labels: [("phase", phase.isEmpty ? "Pending" : phase)])
                    g[phase] = made
                    return made
                }()
                gauge.set(Double(counts[phase] ?? 0))
            }
        }
    }

    /// The Prometheus text exposition of every metric.
    public func text() -> [UInt8] {
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }
}
