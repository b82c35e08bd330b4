public import WorkflowModel

/// The ConfigMaps `valueFrom.configMapKeyRef` reads, by name: their `data`. The runtime
/// gathers them before the run (the controller from the API server, in the workflow's
/// namespace; `skein run` from ConfigMaps given beside the workflow), so the engine decides
/// the same in both.
public struct ConfigMapData: Sendable, Equatable {
    public var maps: [String: [String: String]]
    /// Their annotations (the default key of an `artifact-repositories` ConfigMap).
    public var annotations: [String: [String: String]] = [:]
    public init(_ maps: [String: [String: String]] = [:]) { self.maps = maps }

    /// Every ConfigMap name a workflow or its templates refer to through `configMapKeyRef`.
    public static func referencedNames(in value: JSONValue) -> Set<String> {
        var names: Set<String> = []
        func walk(_ v: JSONValue) {
            switch v {
            case .object(let o):
                for (k, child) in o {
                    if k == "configMapKeyRef", let n = child["name"]?.stringValue { names.insert(n) } else { walk(child) }
                }
            case .array(let a): a.forEach(walk)
            default: break
            }
        }
        walk(value)
        return names
    }

    enum Lookup { case value(String), missing(String) }

    /// The value a `{name, key, optional}` selector names, or why there is none.
    func lookup(_ ref: JSONValue) -> Lookup {
        guard let name = ref["name"]?.stringValue, !name.isEmpty else { return .missing("configMapKeyRef has no name") }
        guard let key = ref["key"]?.stringValue, !key.isEmpty else { return .missing("configMapKeyRef '\(name)' has no key") }
        guard let data = maps[name] else {
            return ref["optional"] == .bool(true) ? .value("") : .missing("ConfigMap '\(name)' does not exist")
        }
        guard let v = data[key] else {
            return ref["optional"] == .bool(true) ? .value("") : .missing("ConfigMap '\(name)' does not have the key '\(key)'")
        }
        return .value(v)
    }
}

extension WorkflowExecution {
    /// An input parameter's value from its ConfigMap; `valueFrom.default` when the ConfigMap
    /// or key is missing; else the node fails with Argo's message.
    func configMapInput(_ p: Parameter, ref: JSONValue) throws(EngineFailure) -> String {
        switch configMaps.lookup(ref) {
        case .value(let v): return v
        case .missing(let why):
            if let d = p.valueFrom?.default?.value { return d }
            throw EngineFailure("unable to retrieve inputs.parameters.\(p.name) from ConfigMap: \(why) (fix: create it in the workflow's namespace, or set valueFrom.default)")
        }
    }
}
