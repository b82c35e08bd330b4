import WorkflowExpressions

/// Collects diagnostics for one document.
struct LintContext {
    let doc: SourceDocument
    let library: LintLibrary
    var diagnostics: [Diagnostic] = []

    init(doc: SourceDocument, library: LintLibrary) {
        self.doc = doc
        self.library = library
    }

    mutating func error(_ path: FieldPath, _ message: String, fix: String? = nil) {
        diagnostics.append(doc.diagnostic(path, message, fix: fix))
    }

    /// Unknown keys in an object whose fields Argo defines.
    mutating func checkFields(_ value: JSONValue?, _ known: Set<String>, at path: FieldPath) {
        guard case .object(let o)? = value else { return }
        for key in o.keys.sorted() where !known.contains(key) {
            if let fix = KnownFields.replacement(for: key, in: known) {
                error(path / key, "unknown field '\(key)'", fix: fix)
                continue
            }
            let suggestion = KnownFields.suggestion(for: key, in: known)
            error(path / key, "unknown field '\(key)'",
                  fix: suggestion.map { "did you mean '\($0)'?" } ?? "remove it, or check the spelling against Argo's field reference")
        }
    }

    mutating func checkName() {
        let meta = doc.raw["metadata"]
        let path = FieldPath([.key("metadata")])
        guard let name = meta?["name"]?.stringValue else {
            if meta?["generateName"]?.stringValue == nil {
                if meta?["labels"]?["generateName"] != nil || meta?["labels"]?["name"] != nil {
                    error(path, "metadata needs a name or a generateName; one is indented under metadata.labels",
                          fix: "move it out of labels, to the same level as labels")
                } else {
                    error(path, "metadata needs a name or a generateName", fix: "add `generateName: my-workflow-`")
                }
            }
            return
        }
        if !Names.isDNSSubdomain(name) {
            error(path / "name", "name '\(name)' is not a valid Kubernetes name",
                  fix: "use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters")
        }
    }
}

enum Names {
    /// DNS-1123 subdomain (object names).
    static func isDNSSubdomain(_ s: String) -> Bool {
        guard !s.isEmpty, s.count <= 253 else { return false }
        let bytes = Array(s.utf8)
        for (i, b) in bytes.enumerated() {
            let alnum = (b >= 97 && b <= 122) || (b >= 48 && b <= 57)
            if i == 0 || i == bytes.count - 1 {
                if !alnum { return false }
            } else if !(alnum || b == 45 || b == 46) {
                return false
            }
        }
        return true
    }

    /// Template, step and task names: letters, digits and '-', starting with a letter or digit, at most 128.
    static func isTemplateName(_ s: String) -> Bool {
        guard let first = s.utf8.first, s.count <= 128 else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) }
        guard alnum(first) else { return false }
        return s.utf8.allSatisfy { alnum($0) || $0 == 45 }
    }
}

extension LintContext {
    /// A duration field (`timeout`, `suspend.duration`, a backoff): a Go duration or a number
    /// of seconds, in range. Values with `{{...}}` are checked when they are known, at run time.
    mutating func checkDuration(_ value: JSONValue?, at path: FieldPath, name: String, example: String = "30s, 5m or 1h") {
        guard let value, let text = value.scalarText, !text.contains("{{") else { return }
        if case .int(let i) = value {
            if i < 0 { error(path, "\(name) is \(i); a duration is at least 0") }
            return
        }
        if let problem = Durations.problem(text, field: name, example: example) {
            error(path, problem, fix: "write a duration such as \(example)")
        }
    }
}
