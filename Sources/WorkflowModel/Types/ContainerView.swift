/// A typed view of the container fields Skein acts on; the container itself stays a
/// `JSONValue`, so every other field a user wrote passes through untouched.
public struct ContainerView: Sendable, Hashable {
    public var raw: JSONValue

    public init(_ raw: JSONValue) { self.raw = raw }

    public var image: String? { raw["image"]?.stringValue }
    public var command: [String]? { raw["command"]?.arrayValue?.compactMap(\.scalarText) }
    public var args: [String]? { raw["args"]?.arrayValue?.compactMap(\.scalarText) }
    public var workingDir: String? { raw["workingDir"]?.stringValue }
    /// `source` of a script template.
    public var source: String? { raw["source"]?.scalarText }

    /// `env` entries with their literal values (a `valueFrom` entry needs a cluster: its value is empty here).
    public var env: [(name: String, value: String)] {
        (raw["env"]?.arrayValue ?? []).compactMap { e in
            guard let name = e["name"]?.stringValue else { return nil }
            return (name, e["value"]?.scalarText ?? "")
        }
    }

    public var volumeMounts: [(name: String, mountPath: String, subPath: String?, readOnly: Bool)] {
        (raw["volumeMounts"]?.arrayValue ?? []).compactMap { m in
            guard let name = m["name"]?.stringValue, let path = m["mountPath"]?.stringValue else { return nil }
            let ro: Bool
            if case .bool(let b)? = m["readOnly"] { ro = b } else { ro = false }
            return (name, path, m["subPath"]?.stringValue, ro)
        }
    }
}
