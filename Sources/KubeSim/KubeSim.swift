import Foundation
import Hummingbird
import HummingbirdTLS
import HummingbirdHTTP2
public import KubeAPI
public import LocalRunner
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
public import SkeinJSON
import Synchronization

// What KubeSim simplifies, compared with a real API server and kubelet:
// - Bodies are JSON (or YAML for apply patches); protobuf bodies are read only for the kinds
//   kubectl's imperative generators create most (v1 ConfigMap, Secret, Namespace,
//   ServiceAccount: `ProtobufBody`), others get 415; answers are always JSON.
// - No field validation (`fieldValidation` is accepted and ignored), no CRD schema checks or
//   defaulting, no conversion between custom resource versions (only `apiVersion` changes).
// - No RBAC: every authenticated client may do everything.
// - A continued list shows the objects as they are now after the last key (no snapshot);
//   its token still expires (410) once the history is compacted past it.
// - Server-side apply keeps `metadata.managedFields` (FieldsV1): apply conflicts (409, or
//   taken over with `force`), fields dropped from a manager's configuration removed, and
//   updates moving the fields they change to their manager. Writes of the status
//   subresource and the kubelet's pod status are not tracked; `null` in an applied
//   configuration is ignored.
// - Namespace deletion and garbage collection run synchronously within the delete request.
// - Discovery: legacy documents only (aggregated discovery requests get plain JSON, as from
//   an older server); OpenAPI v3 only tells kubectl that PATCH takes fieldValidation; v2 is 404.
// - Kubelet: images are never pulled (see `ImageMap`); containers are Ready while running (no
//   probes); only memory limits are enforced (OOMKilled); volumes: emptyDir, hostPath, configMap,
//   secret, persistentVolumeClaim (a shared directory per claim), downwardAPI fieldRefs; other
//   kinds are empty directories. Mount paths need private mount namespaces (root or user
//   namespaces); without them containers run in the pod's directory without their mounts.

/// How to start a simulated cluster.
public struct KubeSimOptions: Sendable {
    /// 0 picks a free port.
    public var port: Int
    /// Pods complete at once (Succeeded, exit code 0) without running anything.
    public var instant: Bool
    /// Where pod directories, volumes and logs go; nil makes a temporary one, removed by `stop()`.
    public var workDirectory: String?
    /// The `skein` binary that Skein's own image runs (images named `skein`, `*/skein:*`, ...).
    public var skeinBinary: String?
    /// Images to host commands, as for `skein run`.
    public var images: ImageMap
    /// How many changes the watch history keeps; older resourceVersions get 410 Gone.
    public var historyLimit: Int
    /// Seconds between BOOKMARK events of watches that allow them.
    public var bookmarkInterval: Double
    /// The bearer token clients present; nil makes a random one.
    public var token: String?
    /// Run containers in private mount namespaces when the machine allows it (volumes at their mount paths).
    public var isolate: Bool
    /// Offer HTTP/2 through ALPN (as API servers do), besides HTTP/1.1.
    public var http2: Bool
    /// Directories put before the host's PATH in every container (stand-ins for commands
    /// the images would have, such as the test shims for `argosay`).
    public var extraPath: [String] = []

    public init(port: Int = 0, instant: Bool = false, workDirectory: String? = nil, skeinBinary: String? = nil,
                images: ImageMap = ImageMap(), historyLimit: Int = 10_000, bookmarkInterval: Double = 1,
                token: String? = nil, isolate: Bool = true, http2: Bool = false) {
        self.http2 = http2
        self.port = port
        self.instant = instant
        self.workDirectory = workDirectory
        self.skeinBinary = skeinBinary
        self.images = images
        self.historyLimit = historyLimit
        self.bookmarkInterval = bookmarkInterval
        self.token = token
        self.isolate = isolate
    }
}

public struct KubeSimError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

/// A simulated Kubernetes cluster for tests: an HTTPS API server on 127.0.0.1 and a
/// kubelet that runs pods as host processes. Start it, point a client at `url` (or at a
/// kubeconfig from `writeKubeconfig`), and `stop()` it.
public final class KubeSim: Sendable {
    public let url: String
    public let port: Int
    public let token: String
    public let caPEM: String
    public let clientCertificatePEM: String
    public let clientKeyPEM: String
    public let workDirectory: String
    public let faults: FaultInjector
    /// Requests made as other users (see `Impersonations`).
    public var impersonations: Impersonations { api.impersonations }
    let api: APIServer
    let kubelet: Kubelet
    let serverTask: Task<Void, any Error>
    let group: ServiceGroup
    let ownsWorkDirectory: Bool

