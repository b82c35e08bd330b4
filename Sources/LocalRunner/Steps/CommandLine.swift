import Foundation
import WorkflowModel

/// Turns a container or script template into the host command line a local step runs.
struct StepCommand {
    var argv: [String]
    /// For script templates: the source to write to a file appended to `argv`.
    var scriptSource: String?

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func resolve(_ t: Template, stepName: String, images: ImageMap, path: String) throws(Failure) -> StepCommand {
        let isScript = t.script != nil
        guard let raw = t.script ?? t.container else {
            throw Failure(description: "step '\(stepName)' has no container or script")
        }
        let c = ContainerView(raw)
        var argv: [String]
        if let command = c.command, !command.isEmpty {
            argv = command + (c.args ?? [])
        } else if let image = c.image {
            guard let entry = images.entry(for: image) else {
                throw Failure(description: "step '\(stepName)': image '\(image)' has no command, and skein run cannot read an image's entrypoint; add `command:` to the container, or map the image in .skein/images.yaml (images: {\"\(image)\": {entrypoint: [PROGRAM]}}) or a file given with --images")
            }
            if let ep = entry.entrypoint, !ep.isEmpty {
                argv = ep + (c.args ?? entry.cmd ?? [])
            } else {
                argv = c.args ?? entry.cmd ?? []
            }
        } else {
            throw Failure(description: "step '\(stepName)' has neither a command nor an image")
        }
        if isScript && argv.isEmpty { argv = ["sh"] }
        guard !argv.isEmpty else {
            throw Failure(description: "step '\(stepName)' has an empty command line")
        }
        // An absolute program path from inside the image (`/argosay`, `/usr/local/bin/tool`)
        // that this machine does not have: run the program of that name found on PATH.
        if argv[0].hasPrefix("/"), !FileManager.default.isExecutableFile(atPath: argv[0]) {
            let name = String(argv[0].split(separator: "/").last ?? "")
            if !name.isEmpty, StepCommand.which(name, path: path) != nil { argv[0] = name }
        }
        // `python` where only `python3` exists.
        if argv[0] == "python", StepCommand.which("python", path: path) == nil, StepCommand.which("python3", path: path) != nil {
            argv[0] = "python3"
        }
        return StepCommand(argv: argv, scriptSource: isScript ? (c.source ?? "") : nil)
    }

    static func which(_ name: String, path: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
