import ArgumentParser
import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON

struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print a shell completion script: bash, zsh or fish.",
        discussion: """
            bash: source <(skein completion bash)
            zsh:  skein completion zsh > "${fpath[1]}/_skein"
            fish: skein completion fish > ~/.config/fish/completions/skein.fish
            """)

    @Argument(help: "bash, zsh or fish.")
    var shell: String

    func validate() throws {
        guard CompletionShell(rawValue: shell) != nil else { throw ValidationError("unknown shell '\(shell)': give bash, zsh or fish") }
    }

    func run() {
        print(SkeinCommand.completionScript(for: CompletionShell(rawValue: shell)!), terminator: "")
    }
}

struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print skein's version and, when a cluster is reachable, the Kubernetes server's.")

    @OptionGroup var cluster: ClusterOptions

    @Flag(help: "Only the client's version; do not contact the cluster.")
    var client = false

    @Option(help: "The namespace the controller runs in (where it records its version).")
    var controllerNamespace = "skein"

    func run() async throws {
        print("skein \(SkeinVersion.current)")
        guard !client else { return }
        // A short wait unless told otherwise: the version of an absent server is not worth a minute.
        var options = cluster
        if options.requestTimeout == nil { options.requestTimeout = "5s" }
        guard let c = try? options.connect() else { return }
        guard let v = try? await c.client.serverVersion() else {
            print("kubernetes: not reachable at \(c.server)")
            return
        }
        print("kubernetes \(v.gitVersion) at \(c.server)")
        let name = c.kinds.controllerInfoName
        do {
            let info = try await c.client.get(.configMaps, name, namespace: controllerNamespace)
            let data = info["data"]
            print("controller \(data?["version"]?.stringValue ?? "unknown") (\(data?["identity"]?.stringValue ?? "?"), running since \(data?["startedAt"]?.stringValue ?? "?"))")
        } catch KubeError.notFound {
            print("controller: not found (no ConfigMap \(controllerNamespace)/\(name); install it with kubectl apply -f deploy/, or give --controller-namespace)")
        } catch {
            print("controller: unknown (\(error))")
        }
    }
}

/// `skein help-reference`: every command's help as Markdown (docs/cli.md is its output).
struct HelpReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "help-reference", abstract: "Print every command's help as Markdown (docs/cli.md).",
        shouldDisplay: false)

    func run() {
        var out = """
            # skein command reference

            Generated from the commands' own help by `skein help-reference > docs/cli.md`; a test
            checks that it is current. Commands that talk to a cluster also take `--kubeconfig`,
            `--context`, `-n/--namespace` and `--request-timeout`, as kubectl does.


            """
        func visit(_ command: ParsableCommand.Type, path: [String]) {
            let config = command.configuration
            guard config.shouldDisplay else { return }
            let name = config.commandName ?? ""
            let full = path + [name]
            let help = SkeinCommand.helpMessage(for: command, columns: 100)
            out += "## \(full.joined(separator: " "))\n\n```\n\(help.trimmingCharacters(in: .newlines))\n```\n\n"
            for sub in config.subcommands { visit(sub, path: full) }
        }
        for sub in SkeinCommand.configuration.subcommands { visit(sub, path: ["skein"]) }
        print(out, terminator: "")
    }
}
