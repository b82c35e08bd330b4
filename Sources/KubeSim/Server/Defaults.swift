import Foundation
import KubeAPI
import SkeinJSON

/// Defaults and normalisation the API server applies to the core kinds.
enum Defaults {
    static func onCreate(_ r: ServedResource, _ o: inout JSONValue) throws(Status) {
        guard !r.isCustom else { return }
        switch r.plural {
        case "pods":
            try pod(&o)
            o.set(path: ["status"], to: ["phase": "Pending", "qosClass": "BestEffort"])
        case "namespaces":
            o.set(path: ["spec"], to: ["finalizers": ["kubernetes"]])
            o.set(path: ["status"], to: ["phase": "Active"])
            var labels = o.metadata["labels"]?.objectValue ?? [:]
            labels["kubernetes.io/metadata.name"] = .string(o.name ?? "")
            o.setMetadata("labels", .object(labels))
        case "secrets":
            secret(&o)
        case "persistentvolumeclaims":
            // No provisioner: every claim binds at once to a directory of the simulated node.
            let storage = o["spec"]?["resources"]?["requests"]?["storage"] ?? "1Gi"
            o.set(path: ["status"], to: ["phase": "Bound", "accessModes": o["spec"]?["accessModes"] ?? ["ReadWriteOnce"],
                                         "capacity": ["storage": storage]])
        default:
            break
        }
    }

    static func onUpdate(_ r: ServedResource, _ o: inout JSONValue) throws(Status) {
        guard !r.isCustom else { return }
        if r.plural == "secrets" { secret(&o) }
    }

    static func pod(_ o: inout JSONValue) throws(Status) {
        guard case .object(var spec)? = o["spec"], let containers = spec["containers"]?.arrayValue, !containers.isEmpty else {
            throw Status.invalid("Pod \"\(o.name ?? "")\" is invalid: spec.containers: Required value")
        }
        func container(_ c: JSONValue, _ field: String, _ i: Int) throws(Status) -> JSONValue {
            guard case .object(var m) = c, let name = m["name"]?.stringValue, !name.isEmpty else {
                throw Status.invalid("Pod \"\(o.name ?? "")\" is invalid: spec.\(field)[\(i)].name: Required value")
            }
            guard m["image"]?.stringValue?.isEmpty == false else {
                throw Status.invalid("Pod \"\(o.name ?? "")\" is invalid: spec.\(field)[\(i)].image: Required value")
            }
            if m["terminationMessagePath"] == nil { m["terminationMessagePath"] = "/dev/termination-log" }
            if m["terminationMessagePolicy"] == nil { m["terminationMessagePolicy"] = "File" }
            if m["imagePullPolicy"] == nil {
                let image = m["image"]?.stringValue ?? ""
                let tagged = image.split(separator: "/").last?.contains(":") ?? false
                m["imagePullPolicy"] = tagged && !image.hasSuffix(":latest") ? "IfNotPresent" : "Always"
            }
            if m["resources"] == nil { m["resources"] = [:] }
            return .object(m)
        }
        var seen = Set<String>()
        for field in ["initContainers", "containers"] {
            guard let list = spec[field]?.arrayValue else { continue }
            var out: [JSONValue] = []
            for (i, c) in list.enumerated() {
                let d = try container(c, field, i)
                let n = d["name"]?.stringValue ?? ""
                if !seen.insert(n).inserted {
                    throw Status.invalid("Pod \"\(o.name ?? "")\" is invalid: spec.\(field)[\(i)].name: Duplicate value: \"\(n)\"")
                }
                out.append(d)
            }
            spec[field] = .array(out)
        }
        if spec["restartPolicy"] == nil { spec["restartPolicy"] = "Always" }
        if spec["terminationGracePeriodSeconds"] == nil { spec["terminationGracePeriodSeconds"] = 30 }
        if spec["dnsPolicy"] == nil { spec["dnsPolicy"] = "ClusterFirst" }
        if spec["schedulerName"] == nil { spec["schedulerName"] = "default-scheduler" }
        if spec["serviceAccountName"] == nil { spec["serviceAccountName"] = spec["serviceAccount"] ?? "default" }
        if spec["securityContext"] == nil { spec["securityContext"] = [:] }
        if spec["enableServiceLinks"] == nil { spec["enableServiceLinks"] = true }
        o.set(path: ["spec"], to: .object(spec))
    }

    /// `stringData` is write-only: it merges into `data`, base64-encoded.
    static func secret(_ o: inout JSONValue) {
        if let sd = o["stringData"]?.objectValue {
            var data = o["data"]?.objectValue ?? [:]
            for (k, v) in sd { data[k] = .string(Data((v.scalarText ?? "").utf8).base64EncodedString()) }
            o.set(path: ["data"], to: .object(data))
            o.set(path: ["stringData"], to: nil)
        }
        if o["type"] == nil { o.set(path: ["type"], to: "Opaque") }
    }
}
