import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import WorkflowModel
import WorkflowEngine

/// `skein controller --config NAME`: settings from a ConfigMap's `data`, one key per
/// setting (the flags' names in camelCase). Flags given on the command line win. Read
/// once at start: after changing it, restart the controller (kubectl rollout restart).
struct ControllerConfigMap: Sendable {
    var workers: Int?
    var qps: Float?
    var burst: Int?
    var parallelism: Int?
    var namespaceParallelism: Int?
    var executorImage: String?
    var executorImagePullPolicy: String?
    var artifactPVC: String?
    var artifactHostPath: String?
    var instanceID: String?
    var namespace: String?
    var events: EventPolicy?
    var clusterScopedResources: Bool?
    var reportTimeout: Double?
    var images: [String: ImageCommand]?
    var s3Repository: S3Repository?
    var archiveLogs: Bool?

    static let keys = ["workers", "qps", "burst", "parallelism", "namespaceParallelism", "executorImage", "executorImagePullPolicy",
                       "artifactPVC", "artifactHostPath", "instanceID", "namespace", "events", "clusterScopedResources", "reportTimeout", "images",
                       "artifactRepository", "archiveLogs"]

    /// `NAME` (in `defaultNamespace`) or `NAMESPACE/NAME`, read from the API.
    static func load(_ reference: String, client: KubeClient, defaultNamespace: String) async throws -> ControllerConfigMap {
        let parts = reference.split(separator: "/", maxSplits: 1).map(String.init)
        let (namespace, name) = parts.count == 2 ? (parts[0], parts[1]) : (defaultNamespace, reference)
        let object: JSONValue
        do {
            object = try await client.get(.configMaps, name, namespace: namespace)
        } catch let e as KubeError {
            throw CLIFailure("--config: cannot read ConfigMap \(namespace)/\(name): \(e)",
                             fix: "create it (deploy/30-config.yaml is an example), or leave out --config", code: 2)
        }
        return try parse(object["data"]?.objectValue ?? [:], source: "ConfigMap \(namespace)/\(name)")
    }

    /// The settings of a ConfigMap's data; an unknown key or a bad value is an error naming it.
    static func parse(_ data: [String: JSONValue], source: String) throws(CLIFailure) -> ControllerConfigMap {
        var c = ControllerConfigMap()
        for key in data.keys.sorted() {
            let text = (data[key]?.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            func int(min: Int) throws(CLIFailure) -> Int {
                guard let v = Int(text), v >= min else {
                    throw CLIFailure("\(source): data.\(key): '\(text)' is not a whole number of at least \(min)", code: 2)
                }
                return v
            }
            switch key {
            case "workers": c.workers = try int(min: 1)
            case "qps":
                guard let v = Float(text), v > 0 else { throw CLIFailure("\(source): data.qps: '\(text)' is not a positive number", code: 2) }
                c.qps = v
            case "burst": c.burst = try int(min: 1)
            case "parallelism": c.parallelism = try int(min: 0)
            case "namespaceParallelism": c.namespaceParallelism = try int(min: 0)
            case "executorImage": c.executorImage = text
            case "executorImagePullPolicy":
                guard ["Always", "IfNotPresent", "Never"].contains(text) else {
                    throw CLIFailure("\(source): data.executorImagePullPolicy: '\(text)' is not Always, IfNotPresent or Never", code: 2)
                }
                c.executorImagePullPolicy = text
            case "artifactPVC": c.artifactPVC = text
            case "artifactHostPath": c.artifactHostPath = text
            case "instanceID": c.instanceID = text
            case "namespace": c.namespace = text
            case "events":
                guard let e = EventPolicy(rawValue: text) else {
                    throw CLIFailure("\(source): data.events: '\(text)' is not none, failures or all", code: 2)
                }
                c.events = e
            case "reportTimeout":
                guard let d = Durations.seconds(text) else {
                    throw CLIFailure("\(source): data.reportTimeout: '\(text)' is not a duration like 5m", code: 2)
                }
                c.reportTimeout = d
            case "images":
                // Argo's shape: `IMAGE: {entrypoint: [...], cmd: [...]}`, as YAML or JSON text.
                let parsed = (try? YAMLLoader.load(text, file: "\(source) data.images"))?.first.flatMap { ImageCommand.parse($0.value) }
                guard let parsed else {
                    throw CLIFailure("\(source): data.images is not a map of image to {entrypoint, cmd}",
                                     fix: "write e.g. `argoproj/argosay:v2: {entrypoint: [/argosay]}`", code: 2)
                }
                c.images = parsed
            case "artifactRepository":
                // Argo's shape: `s3: {bucket, endpoint, insecure, region, keyPrefix, accessKeySecret, secretKeySecret}`.
                guard let doc = (try? YAMLLoader.load(text, file: "\(source) data.artifactRepository"))?.first?.value,
                      let s3 = doc["s3"] else {
                    throw CLIFailure("\(source): data.artifactRepository has no `s3:` repository",
                                     fix: "write e.g. `s3: {bucket: my-artifacts, endpoint: minio:9000, insecure: true, accessKeySecret: {name: s3-keys, key: accessKey}, secretKeySecret: {name: s3-keys, key: secretKey}}`", code: 2)
                }
                do {
                    c.s3Repository = try S3Repository.parse(s3, field: "data.artifactRepository.s3")
                } catch {
                    throw CLIFailure("\(source): \(error.message)", fix: error.fix, code: 2)
                }
                switch doc["archiveLogs"] {
                case nil: break
                case .bool(let b)?: c.archiveLogs = b
                default: throw CLIFailure("\(source): data.artifactRepository.archiveLogs must be true or false", code: 2)
                }
            case "archiveLogs":
                // For a volume repository (artifactPVC, artifactHostPath), which has no artifactRepository.
                guard text == "true" || text == "false" else {
                    throw CLIFailure("\(source): data.archiveLogs: '\(text)' is not true or false", code: 2)
                }
                c.archiveLogs = text == "true"
            case "clusterScopedResources":
                guard text == "true" || text == "false" else {
                    throw CLIFailure("\(source): data.clusterScopedResources: '\(text)' is not true or false", code: 2)
                }
                c.clusterScopedResources = text == "true"
            default:
                throw CLIFailure("\(source): unknown key data.\(key)", fix: "the keys are \(keys.joined(separator: ", "))", code: 2)
            }
        }
        if [c.artifactPVC != nil, c.artifactHostPath != nil, c.s3Repository != nil].filter({ $0 }).count > 1 {
            throw CLIFailure("\(source): give one of artifactPVC, artifactHostPath and artifactRepository", code: 2)
        }
        return c
    }
}