    private init(url: String, port: Int, token: String, certs: SimCertificates, workDirectory: String, ownsWorkDirectory: Bool,
                 api: APIServer, kubelet: Kubelet, serverTask: Task<Void, any Error>,
                 group: ServiceGroup) {
        self.url = url
        self.port = port
        self.token = token
        self.caPEM = certs.caPEM
        self.clientCertificatePEM = certs.clientCertPEM
        self.clientKeyPEM = certs.clientKeyPEM
        self.workDirectory = workDirectory
        self.ownsWorkDirectory = ownsWorkDirectory
        self.faults = api.faults
        self.api = api
        self.kubelet = kubelet
        self.serverTask = serverTask
        self.group = group
    }

    /// Starts the server and the kubelet; returns once the port is listening.
    public static func start(_ options: KubeSimOptions = KubeSimOptions()) async throws -> KubeSim {
        let certs = try SimCertificates.generate()
        let token = options.token ?? "skein-sim-" + Random.uid().replacingOccurrences(of: "-", with: "")
        let owns = options.workDirectory == nil
        let work = options.workDirectory ?? FileManager.default.temporaryDirectory.path + "/skein-sim-" + String(Random.uid().prefix(8))
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)

        let store = ObjectStore(historyLimit: options.historyLimit)
        let faults = FaultInjector()
        let api = APIServer(store: store, faults: faults, gracefulPodDeletion: !options.instant,
                            bookmarkInterval: options.bookmarkInterval, instant: options.instant)
        api.bootstrap()

        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(certs.serverCertPEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(certs.serverKeyPEM.utf8), format: .pem)))
        tls.certificateVerification = .optionalVerification
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(certs.caPEM.utf8), format: .pem)])
        tls.applicationProtocols = options.http2 ? ["h2", "http/1.1"] : ["http/1.1"]

        let kubelet = Kubelet(api: api, options: options, workDirectory: work, token: token, caPEM: certs.caPEM)
        let control: @Sendable (String, JSONValue) async -> SimResponse? = { [weak kubelet] what, arg in
            guard let kubelet else { return nil }
            return Control.handle(what, arg, api: api, kubelet: kubelet)
        }
        let responder = SimResponder(api: api, token: token, control: control)

        let ready = ReadySignal()
        var logger = Logger(label: "skein-sim")
        logger.logLevel = .critical
        let app = Application(
            responder: responder,
            // HTTP/2 connections stay open between requests: on stop, close them a second
            // after the GOAWAY rather than wait for the client.
            server: options.http2 ? try .http2Upgrade(tlsConfiguration: tls, configuration: .init(gracefulCloseTimeout: .seconds(1)))
                : try .tls(.http1(), tlsConfiguration: tls),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: options.port), serverName: nil),
            onServerRunning: { channel in ready.fire(.success(channel.localAddress?.port ?? 0)) },
            logger: logger)
        // The server runs in a service group of its own so that `stop` can shut it down
        // gracefully: cancelling it instead can drop connections NIO accepted but Hummingbird
        // had not taken yet, and NIO traps on those ("Deinited NIOAsyncWriter without
        // calling finish()"; swift-nio issue 3481).
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            do {
                try await group.run()
            } catch {
                ready.fire(.failure(error))
                throw error
            }
        }
        let port: Int
        do {
            port = try await ready.wait()
        } catch {
            task.cancel()
            throw KubeSimError("skein-sim cannot listen on 127.0.0.1:\(options.port): \(error)")
        }
        let sim = KubeSim(url: "https://127.0.0.1:\(port)", port: port, token: token, certs: certs, workDirectory: work,
                          ownsWorkDirectory: owns, api: api, kubelet: kubelet, serverTask: task, group: group)
        kubelet.start(apiPort: port)
        return sim
    }

    /// Writes a kubeconfig for this cluster (its CA, the chosen credentials, one context
    /// selected as current, namespace `default`).
    public func writeKubeconfig(path: String, auth: KubeconfigAuth = .both) throws {
        let text = Kubeconfig.text(server: url, caPEM: caPEM, token: auth == .clientCertificate ? nil : token,
                                   clientCertPEM: auth == .token ? nil : clientCertificatePEM,
                                   clientKeyPEM: auth == .token ? nil : clientKeyPEM)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Ends every open watch connection (clients must re-watch).
    public func dropWatches() { api.store.dropWatches() }

    /// Forgets the change history: watches from, and continue tokens of, earlier resourceVersions get 410 Gone.
    public func expireResourceVersions() { api.store.compact() }

    /// Restarts the API server with its store kept, as when an API server process restarts
    /// over the same etcd: every watch ends, the watch cache starts empty (watching or
    /// continuing from an earlier resourceVersion gets 410 Gone, so clients relist), and for
    /// `seconds` every connection that sends an API request is closed unanswered. The kubelet
    /// keeps running its pods. `/skein-sim/` control requests are still answered.
    public func restart(downFor seconds: Double) { api.restart(downFor: seconds) }

    /// The current global resourceVersion.
    public var resourceVersion: Int { api.store.currentRV }

    /// Stops the kubelet (killing what it runs), closes watches, stops the server.
    public func stop() async {
        await kubelet.stop()
        api.store.dropWatches()
        await group.triggerGracefulShutdown()
        // A connection that never ends (a client still following a log) must not hold the
        // stop forever: after 10 s the server is cancelled.
        let task = serverTask
        let deadline = Task {
            try await Task.sleep(for: .seconds(10))
            task.cancel()
        }
        _ = await serverTask.result
        deadline.cancel()
        if ownsWorkDirectory { try? FileManager.default.removeItem(atPath: workDirectory) }
    }
}

