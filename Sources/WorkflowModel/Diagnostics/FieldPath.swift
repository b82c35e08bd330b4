/// A path to a field inside a document, printed the way users read it:
/// `spec.templates[2].dag.tasks[0].depends`.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) { self.components = components }

    public static let root = FieldPath()

    public func appending(_ key: String) -> FieldPath {
        FieldPath(components + [.key(key)])
    }

    public func appending(_ index: Int) -> FieldPath {
        FieldPath(components + [.index(index)])
    }

    public static func / (lhs: FieldPath, rhs: String) -> FieldPath { lhs.appending(rhs) }
    public static func / (lhs: FieldPath, rhs: Int) -> FieldPath { lhs.appending(rhs) }

    public var description: String {
        var out = ""
        for c in components {
            switch c {
            case .key(let k):
                if !out.isEmpty { out += "." }
                out += k
            case .index(let i):
                out += "[\(i)]"
            }
        }
        return out.isEmpty ? "(document)" : out
    }
}
