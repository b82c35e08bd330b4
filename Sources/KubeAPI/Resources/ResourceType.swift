/// One kind of object the API serves: where it lives (group/version/plural) and whether
/// it belongs to a namespace. Paths follow the Kubernetes API conventions:
/// `/api/v1/...` for the core group, `/apis/GROUP/VERSION/...` for the others.
public struct ResourceType: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    /// Lower-case plural, as in URLs (`pods`, `workflows`).
    public var resource: String
    public var kind: String
    public var namespaced: Bool

    public init(group: String, version: String, resource: String, kind: String, namespaced: Bool) {
        self.group = group
        self.version = version
        self.resource = resource
        self.kind = kind
        self.namespaced = namespaced
    }

    /// `v1` for the core group, `group/version` otherwise.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `/api/v1` or `/apis/group/version`.
    public var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    /// The collection: `/api/v1/namespaces/NS/pods`, or across namespaces when `namespace` is nil.
    public func collectionPath(namespace: String?) -> String {
        if namespaced, let ns = namespace {
            return "\(groupVersionPath)/namespaces/\(PathEscaping.segment(ns))/\(resource)"
        }
        return "\(groupVersionPath)/\(resource)"
    }

    /// One object, optionally a subresource of it (`status`, `log`).
    public func objectPath(namespace: String?, name: String, subresource: String? = nil) -> String {
        var p = collectionPath(namespace: namespaced ? namespace : nil) + "/" + PathEscaping.segment(name)
        if let s = subresource { p += "/" + s }
        return p
    }

    public var description: String { group.isEmpty ? resource : "\(resource).\(group)" }
}

extension ResourceType {
    public static let namespaces = ResourceType(group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false)
    public static let pods = ResourceType(group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true)
    public static let configMaps = ResourceType(group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true)
    public static let secrets = ResourceType(group: "", version: "v1", resource: "secrets", kind: "Secret", namespaced: true)
    public static let serviceAccounts = ResourceType(group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount", namespaced: true)
    public static let events = ResourceType(group: "", version: "v1", resource: "events", kind: "Event", namespaced: true)
    public static let persistentVolumeClaims = ResourceType(group: "", version: "v1", resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true)
    public static let leases = ResourceType(group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true)
    public static let customResourceDefinitions = ResourceType(
        group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions",
        kind: "CustomResourceDefinition", namespaced: false)

    /// The core kinds KubeSim serves and the client knows without discovery.
    public static let builtIn: [ResourceType] = [
        .namespaces, .pods, .configMaps, .secrets, .serviceAccounts, .events, .persistentVolumeClaims,
        .leases, .customResourceDefinitions,
    ]
}

/// Percent-encoding for URL path segments and query values.
public enum PathEscaping {
    public static func segment(_ s: String) -> String { escape(s, keep: unreservedPath) }
    public static func queryValue(_ s: String) -> String { escape(s, keep: unreservedQuery) }

    private static let unreservedPath: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:@".utf8))
    private static let unreservedQuery: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8))

    private static func escape(_ s: String, keep: Set<UInt8>) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            if keep.contains(b) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "%"
                out += String(b >> 4, radix: 16, uppercase: true)
                out += String(b & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// Decodes `%XX` escapes (and `+` as space when `plusIsSpace`, for query strings).
    public static func unescape(_ s: Substring, plusIsSpace: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%"), it.count >= 2,
               let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v)
                it = it.dropFirst(2)
            } else if b == UInt8(ascii: "+"), plusIsSpace {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
