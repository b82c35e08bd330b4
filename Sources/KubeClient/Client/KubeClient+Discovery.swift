public import KubeAPI
import SkeinJSON

/// `GET /version`.
public struct ServerVersion: Sendable, Hashable {
    public var major: String
    public var minor: String
    public var gitVersion: String
    public var platform: String
}

/// One resource of a group version, from discovery.
public struct APIResourceInfo: Sendable, Hashable {
    public var name: String
    public var kind: String
    public var namespaced: Bool
    public var verbs: [String]
    public var shortNames: [String]

    /// The resource as a `ResourceType` of `groupVersion` (`v1`, `apps/v1`).
    public func resourceType(groupVersion: String) -> ResourceType {
        let parts = groupVersion.split(separator: "/", maxSplits: 1).map(String.init)
        let (g, v) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts.first ?? "v1")
        return ResourceType(group: g, version: v, resource: name, kind: kind, namespaced: namespaced)
    }
}

extension KubeClient {
    public func serverVersion() async throws -> ServerVersion {
        let v = try await sendJSON(APIRequest(method: .get, path: "/version"))
        return ServerVersion(major: v["major"]?.scalarText ?? "", minor: v["minor"]?.scalarText ?? "",
                             gitVersion: v["gitVersion"]?.stringValue ?? "", platform: v["platform"]?.stringValue ?? "")
    }

    /// Every group version the server serves (`v1` first, then `GROUP/VERSION` from `/apis`),
    /// preferred versions first within a group.
    public func apiGroupVersions() async throws -> [String] {
        var out: [String] = []
        let core = try await sendJSON(APIRequest(method: .get, path: "/api"))
        for v in core["versions"]?.arrayValue ?? [] { if let s = v.stringValue { out.append(s) } }
        let groups = try await sendJSON(APIRequest(method: .get, path: "/apis"))
        for g in groups["groups"]?.arrayValue ?? [] {
            let preferred = g["preferredVersion"]?["groupVersion"]?.stringValue
            if let p = preferred { out.append(p) }
            for v in g["versions"]?.arrayValue ?? [] {
                if let gv = v["groupVersion"]?.stringValue, gv != preferred { out.append(gv) }
            }
        }
        return out
    }

    /// The resources of one group version (subresources such as `pods/log` excluded).
    public func apiResources(groupVersion: String) async throws -> [APIResourceInfo] {
        let path = groupVersion.contains("/") ? "/apis/\(groupVersion)" : "/api/\(groupVersion)"
        let v = try await sendJSON(APIRequest(method: .get, path: path))
        var out: [APIResourceInfo] = []
        for r in v["resources"]?.arrayValue ?? [] {
            guard let name = r["name"]?.stringValue, !name.contains("/") else { continue }
            out.append(APIResourceInfo(
                name: name, kind: r["kind"]?.stringValue ?? "",
                namespaced: r["namespaced"] == .bool(true),
                verbs: (r["verbs"]?.arrayValue ?? []).compactMap(\.stringValue),
                shortNames: (r["shortNames"]?.arrayValue ?? []).compactMap(\.stringValue)))
        }
        return out
    }

    /// Finds the resource serving `kind` in `apiVersion` by discovery (for custom resources).
    public func resourceType(apiVersion: String, kind: String) async throws -> ResourceType? {
        if let b = ResourceType.builtIn.first(where: { $0.apiVersion == apiVersion && $0.kind == kind }) { return b }
        let found = try await apiResources(groupVersion: apiVersion).first { $0.kind == kind }
        return found?.resourceType(groupVersion: apiVersion)
    }
}
