import Foundation
import ArgumentParser
import WorkflowModel

/// `-o json|yaml`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case json, yaml

    func render(_ value: JSONValue) -> String {
        switch self {
        case .json: return PrettyJSON.render(value)
        case .yaml: return value.yamlText()
        }
    }
}

/// Indented JSON with sorted keys, as `kubectl get -o json` prints.
enum PrettyJSON {
    static func render(_ v: JSONValue) -> String {
        var out = ""
        write(v, indent: 0, into: &out)
        return out
    }

    static func write(_ v: JSONValue, indent: Int, into out: inout String) {
        let pad = String(repeating: "    ", count: indent)
        let inner = String(repeating: "    ", count: indent + 1)
        switch v {
        case .array(let a) where !a.isEmpty:
            out += "[\n"
            for (i, x) in a.enumerated() {
                out += inner
                write(x, indent: indent + 1, into: &out)
                out += i == a.count - 1 ? "\n" : ",\n"
            }
            out += pad + "]"
        case .object(let o) where !o.isEmpty:
            out += "{\n"
            let keys = o.keys.sorted()
            for (i, k) in keys.enumerated() {
                out += inner + JSONValue.string(k).compactJSON + ": "
                write(o[k]!, indent: indent + 1, into: &out)
                out += i == keys.count - 1 ? "\n" : ",\n"
            }
            out += pad + "}"
        default:
            out += v.compactJSON
        }
    }
}

/// `name=value` options (`--resume-with`, `--output-parameter`) as a map; the text after the
/// first `=` is the value, the last of a name wins.
enum NameValue {
    static func pairs(_ items: [String]) -> [String: String] {
        var out: [String: String] = [:]
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            out[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return out
    }
}
