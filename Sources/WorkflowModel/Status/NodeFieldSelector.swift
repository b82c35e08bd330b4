/// `--node-field-selector`: which nodes of a workflow a command acts on, as Argo's CLI
/// writes it: `key=value` or `key!=value` terms separated by commas, all of which must hold.
/// Keys: `id`, `name`, `displayName`, `templateName`, `phase`, `type`, `boundaryID`,
/// `templateRef.name`, `templateRef.template`, `inputs.parameters.NAME.value`.
public struct NodeFieldSelector: Sendable, Hashable, CustomStringConvertible {
    public struct Term: Sendable, Hashable {
        public var key: String
        public var value: String
        public var equal: Bool
    }

    public var terms: [Term]
    public let description: String

    public static let keys = ["id", "name", "displayName", "templateName", "phase", "type", "boundaryID",
                              "templateRef.name", "templateRef.template", "inputs.parameters.NAME.value"]

    public init(_ text: String) throws(SelectorError) {
        description = text
        terms = []
        for part in text.split(separator: ",") {
            let p = part.trimmingWhitespace
            if p.isEmpty { continue }
            let equal: Bool
            let pieces: [Substring]
            if let r = p.firstRange(of: "!=") {
                equal = false
                pieces = [p[..<r.lowerBound], p[r.upperBound...]]
            } else if let r = p.firstRange(of: "==") ?? p.firstRange(of: "=") {
                equal = true
                pieces = [p[..<r.lowerBound], p[r.upperBound...]]
            } else {
                throw SelectorError("'\(p)' is not key=value or key!=value")
            }
            let key = String(pieces[0]).trimmingWhitespace
            let known = NodeFieldSelector.keys.contains(key)
                || (key.hasPrefix("inputs.parameters.") && key.hasSuffix(".value") && key.split(separator: ".").count >= 4)
            guard known else {
                throw SelectorError("unknown key '\(key)'; known keys: \(NodeFieldSelector.keys.joined(separator: ", "))")
            }
            terms.append(Term(key: key, value: String(pieces[1]).trimmingWhitespace, equal: equal))
        }
    }

    public func matches(_ n: NodeStatus) -> Bool {
        terms.allSatisfy { t in (NodeFieldSelector.value(of: t.key, in: n) == t.value) == t.equal }
    }

    static func value(of key: String, in n: NodeStatus) -> String? {
        switch key {
        case "id": return n.id
        case "name": return n.name
        case "displayName": return n.displayName
        case "templateName": return n.templateName
        case "phase": return n.phase.rawValue
        case "type": return n.type.rawValue
        case "boundaryID": return n.boundaryID
        case "templateRef.name": return n.templateRef?.name
        case "templateRef.template": return n.templateRef?.template
        default:
            let parts = key.split(separator: ".")
            let name = parts.dropFirst(2).dropLast().joined(separator: ".")
            return n.inputs?.parameters?.first { $0.name == name }?.value?.value
        }
    }

    public struct SelectorError: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = "--node-field-selector: \(d)" }
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
