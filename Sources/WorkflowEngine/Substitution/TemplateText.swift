import WorkflowExpressions
import WorkflowModel

/// `{{...}}` substitution in text. A tag is trimmed of spaces; `{{=expr}}` evaluates an
/// expression; any other tag is looked up by name. Tags that cannot be resolved stay as they
/// are and are reported, so the caller decides whether that is an error.
struct TemplateText {
    /// Whether `text` has any `{{`.
    static func hasTags(_ text: String) -> Bool { text.contains("{{") }

    /// Substitute every tag; `lookup` answers names, `expression` evaluates `{{=...}}` bodies.
    static func substitute(_ text: String, lookup: (String) -> String?,
                           expression: (String) throws(EngineFailure) -> String) throws(EngineFailure)
        -> (text: String, unresolved: [String])
    {
        guard text.contains("{{") else { return (text, []) }
        var out = ""
        var unresolved: [String] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            out += rest[rest.startIndex..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstRange(of: "}}") else {
                out += rest[open.lowerBound...]
                rest = rest[rest.endIndex...]
                break
            }
            let tag = afterOpen[afterOpen.startIndex..<close.lowerBound].trimmingSpaces
            if tag.hasPrefix("=") {
                out += try expression(String(tag.dropFirst()))
            } else if let v = lookup(String(tag)) {
                out += v
            } else {
                unresolved.append(String(tag))
                out += rest[open.lowerBound..<close.upperBound]
            }
            rest = afterOpen[close.upperBound...]
        }
        out += rest
        return (out, unresolved)
    }

    /// Every tag name in `text` (expression tags excluded), for lint.
    static func tags(in text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            let after = rest[open.upperBound...]
            guard let close = after.firstRange(of: "}}") else { break }
            let tag = after[after.startIndex..<close.lowerBound].trimmingSpaces
            found.append(String(tag))
            rest = after[close.upperBound...]
        }
        return found
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" { s = s.dropLast() }
        return s
    }
}

extension String {
    var trimmingWhitespace: String {
        String(Substring(self).trimmingSpaces)
    }
}
