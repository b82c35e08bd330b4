public import SkeinJSON

/// A patch that cannot be applied: what went wrong, and where in the patch.
public struct PatchError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// JSON merge patch (RFC 7386): maps merge key by key, `null` removes a key, anything
/// else (lists included) replaces what was there.
public enum MergePatch {
    public static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let p) = patch else { return patch }
        var t = target.objectValue ?? [:]
        for (k, v) in p {
            if v.isNull {
                t[k] = nil
            } else {
                t[k] = apply(v, to: t[k] ?? .null)
            }
        }
        return .object(t)
    }

    /// The patch that turns `original` into `modified` (keys missing in `modified` become `null`).
    public static func diff(from original: JSONValue, to modified: JSONValue) -> JSONValue {
        guard case .object(let o) = original, case .object(let m) = modified else { return modified }
        var out: [String: JSONValue] = [:]
        for (k, v) in m where o[k] != v {
            out[k] = o[k].map { diff(from: $0, to: v) } ?? v
        }
        for k in o.keys where m[k] == nil { out[k] = .null }
        return .object(out)
    }
}
