import Foundation
import WorkflowModel

/// What a container image would run when a container gives no `command`: a host run cannot
/// read an image's entrypoint, so Skein keeps a map from image name patterns to `entrypoint`
/// and `cmd`, with built-in entries for common images and user entries from
/// `--images FILE` or `.skein/images.yaml`.
public struct ImageMap: Sendable {
    public struct Entry: Sendable, Hashable {
        public var pattern: String
        public var entrypoint: [String]?
        public var cmd: [String]?
        public init(pattern: String, entrypoint: [String]?, cmd: [String]?) {
            self.pattern = pattern
            self.entrypoint = entrypoint
            self.cmd = cmd
        }
    }

    /// User entries first: they win over the built-ins.
    public var entries: [Entry]

    public init(userEntries: [Entry] = []) {
        entries = userEntries + ImageMap.builtIn
    }

    public static let builtIn: [Entry] = [
        Entry(pattern: "alpine*", entrypoint: nil, cmd: ["sh"]),
        Entry(pattern: "busybox*", entrypoint: nil, cmd: ["sh"]),
        Entry(pattern: "debian*", entrypoint: nil, cmd: ["bash"]),
        Entry(pattern: "ubuntu*", entrypoint: nil, cmd: ["bash"]),
        Entry(pattern: "bash*", entrypoint: nil, cmd: ["bash"]),
        Entry(pattern: "python*", entrypoint: nil, cmd: ["python3"]),
        Entry(pattern: "argoproj/argosay:v2", entrypoint: ["argosay"], cmd: nil),
        Entry(pattern: "argoproj/argosay:v1", entrypoint: nil, cmd: ["cowsay"]),
        Entry(pattern: "docker/whalesay*", entrypoint: nil, cmd: ["bash"]),
    ]

    /// The first entry whose pattern matches the image (`*` matches any run of characters;
    /// an image without a tag also matches a pattern naming `:latest`).
    public func entry(for image: String) -> Entry? {
        let candidates = [image, image.hasPrefix("docker.io/") ? String(image.dropFirst(10)) : image,
                          image.hasPrefix("docker.io/library/") ? String(image.dropFirst(18)) : image]
        for e in entries {
            for c in candidates where ImageMap.glob(e.pattern, c) { return e }
        }
        return nil
    }

    static func glob(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == t[ti] || p[pi] == "?" {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// Read user entries from a YAML or JSON file:
    /// `images: {"my/image:*": {entrypoint: [tool], cmd: [--help]}}`.
    public static func load(file: String) throws -> [Entry] {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw Diagnostic(SourceLocation(file: file), "cannot read the image map: \(error.localizedDescription)")
        }
        let docs = try YAMLLoader.load(text, file: file)
        guard let doc = docs.first else { return [] }
        let root = doc.value["images"] ?? doc.value
        guard case .object(let map) = root else {
            throw Diagnostic(SourceLocation(file: file, position: doc.positions.position(of: .root)),
                             "the image map must be a map of image patterns to {entrypoint, cmd}",
                             fix: "write `images: {\"alpine*\": {cmd: [sh]}}`")
        }
        var out: [Entry] = []
        for (pattern, v) in map.sorted(by: { $0.key < $1.key }) {
            func list(_ key: String) throws -> [String]? {
                guard let x = v[key], !x.isNull else { return nil }
                if let s = x.stringValue { return [s] }
                guard let a = x.arrayValue else {
                    throw Diagnostic(SourceLocation(file: file, position: doc.positions.nearestPosition(of: FieldPath([.key("images"), .key(pattern), .key(key)])),
                                                    path: FieldPath([.key("images"), .key(pattern), .key(key)])),
                                     "\(key) must be a list of strings")
                }
                return a.compactMap(\.scalarText)
            }
            out.append(Entry(pattern: pattern, entrypoint: try list("entrypoint"), cmd: try list("cmd")))
        }
        return out
    }
}
