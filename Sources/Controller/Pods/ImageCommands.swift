public import SkeinJSON
import WorkflowModel

/// What an image runs when a container gives no `command`, for steps that run through the
/// emissary (which must be told the program). The controller cannot read an image's
/// entrypoint from a registry; like Argo's `images` key of its ConfigMap, this table says it:
/// built-in entries for images Argo's examples use, then the ConfigMap's, which win.
public struct ImageCommand: Sendable, Hashable {
    public var entrypoint: [String]?
    public var cmd: [String]?
    public init(entrypoint: [String]? = nil, cmd: [String]? = nil) {
        self.entrypoint = entrypoint
        self.cmd = cmd
    }

    /// The real images' ENTRYPOINT and CMD (as `docker inspect` shows them).
    public static let builtIn: [String: ImageCommand] = [
        "argoproj/argosay:v2": ImageCommand(entrypoint: ["/argosay"]),
        "argoproj/argosay:v1": ImageCommand(cmd: ["cowsay"]),
        "docker/whalesay": ImageCommand(cmd: ["/bin/bash"]),
        "docker/whalesay:latest": ImageCommand(cmd: ["/bin/bash"]),
        "alpine": ImageCommand(cmd: ["/bin/sh"]),
        "busybox": ImageCommand(cmd: ["sh"]),
        "debian": ImageCommand(cmd: ["bash"]),
        "ubuntu": ImageCommand(cmd: ["/bin/bash"]),
        "python": ImageCommand(cmd: ["python3"]),
    ]

    /// The entry for an image: an exact name first, then the name without its tag (so
    /// `alpine:3.20` finds `alpine`); `docker.io/` and `docker.io/library/` are ignored.
    public static func lookup(_ image: String, in table: [String: ImageCommand]) -> ImageCommand? {
        var name = image
        for prefix in ["docker.io/library/", "docker.io/"] where name.hasPrefix(prefix) { name = String(name.dropFirst(prefix.count)) }
        if let e = table[name] { return e }
        let withoutDigest = name.split(separator: "@").first.map(String.init) ?? name
        if let e = table[withoutDigest] { return e }
        // The tag is what follows the last ':' after the last '/' (a registry port has a '/' after it).
        if let colon = withoutDigest.lastIndex(of: ":"), !withoutDigest[colon...].contains("/") {
            return table[String(withoutDigest[..<colon])]
        }
        return nil
    }

    /// The program and arguments a container runs, as Kubernetes decides: `command` replaces
    /// the image's entrypoint, `args` its cmd. Nil when neither the container nor the table says.
    public static func argv(command: [JSONValue]?, args: [JSONValue]?, image: String?,
                            table: [String: ImageCommand]) -> [JSONValue]? {
        if let command, !command.isEmpty { return command + (args ?? []) }
        guard let image, let entry = lookup(image, in: table) else { return nil }
        let argv = (entry.entrypoint ?? []).map(JSONValue.string) + (args ?? (entry.cmd ?? []).map(JSONValue.string))
        return argv.isEmpty ? nil : argv
    }

    /// Argo's shape of the ConfigMap key: `IMAGE: {entrypoint: [...], cmd: [...]}` per image.
    public static func parse(_ value: JSONValue) -> [String: ImageCommand]? {
        guard case .object(let o) = value else { return nil }
        var out: [String: ImageCommand] = [:]
        for (image, spec) in o {
            guard case .object(let fields) = spec, fields.keys.allSatisfy({ $0 == "entrypoint" || $0 == "cmd" }) else { return nil }
            func list(_ k: String) -> [String]? { fields[k]?.arrayValue?.compactMap(\.stringValue) }
            out[image] = ImageCommand(entrypoint: list("entrypoint"), cmd: list("cmd"))
        }
        return out
    }
}
