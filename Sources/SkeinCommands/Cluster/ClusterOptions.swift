import ArgumentParser
import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import WorkflowEngine
import WorkflowModel

/// The flags every command that talks to a cluster takes, spelled as kubectl spells them.
struct ClusterOptions: ParsableArguments {
    @Option(help: "Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context to use (default: its current-context).")
    var context: String?

    @Option(name: [.short, .long], help: "The namespace (default: the context's, else default).")
    var namespace: String?

    @Option(help: "How long one API request may take before it fails, like 30s or 1m (0: no limit).")
    var requestTimeout: String?

    @Option(help: ArgumentHelp("API group of Skein's kinds, as installed with `skein crds --group`.", visibility: .hidden))
    var group = "skein.dev"

    func validate() throws {
        if let t = requestTimeout, WorkflowExecution.parseDuration(t) == nil {
            throw ValidationError("--request-timeout '\(t)' is not a duration like 30s, 1m or 0")
        }
    }

    /// The cluster of the kubeconfig. Configuration problems are invalid input (exit 2).
    func connect() throws -> Cluster {
        var config: ClientConfiguration
        do {
            config = try ConfigLoader.load(kubeconfig: kubeconfig, context: context, namespace: namespace)
        } catch {
            throw CLIFailure("\(error)", fix: "check --kubeconfig and --context (kubectl config get-contexts lists them)", code: 2)
        }
        if let t = requestTimeout, let s = WorkflowExecution.parseDuration(t) {
            // 0 means no limit, as for kubectl; a day stands in for it.
            config.requestTimeout = s <= 0 ? .seconds(86_400) : .milliseconds(Int64(s * 1000))
        }
        // A person is waiting: fail fast when the server is not there.
        config.retry.maxRetries = 2
        config.retry.maxBackoff = .seconds(1)
        let client: KubeClient
        do {
            client = try KubeClient(config)
        } catch {
            throw CLIFailure("\(error)", fix: "check the kubeconfig's cluster and user entries", code: 2)
        }
        return Cluster(client: client, namespace: config.namespace, origin: config.origin,
                       kinds: ControllerSettings(group: group))
    }
}

/// `-A`: every namespace.
struct AllNamespacesFlag: ParsableArguments {
    @Flag(name: [.customShort("A"), .long], help: "Every namespace.")
    var allNamespaces = false
}

/// A failure the CLI reports as is: `error: message`, an optional fix, an exit code.
struct CLIFailure: Error, CustomStringConvertible {
    var message: String
    var fix: String?
    var code: Int32

    init(_ message: String, fix: String? = nil, code: Int32 = 1) {
        self.message = message
        self.fix = fix
        self.code = code
    }

    var description: String { fix.map { "\(message)\n  fix: \($0)" } ?? message }
}

/// One cluster as the commands use it: the client, the namespace, Skein's kinds.
struct Cluster: Sendable {
    let client: KubeClient
    let namespace: String
    /// Where the configuration came from (kubeconfig file and context), for messages.
    let origin: String
    let kinds: ControllerSettings

    var workflows: ResourceType { kinds.workflows }
    var server: String { client.configuration.server }

    /// Runs `body`; an API failure becomes a message that says what to do.
    @discardableResult
    func call<T>(_ what: @autoclosure () -> String, resource: ResourceType, name: String? = nil, verb: String,
                 namespace: String? = nil, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let e as KubeError {
            throw await explain(e, what: what(), resource: resource, name: name, verb: verb, namespace: namespace ?? self.namespace)
        }
    }

    /// The message for a failed call, with the fix.
    func explain(_ e: KubeError, what: String, resource: ResourceType, name: String?, verb: String,
                 namespace: String) async -> CLIFailure {
        switch e {
        case .transport(let server, let message):
            return CLIFailure("cannot reach the Kubernetes API at \(server) (\(origin)): \(message)",
                              fix: "check that the cluster is running and that --context / --kubeconfig name it (kubectl cluster-info)")
        case .notFound(let s) where s.details?["name"] == nil:
            // The path itself is unknown: the kind is not installed.
            return CLIFailure("the cluster at \(server) has no \(resource.kind) kind (\(resource.resource).\(resource.group)): Skein's CRDs are not installed",
                              fix: "install them with `kubectl apply -f crds/` (or `skein crds | kubectl apply -f -`)")
        case .notFound:
            let kind = resource.kind
            let scope = resource.namespaced ? " in namespace \(namespace)" : ""
            var message = "\(kind) \"\(name ?? "")\" not found\(scope)"
            if let name {
                let names = ((try? await client.listAll(resource, namespace: resource.namespaced ? namespace : nil))?.items ?? []).compactMap(\.name)
                let close = ClosestNames.find(name, among: names)
                if !close.isEmpty {
                    message += "; did you mean \(close.map { "'\($0)'" }.joined(separator: " or "))?"
                } else if names.isEmpty {
                    message += " (there are none\(scope))"
                }
            }
            return CLIFailure(message, fix: resource.namespaced ? "check the name and the namespace (-n, or -A to list every namespace)" : "check the name")
        case .forbidden(let s):
            let scope = resource.namespaced ? " in namespace \(namespace)" : ""
            return CLIFailure("forbidden: you may not \(verb) \(resource.resource).\(resource.group.isEmpty ? "core" : resource.group)\(scope) (\(origin)): \(s.message)",
                              fix: "ask an administrator for a Role granting '\(verb)' on \(resource.resource), or use another --context")
        case .unauthorized(let s):
            return CLIFailure("the API server at \(server) did not accept the credentials of \(origin): \(s.message)",
                              fix: "log in again or refresh the kubeconfig's user credentials")
        case .alreadyExists:
            return CLIFailure("\(resource.kind) \"\(name ?? "")\" already exists in namespace \(namespace)",
                              fix: "choose another name, or use --generate-name")
        case .invalid(let s):
            return CLIFailure("the API server rejected \(what): \(s.message)", fix: "correct the fields it names", code: 2)
        default:
            return CLIFailure("\(what): \(e)")
        }
    }
}

/// Names close to a mistyped one: same prefix, or a small edit distance.
enum ClosestNames {
    static func find(_ name: String, among names: [String], limit: Int = 3) -> [String] {
        let scored = names.map { ($0, distance(name, $0)) }
        let allowed = max(2, name.count / 3)
        return scored.filter { $0.1 <= allowed || $0.0.hasPrefix(name) || name.hasPrefix($0.0) }
            .sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(limit).map(\.0)
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }
}

/// `-o` for commands that print objects.
enum ObjectOutput: String, ExpressibleByArgument, CaseIterable {
    case json, yaml, wide, name

    /// json and yaml print whole objects; wide and name are tables.
    /// Objects as JSON or YAML; `metadata.managedFields` left out, as kubectl does.
    func render(_ shown: [JSONValue], list: Bool) -> String? {
        let objects = shown.map { o -> JSONValue in
            guard o["metadata"]?["managedFields"] != nil else { return o }
            var t = o
            t.setMetadata("managedFields", nil)
            return t
        }
        switch self {
        case .json:
            return PrettyJSON.render(list ? ["apiVersion": "v1", "kind": "List", "items": .array(objects)] : objects.first ?? .null)
        case .yaml:
            return (list ? ["apiVersion": "v1", "kind": "List", "items": .array(objects)] : objects.first ?? .null).yamlText()
        case .wide, .name:
            return nil
        }
    }
}
