import Foundation
import KubeAPI
import SkeinJSON
import WorkflowModel

/// The simulated API server's request handling, without HTTP: discovery, CRUD, patches,
/// deletion with finalizers and garbage collection, list and watch.
final class APIServer: Sendable {
    let store: ObjectStore
    let faults: FaultInjector
    /// Pods are deleted gracefully only when a kubelet runs them.
    let gracefulPodDeletion: Bool
    let bookmarkInterval: Double
    let logs = LogStore()
    let impersonations = Impersonations()
    /// Instant pods have no logs; asking for them gives an empty answer.
    let instant: Bool

    init(store: ObjectStore, faults: FaultInjector, gracefulPodDeletion: Bool, bookmarkInterval: Double, instant: Bool) {
        self.store = store
        self.instant = instant
        self.faults = faults
        self.gracefulPodDeletion = gracefulPodDeletion
        self.bookmarkInterval = bookmarkInterval
    }

    /// Creates the namespaces every cluster has.
    func bootstrap() {
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            _ = try? create(ResourcePath(resource: ServedResource.builtIn[0], version: "v1"), ["metadata": ["name": .string(ns)]],
                            dryRun: false)
            for (name, gr) in [("default", ServedResource.builtIn[4])] {
                _ = try? create(ResourcePath(resource: gr, version: "v1", namespace: ns), ["metadata": ["name": .string(name)]],
                                dryRun: false)
            }
        }
    }

    /// See `KubeSim.restart`.
    func restart(downFor seconds: Double) {
        faults.goDown(for: seconds)
        store.dropWatches()
        store.compact()
    }

    func handle(_ req: SimRequest) async -> SimResponse {
        switch route(req.path) {
        case .apiVersions: return .json(200, Discovery.apiVersions)
        case .apiGroupList: return .json(200, Discovery.groupList(store.servedResources))
        case .apiGroup(let g):
            guard let v = Discovery.group(g, store.servedResources) else { return .status(.pathNotFound) }
            return .json(200, v)
        case .resourceList(let g, let v):
            guard let l = Discovery.resourceList(group: g, version: v, store.servedResources) else { return .status(.pathNotFound) }
            return .json(200, l)
        case .notFound:
            return .status(.pathNotFound)
        case .resource(let p):
            do throws(Status) { return try await handleResource(req, p) } catch { return .status(error) }
        }
    }

    func handleResource(_ req: SimRequest, _ p: ResourcePath) async throws(Status) -> SimResponse {
        let dryRun = req.query["dryRun"] == "All"
        switch (req.method, p.name, p.subresource) {
        case ("GET", nil, _):
            if req.bool("watch") { return try watch(req, p) }
            return try list(req, p)
        case ("GET", let name?, "log"?):
            return try await kubeletLogs(p.namespace ?? "", name, req)
        case ("GET", let name?, let sub):
            let o = present(try store.get(p.resource, namespace: p.namespace, name: name), p)
            if sub == nil && req.accept.contains("as=Table") {
                return .json(200, Table.make(p.resource, [o], meta: ["resourceVersion": o["metadata"]?["resourceVersion"] ?? "0"]))
            }
            return .json(200, o)
        case ("POST", nil, _):
            let o = try bodyObject(req)
            return .json(201, present(try create(p, o, dryRun: dryRun, manager: req.manager), p))
        case ("PUT", let name?, let sub):
            let o = try bodyObject(req)
            return .json(200, present(try update(p, name: name, o, subresource: sub, dryRun: dryRun, manager: req.manager), p))
        case ("PATCH", let name?, let sub):
            let (o, created) = try patch(p, name: name, req, subresource: sub, dryRun: dryRun)
            return .json(created ? 201 : 200, present(o, p))
        case ("DELETE", let name?, nil):
            let options = try deleteOptions(req)
            return .json(200, present(try delete(p, name: name, options, dryRun: dryRun), p))
        case ("DELETE", nil, nil):
            let options = try deleteOptions(req)
            return try deleteCollection(req, p, options, dryRun: dryRun)
        default:
            throw Status.methodNotAllowed(req.method)
        }
    }

    /// The object as served in the requested version.
    func present(_ o: JSONValue, _ p: ResourcePath) -> JSONValue {
        guard case .object(var m) = o else { return o }
        m["apiVersion"] = .string(p.apiVersion)
        m["kind"] = .string(p.resource.kind)
        return .object(m)
    }

    func bodyObject(_ req: SimRequest) throws(Status) -> JSONValue {
        if req.contentType.contains("protobuf") {
            // Typed clients of the core kinds (kubectl create configmap/secret/namespace) send protobuf.
            return try ProtobufBody.decode(req.body)
        }
        let text = String(decoding: req.body, as: UTF8.self)
        guard let v = try? JSONValue.parseJSON(text), case .object = v else {
            if let y = (try? YAMLLoader.load(text, file: "request body"))?.first?.value, case .object = y { return y }
            throw Status.badRequest("the request body is not a JSON object: \(text.prefix(120))")
        }
        return v
    }

    static func nameIsValid(_ name: String, label: Bool) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= (label ? 63 : 253) else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A) }
        guard let f = bytes.first, let l = bytes.last, alnum(f), alnum(l) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: "-") || (!label && $0 == UInt8(ascii: ".")) }
    }

    static let nameRule = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
}
