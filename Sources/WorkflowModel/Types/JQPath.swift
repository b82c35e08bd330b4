import Foundation

/// The part of jq that resource outputs use (`valueFrom.jqFilter`): paths such as `.`,
/// `.status.phase`, `.items[0].metadata.name`, `.metadata.labels["app.kubernetes.io/name"]`
/// or `.spec.replicas?`, optionally followed by `| length` or `| keys`. The value is printed as
/// `jq -rc` prints it (Argo runs `kubectl get -o json | jq -rc FILTER`): strings raw, anything
/// else as compact JSON, a missing key as `null`.
public struct JQPath: Sendable {
    public enum Step: Sendable, Equatable {
        case key(String, optional: Bool)
        case index(Int, optional: Bool)
    }

    public enum Tail: String, Sendable {
        case length, keys
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public let source: String
    public let steps: [Step]
    public let tail: Tail?

    static let supported = "jqFilter supports paths such as ., .status.phase, .items[0].metadata.name or .metadata.labels[\"app\"], optionally followed by | length or | keys"

    public init(parsing text: String) throws(Failure) {
        source = text
        let parts = text.split(separator: "|", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.count == 2 {
            guard let t = Tail(rawValue: parts[1]) else {
                throw Failure(description: "'\(text)': '| \(parts[1])' is not supported; \(Self.supported)")
            }
            tail = t
        } else {
            tail = nil
        }
        let chars = Array(parts.first ?? "")
        func bad(_ why: String) -> Failure { Failure(description: "'\(text)': \(why); \(Self.supported)") }
        guard chars.first == "." else { throw bad("a filter starts with '.'") }
        var steps: [Step] = []
        var i = 1
        func identifier() -> String? {
            var name = ""
            while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" {
                name.append(chars[i])
                i += 1
            }
            return name.isEmpty ? nil : name
        }
        func quoted() throws(Failure) -> String {
            i += 1
            var s = ""
            while i < chars.count, chars[i] != "\"" {
                if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                s.append(chars[i])
                i += 1
            }
            guard i < chars.count else { throw bad("a quoted key is not closed") }
            i += 1
            return s
        }
        func optionalMark() -> Bool {
            if i < chars.count, chars[i] == "?" {
                i += 1
                return true
            }
            return false
        }
        // Right after the leading dot: a key, a quoted key, or nothing (".", ".[0]").
        var afterDot = true
        while i < chars.count {
            let c = chars[i]
            if afterDot, c == "\"" {
                let k = try quoted()
                steps.append(.key(k, optional: optionalMark()))
            } else if afterDot, let k = identifier() {
                steps.append(.key(k, optional: optionalMark()))
            } else if c == "." {
                i += 1
                afterDot = true
                continue
            } else if c == "[" {
                i += 1
                if i < chars.count, chars[i] == "\"" {
                    let k = try quoted()
                    guard i < chars.count, chars[i] == "]" else { throw bad("expected ] after the key") }
                    i += 1
                    steps.append(.key(k, optional: optionalMark()))
                } else {
                    var digits = ""
                    if i < chars.count, chars[i] == "-" {
                        digits = "-"
                        i += 1
                    }
                    while i < chars.count, chars[i].isNumber {
                        digits.append(chars[i])
                        i += 1
                    }
                    guard let n = Int(digits), i < chars.count, chars[i] == "]" else { throw bad("expected an index like [0]") }
                    i += 1
                    steps.append(.index(n, optional: optionalMark()))
                }
            } else {
                throw bad("unexpected '\(c)'")
            }
            afterDot = false
        }
        self.steps = steps
    }

    /// The value, as `jq -rc` prints it.
    public func evaluate(_ root: JSONValue) throws(Failure) -> String {
        var v = root
        for step in steps {
            switch (step, v) {
            case (.key(let k, _), .object(let o)): v = o[k] ?? .null
            case (.key, .null), (.index, .null): v = .null
            case (.index(let n, _), .array(let a)):
                let at = n < 0 ? a.count + n : n
                v = a.indices.contains(at) ? a[at] : .null
            case (.key(let k, let optional), _):
                if optional { return "" }
                throw Failure(description: "'\(source)': cannot index \(v.kindName) with \"\(k)\"")
            case (.index(_, let optional), _):
                if optional { return "" }
                throw Failure(description: "'\(source)': cannot index \(v.kindName) with a number")
            }
        }
        switch tail {
        case .length?:
            switch v {
            case .object(let o): v = .int(o.count)
            case .array(let a): v = .int(a.count)
            case .string(let s): v = .int(s.count)
            case .null: v = .int(0)
            default: throw Failure(description: "'\(source)': \(v.kindName) has no length")
            }
        case .keys?:
            guard case .object(let o) = v else { throw Failure(description: "'\(source)': \(v.kindName) has no keys") }
            v = .array(o.keys.sorted().map { .string($0) })
        case nil: break
        }
        if case .string(let s) = v { return s }
        return v.compactJSON
    }
}