/// One-shot hand-over of the listening port (or the failure to listen) to `start`.
final class ReadySignal: Sendable {
    private let state = Mutex<(result: Result<Int, any Error>?, waiter: CheckedContinuation<Int, any Error>?)>((nil, nil))

    func fire(_ r: Result<Int, any Error>) {
        let w: CheckedContinuation<Int, any Error>? = state.withLock { s in
            guard s.result == nil else { return nil }
            s.result = r
            defer { s.waiter = nil }
            return s.waiter
        }
        w?.resume(with: r)
    }

    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { c in
            let r: Result<Int, any Error>? = state.withLock { s in
                if let r = s.result { return r }
                s.waiter = c
                return nil
            }
            if let r { c.resume(with: r) }
        }
    }
}

// MARK: direct access for tests (no HTTP)

extension KubeSim {
    private func served(_ r: ResourceType) throws -> ServedResource {
        guard let s = api.store.resource(GroupResource(group: r.group, resource: r.resource)) else {
            throw KubeSimError("the simulator does not serve \(r)")
        }
        return s
    }

    /// Creates an object as a POST would (defaults, generateName, namespace checks); its
    /// kind is looked up from `apiVersion` and `kind`.
    @discardableResult
    public func create(_ object: JSONValue) throws -> JSONValue {
        guard let kind = object.kind, let apiVersion = object.apiVersion else {
            throw KubeSimError("an object needs apiVersion and kind")
        }
        let parts = apiVersion.split(separator: "/").map(String.init)
        let group = parts.count == 2 ? parts[0] : ""
        let version = parts.last ?? ""
        guard let r = api.store.servedResources.first(where: { $0.kind == kind && $0.group == group && $0.versions.contains(version) }) else {
            throw KubeSimError("the simulator serves no \(kind) in \(apiVersion)")
        }
        do throws(Status) {
            return try api.create(ResourcePath(resource: r, version: version, namespace: r.namespaced ? object.namespace ?? "default" : nil),
                                  object, dryRun: false)
        } catch {
            throw KubeError(status: error)
        }
    }

    /// The stored object, or nil.
    public func get(_ r: ResourceType, namespace: String?, name: String) -> JSONValue? {
        guard let s = try? served(r) else { return nil }
        return try? api.store.get(s, namespace: namespace, name: name)
    }

    /// The stored objects of a kind (in one namespace, or all), sorted by namespace and name.
    public func list(_ r: ResourceType, namespace: String? = nil) -> [JSONValue] {
        guard let s = try? served(r) else { return [] }
        return api.store.list(s, namespace: namespace, labels: .everything, fields: .everything).items
    }

    /// Waits until `condition` holds for the object (nil when it does not exist), checking
    /// at every change of that kind; returns the object, or nil and false on timeout.
    @discardableResult
    public func wait(for r: ResourceType, namespace: String?, name: String, timeout: Double = 30,
                     _ condition: @escaping @Sendable (JSONValue?) -> Bool) async -> (object: JSONValue?, met: Bool) {
        guard let s = try? served(r) else { return (nil, false) }
        let filter = WatchFilter(resource: s.groupResource, namespace: s.namespaced ? namespace : nil, labels: .everything,
                                 fields: FieldSelector(requirements: [.init(field: "metadata.name", value: name, negated: false)]),
                                 apiVersion: s.type().apiVersion)
        guard let (stream, id) = try? api.store.watch(filter, from: api.store.currentRV) else { return (nil, false) }
        defer { api.store.endWatch(id) }
        let now = get(r, namespace: namespace, name: name)
        if condition(now) { return (now, true) }
        let store = api.store
        let timer = Task {
            try? await Task.sleep(for: .seconds(timeout))
            store.endWatch(id)
        }
        defer { timer.cancel() }
        for await _ in stream {
            let o = get(r, namespace: namespace, name: name)
            if condition(o) { return (o, true) }
        }
        let o = get(r, namespace: namespace, name: name)
        return (o, condition(o))
    }
}
