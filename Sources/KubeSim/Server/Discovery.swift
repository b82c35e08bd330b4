import KubeAPI
import SkeinJSON

/// The legacy (unaggregated) discovery documents. Aggregated discovery is not offered:
/// clients that ask for it get plain JSON and fall back to these, as with older servers.
enum Discovery {
    static let version: JSONValue = [
        "major": "1", "minor": "32", "gitVersion": "v1.32.0-skein-sim", "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23.0", "compiler": "gc",
        "platform": "linux/amd64",
    ]

    static let apiVersions: JSONValue = [
        "kind": "APIVersions", "versions": ["v1"],
        "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"]],
    ]

    static func groups(_ rs: [ServedResource]) -> [(String, [String])] {
        var order: [String] = []
        var versions: [String: [String]] = [:]
        for r in rs where !r.group.isEmpty {
            if versions[r.group] == nil { order.append(r.group) }
            for v in r.versions where !(versions[r.group]?.contains(v) ?? false) { versions[r.group, default: []].append(v) }
        }
        return order.map { ($0, versions[$0] ?? []) }
    }

    static func groupObject(_ name: String, _ versions: [String]) -> JSONValue {
        let vs: [JSONValue] = versions.map { ["groupVersion": .string("\(name)/\($0)"), "version": .string($0)] }
        return ["name": .string(name), "versions": .array(vs), "preferredVersion": vs.first ?? .null]
    }

    static func groupList(_ rs: [ServedResource]) -> JSONValue {
        ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups(rs).map { groupObject($0.0, $0.1) })]
    }

    static func group(_ name: String, _ rs: [ServedResource]) -> JSONValue? {
        guard let g = groups(rs).first(where: { $0.0 == name }) else { return nil }
        var o = groupObject(g.0, g.1).objectValue ?? [:]
        o["kind"] = "APIGroup"
        o["apiVersion"] = "v1"
        return .object(o)
    }

    static func resourceList(group: String, version: String, _ rs: [ServedResource]) -> JSONValue? {
        let mine = rs.filter { $0.group == group && $0.versions.contains(version) }
        if mine.isEmpty && !(group.isEmpty && version == "v1") { return nil }
        var out: [JSONValue] = []
        let verbs: JSONValue = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
        for r in mine {
            var o: [String: JSONValue] = [
                "name": .string(r.plural), "singularName": .string(r.singular), "namespaced": .bool(r.namespaced),
                "kind": .string(r.kind), "verbs": verbs,
            ]
            if !r.shortNames.isEmpty { o["shortNames"] = .array(r.shortNames.map { .string($0) }) }
            if !r.categories.isEmpty { o["categories"] = .array(r.categories.map { .string($0) }) }
            out.append(.object(o))
            let subs: [String] = r.plural == "pods" ? ["status", "log"] : r.hasStatusSubresource ? ["status"] : []
            for s in subs {
                out.append(["name": .string("\(r.plural)/\(s)"), "singularName": "", "namespaced": .bool(r.namespaced),
                            "kind": .string(s == "log" ? "Pod" : r.kind), "verbs": s == "log" ? ["get"] : ["get", "patch", "update"]])
            }
        }
        return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"),
                "resources": .array(out)]
    }

    // MARK: OpenAPI v3

    /// `/openapi/v3`: one entry per group/version of the built-in kinds. kubectl reads the
    /// documents only to learn that PATCH takes `fieldValidation` (then it leaves validation
    /// to the server; this one does not validate fields). Custom resources fall back to the
    /// CustomResourceDefinition group's answer, as kubectl does.
    static func openAPIRoot(_ rs: [ServedResource]) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for r in rs where !r.isCustom {
            for v in r.versions {
                let gv = r.group.isEmpty ? "api/\(v)" : "apis/\(r.group)/\(v)"
                paths[gv] = ["serverRelativeURL": .string("/openapi/v3/\(gv)?hash=SKEINSIM")]
            }
        }
        return ["paths": .object(paths)]
    }

    static func openAPIDocument(_ gvPath: String, _ rs: [ServedResource]) -> JSONValue? {
        let parts = gvPath.split(separator: "/").map(String.init)
        let group: String, version: String
        if parts.count == 2, parts[0] == "api" {
            group = ""
            version = parts[1]
        } else if parts.count == 3, parts[0] == "apis" {
            group = parts[1]
            version = parts[2]
        } else {
            return nil
        }
        let mine = rs.filter { $0.group == group && $0.versions.contains(version) && !$0.isCustom }
        guard !mine.isEmpty else { return nil }
        var paths: [String: JSONValue] = [:]
        for r in mine {
            let base = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
            let p = r.namespaced ? "\(base)/namespaces/{namespace}/\(r.plural)/{name}" : "\(base)/\(r.plural)/{name}"
            let gvk: JSONValue = ["group": .string(group), "version": .string(version), "kind": .string(r.kind)]
            paths[p] = ["patch": [
                "operationId": .string("patch\(r.kind)"),
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": gvk,
                "parameters": [
                    ["name": "dryRun", "in": "query", "schema": ["type": "string"]],
                    ["name": "fieldManager", "in": "query", "schema": ["type": "string"]],
                    ["name": "fieldValidation", "in": "query", "schema": ["type": "string"]],
                    ["name": "force", "in": "query", "schema": ["type": "boolean"]],
                ],
                "responses": ["200": ["description": "OK"]],
            ]]
        }
        return ["openapi": "3.0.0", "info": ["title": "Kubernetes", "version": "v1.32.0"], "paths": .object(paths),
                "components": ["schemas": [:]]]
    }
}
