import KubeAPI
import SkeinJSON

/// One resource the simulated server serves: its names, versions and behaviour.
struct ServedResource: Sendable, Hashable {
    var group: String
    /// Served versions, the storage (preferred) one first.
    var versions: [String]
    var plural: String
    var singular: String
    var kind: String
    var listKind: String
    var namespaced: Bool
    var shortNames: [String]
    var categories: [String]
    /// Writes to the object ignore `status`, which only `/status` changes.
    var hasStatusSubresource: Bool
    /// Served because a CustomResourceDefinition says so.
    var isCustom: Bool
    /// Additional printer columns of a CRD (name, type, jsonPath), for Table output.
    var printerColumns: [PrinterColumn] = []

    struct PrinterColumn: Sendable, Hashable {
        var name: String
        var type: String
        var jsonPath: String
        var priority: Int
    }

    var groupResource: GroupResource { GroupResource(group: group, resource: plural) }

    func type(version: String? = nil) -> ResourceType {
        ResourceType(group: group, version: version ?? versions[0], resource: plural, kind: kind, namespaced: namespaced)
    }

    /// The wire name in messages: `pods`, `workflows.skein.dev`.
    var qualifiedName: String { group.isEmpty ? plural : "\(plural).\(group)" }

    static let builtIn: [ServedResource] = [
        core("namespaces", "namespace", "Namespace", namespaced: false, short: ["ns"], status: true),
        core("pods", "pod", "Pod", short: ["po"], categories: ["all"], status: true),
        core("configmaps", "configmap", "ConfigMap", short: ["cm"]),
        core("secrets", "secret", "Secret"),
        core("serviceaccounts", "serviceaccount", "ServiceAccount", short: ["sa"]),
        core("events", "event", "Event", short: ["ev"]),
        core("persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", short: ["pvc"], status: true),
        ServedResource(group: "coordination.k8s.io", versions: ["v1"], plural: "leases", singular: "lease", kind: "Lease",
                       listKind: "LeaseList", namespaced: true, shortNames: [], categories: [], hasStatusSubresource: false,
                       isCustom: false),
        ServedResource(group: "apiextensions.k8s.io", versions: ["v1"], plural: "customresourcedefinitions",
                       singular: "customresourcedefinition", kind: "CustomResourceDefinition",
                       listKind: "CustomResourceDefinitionList", namespaced: false, shortNames: ["crd", "crds"],
                       categories: ["api-extensions"], hasStatusSubresource: true, isCustom: false),
    ]

    private static func core(_ plural: String, _ singular: String, _ kind: String, namespaced: Bool = true, short: [String] = [],
                             categories: [String] = [], status: Bool = false) -> ServedResource {
        ServedResource(group: "", versions: ["v1"], plural: plural, singular: singular, kind: kind, listKind: kind + "List",
                       namespaced: namespaced, shortNames: short, categories: categories, hasStatusSubresource: status,
                       isCustom: false)
    }

    /// The resource a CustomResourceDefinition declares, or a message saying what is wrong with it.
    static func fromCRD(_ crd: JSONValue) -> Result<ServedResource, Status> {
        let spec = crd["spec"]
        let names = spec?["names"]
        guard let group = spec?["group"]?.stringValue, !group.isEmpty else {
            return .failure(.invalid("CustomResourceDefinition \"\(crd.name ?? "")\" is invalid: spec.group: Required value"))
        }
        guard let plural = names?["plural"]?.stringValue, !plural.isEmpty,
              let kind = names?["kind"]?.stringValue, !kind.isEmpty else {
            return .failure(.invalid("CustomResourceDefinition \"\(crd.name ?? "")\" is invalid: spec.names.plural and spec.names.kind: Required value"))
        }
        guard crd.name == "\(plural).\(group)" else {
            return .failure(.invalid("CustomResourceDefinition \"\(crd.name ?? "")\" is invalid: metadata.name: Invalid value: \"\(crd.name ?? "")\": must be spec.names.plural+\".\"+spec.group"))
        }
        let versionObjects = spec?["versions"]?.arrayValue ?? []
        let served = versionObjects.filter { $0["served"] != .bool(false) }
        var versions = served.compactMap { $0["name"]?.stringValue }
        guard !versions.isEmpty else {
            return .failure(.invalid("CustomResourceDefinition \"\(crd.name ?? "")\" is invalid: spec.versions: Invalid value: must have exactly one version marked as storage version"))
        }
        if let storage = served.first(where: { $0["storage"] == .bool(true) })?["name"]?.stringValue,
           let i = versions.firstIndex(of: storage) {
            versions.remove(at: i)
            versions.insert(storage, at: 0)
        }
        let storageVersion = served.first { $0["name"]?.stringValue == versions[0] }
        let hasStatus = storageVersion?["subresources"]?["status"] != nil
        let columns = (storageVersion?["additionalPrinterColumns"]?.arrayValue ?? []).compactMap { c -> PrinterColumn? in
            guard let n = c["name"]?.stringValue, let p = c["jsonPath"]?.stringValue else { return nil }
            let prio: Int = if case .int(let i)? = c["priority"] { i } else { 0 }
            return PrinterColumn(name: n, type: c["type"]?.stringValue ?? "string", jsonPath: p, priority: prio)
        }
        return .success(ServedResource(
            group: group, versions: versions, plural: plural,
            singular: names?["singular"]?.stringValue ?? kind.lowercased(), kind: kind,
            listKind: names?["listKind"]?.stringValue ?? kind + "List",
            namespaced: spec?["scope"]?.stringValue != "Cluster",
            shortNames: names?["shortNames"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            categories: names?["categories"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            hasStatusSubresource: hasStatus, isCustom: true, printerColumns: columns))
    }
}

/// Where objects of a resource are stored, whatever version they are read in.
struct GroupResource: Sendable, Hashable, CustomStringConvertible {
    var group: String
    var resource: String
    var description: String { group.isEmpty ? resource : "\(resource).\(group)" }
    static let pods = GroupResource(group: "", resource: "pods")
    static let namespaces = GroupResource(group: "", resource: "namespaces")
    static let crds = GroupResource(group: "apiextensions.k8s.io", resource: "customresourcedefinitions")
}
