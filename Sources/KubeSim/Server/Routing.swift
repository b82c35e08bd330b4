import KubeAPI
import SkeinJSON

/// A request path that names a resource: `/api/v1/namespaces/NS/pods/NAME/log`.
struct ResourcePath: Sendable {
    var resource: ServedResource
    var version: String
    var namespace: String?
    var name: String?
    var subresource: String?

    var type: ResourceType { resource.type(version: version) }
    var apiVersion: String { resource.group.isEmpty ? version : "\(resource.group)/\(version)" }
}

enum Route: Sendable {
    case apiVersions
    case apiGroupList
    case apiGroup(String)
    case resourceList(group: String, version: String)
    case resource(ResourcePath)
    case notFound
}

extension APIServer {
    func route(_ path: String) -> Route {
        let segs = path.split(separator: "/").map { PathEscaping.unescape($0) }
        guard let first = segs.first else { return .notFound }
        let group: String, version: String, rest: ArraySlice<String>
        switch first {
        case "api":
            if segs.count == 1 { return .apiVersions }
            group = ""
            version = segs[1]
            rest = segs.dropFirst(2)
        case "apis":
            if segs.count == 1 { return .apiGroupList }
            if segs.count == 2 { return .apiGroup(segs[1]) }
            group = segs[1]
            version = segs[2]
            rest = segs.dropFirst(3)
        default:
            return .notFound
        }
        if rest.isEmpty { return .resourceList(group: group, version: version) }
        var namespace: String?, plural: String, name: String?, sub: String?
        let r = Array(rest)
        if r[0] == "namespaces", r.count >= 3, !(r.count == 3 && ["status", "finalize"].contains(r[2])) {
            namespace = r[1]
            plural = r[2]
            name = r.count > 3 ? r[3] : nil
            sub = r.count > 4 ? r[4] : nil
            if r.count > 5 { return .notFound }
        } else {
            plural = r[0]
            name = r.count > 1 ? r[1] : nil
            sub = r.count > 2 ? r[2] : nil
            if r.count > 3 { return .notFound }
        }
        guard let res = store.resource(GroupResource(group: group, resource: plural)), res.versions.contains(version) else {
            return .notFound
        }
        if !res.namespaced && namespace != nil { return .notFound }
        if let s = sub {
            let allowed: Set<String> = res.plural == "pods" ? ["status", "log"]
                : res.plural == "namespaces" ? ["status", "finalize"] : res.hasStatusSubresource ? ["status"] : []
            if !allowed.contains(s) { return .notFound }
        }
        return .resource(ResourcePath(resource: res, version: version, namespace: namespace, name: name, subresource: sub))
    }
}

extension Status {
    /// The answer to a path that names nothing the server serves.
    static let pathNotFound = Status(code: 404, reason: "NotFound", message: "the server could not find the requested resource",
                                     details: ["causes": [["reason": "UnexpectedServerResponse", "message": "404 page not found"]]])
    static func methodNotAllowed(_ m: String) -> Status {
        Status(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource (\(m))")
    }
}
