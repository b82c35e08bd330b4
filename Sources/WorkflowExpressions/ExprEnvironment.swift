/// The variables an expression can see: either flat dotted names (`inputs.parameters.x`) or nested maps.
public struct ExprEnvironment: Sendable {
    enum Storage: Sendable {
        case flat([String: ExprValue])
        case nested([String: ExprValue])
    }

    let storage: Storage
    /// What `now()` returns; nil where there is no clock (then `now()` is an error).
    public var now: ExprTime?

    public init(flat: [String: ExprValue]) { storage = .flat(flat) }
    public init(nested: [String: ExprValue]) { storage = .nested(nested) }

    /// The value for a dotted name, or nil when nothing in the environment matches.
    public func lookup(_ name: String) -> ExprValue? {
        if case .flat(let f) = storage, let v = f[name] { return v }
        return resolve(name.split(separator: ".", omittingEmptySubsequences: false).map(String.init))
    }

    /// Every variable as one map (expr's `$env`); flat dotted names are nested by their dots.
    var everything: ExprValue {
        switch storage {
        case .nested(let root): return .map(root)
        case .flat(let flat):
            var result: [String: ExprValue] = [:]
            for (key, value) in flat {
                Self.insert(value, at: key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)[...], into: &result)
            }
            // The flat names themselves too, so `$env["inputs.parameters.x"]` finds them.
            for (key, value) in flat where result[key] == nil { result[key] = value }
            return .map(result)
        }
    }

    /// Resolves a path of member names (`["inputs", "parameters", "my-param"]`).
    /// With `missingKeyIsNull`, a key missing from a map value (not from the environment's own names) yields `.null`.
    func resolve(_ path: [String], missingKeyIsNull: Bool = false) -> ExprValue? {
        guard !path.isEmpty else { return nil }
        switch storage {
        case .nested(let root):
            var current = ExprValue.map(root)
            for component in path {
                guard let next = Self.child(of: current, component) else { return nil }
                current = next
            }
            return current
        case .flat(let flat):
            // The longest dotted prefix that names a value wins; the rest walks inside that value.
            var count = path.count
            while count > 0 {
                let key = path[0..<count].joined(separator: ".")
                if var value = flat[key] {
                    for component in path[count...] {
                        guard let next = Self.child(of: value, component) else {
                            if missingKeyIsNull, case .map = value { return .null }
                            return nil
                        }
                        value = next
                    }
                    return value
                }
                count -= 1
            }
            return Self.subtree(of: flat, prefix: path.joined(separator: ".") + ".")
        }
    }

    private static func child(of value: ExprValue, _ component: String) -> ExprValue? {
        switch value {
        case .map(let m): return m[component]
        case .list(let items):
            guard let i = Int(component), i >= 0, i < items.count else { return nil }
            return items[i]
        default: return nil
        }
    }

    /// Every flat key under `prefix`, nested into maps by their remaining dots.
    private static func subtree(of flat: [String: ExprValue], prefix: String) -> ExprValue? {
        var result: [String: ExprValue] = [:]
        var found = false
        for (key, value) in flat where key.hasPrefix(prefix) {
            let rest = key.dropFirst(prefix.count)
            guard !rest.isEmpty else { continue }
            found = true
            insert(value, at: rest.split(separator: ".", omittingEmptySubsequences: false).map(String.init)[...], into: &result)
        }
        return found ? .map(result) : nil
    }

    private static func insert(_ value: ExprValue, at path: ArraySlice<String>, into map: inout [String: ExprValue]) {
        guard let head = path.first else { return }
        if path.count == 1 {
            // An exact value wins over a nested map built from longer keys.
            map[head] = value
            return
        }
        var inner: [String: ExprValue]
        switch map[head] {
        case .map(let m): inner = m
        case .none: inner = [:]
        default: return
        }
        insert(value, at: path.dropFirst(), into: &inner)
        map[head] = .map(inner)
    }
}
