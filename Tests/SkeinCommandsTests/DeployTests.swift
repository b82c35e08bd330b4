import ArgumentParser
import Foundation
import Controller
@testable import SkeinCommands
import SkeinJSON
import SkeinTestSupport
import Testing
import WorkflowModel
import WorkflowEngine

/// `deploy/` stays in step with the code: the controller's command line parses, its probes
/// hit the paths it serves, and the roles grant what the controller and executor do.
@Suite struct DeployTests {
    static func objects() throws -> [JSONValue] {
        let dir = Binaries.packageRoot + "/deploy"
        var out: [JSONValue] = []
        for f in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() where f.hasSuffix(".yaml") {
            let text = try String(contentsOfFile: "\(dir)/\(f)", encoding: .utf8)
            out += try YAMLLoader.load(text, file: "deploy/\(f)").map(\.value).filter { !$0.isNull }
        }
        return out
    }

    static func find(_ objects: [JSONValue], _ kind: String, _ name: String) -> JSONValue? {
        objects.first { $0["kind"]?.stringValue == kind && $0["metadata"]?["name"]?.stringValue == name }
    }

    @Test func theControllerDeploymentRunsAValidCommandWithProbesOnItsMetricsPort() throws {
        let objects = try Self.objects()
        let deployment = try #require(Self.find(objects, "Deployment", "skein-controller"))
        let pod = try #require(deployment["spec"]?["template"]?["spec"])
        let container = try #require(pod["containers"]?[0])
        let args = (container["args"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(args.first == "controller")
        // The arguments parse as `skein controller` does.
        #expect(throws: Never.self) { _ = try SkeinCommand.parseAsRoot(args) }
        let image = container["image"]?.stringValue ?? ""
        #expect(args.contains("--executor-image=\(image)"), "the executor image should be the controller's own")
        let port = args.first { $0.hasPrefix("--metrics-port=") }.flatMap { Int($0.dropFirst("--metrics-port=".count)) }
        #expect(container["ports"]?[0]?["containerPort"] == port.map { .int($0) })
        #expect(container["livenessProbe"]?["httpGet"]?["path"] == "/healthz")
        #expect(container["readinessProbe"]?["httpGet"]?["path"] == "/readyz")
        #expect(pod["serviceAccountName"] == "skein-controller")
        #expect(pod["securityContext"]?["runAsNonRoot"] == true)
        #expect(Self.find(objects, "ServiceAccount", "skein-controller")?["metadata"]?["namespace"] == deployment["metadata"]?["namespace"])
        #expect(Self.find(objects, "Service", "skein-controller-metrics") != nil)
        // --config names the ConfigMap beside it, whose every key is one the controller reads.
        let configName = try #require(args.first { $0.hasPrefix("--config=") }?.dropFirst("--config=".count))
        let config = try #require(Self.find(objects, "ConfigMap", String(configName)))
        #expect(config["metadata"]?["namespace"] == deployment["metadata"]?["namespace"])
        let settings = try ControllerConfigMap.parse(config["data"]?.objectValue ?? [:], source: "deploy")
        #expect(settings.artifactHostPath == "/var/lib/skein/artifacts" && settings.workers == 8)
    }

    @Test func configMapSettingsAreCheckedKeyByKey() throws {
        let good = try ControllerConfigMap.parse(["parallelism": "3", "namespaceParallelism": "1", "qps": "20.5",
                                                  "executorImagePullPolicy": "Never", "instanceID": "blue"], source: "cm")
        #expect(good.parallelism == 3 && good.namespaceParallelism == 1 && good.qps == 20.5)
        #expect(good.executorImagePullPolicy == "Never" && good.instanceID == "blue")
        func failure(_ data: [String: JSONValue]) -> String {
            do {
                _ = try ControllerConfigMap.parse(data, source: "ConfigMap skein/cfg")
                return ""
            } catch {
                return error.description
            }
        }
        #expect(failure(["paralelism": "1"]).contains("unknown key data.paralelism"))
        #expect(failure(["paralelism": "1"]).contains("namespaceParallelism"), "the fix lists the keys")
        #expect(failure(["workers": "0"]).contains("data.workers: '0' is not a whole number of at least 1"))
        #expect(failure(["qps": "fast"]).contains("data.qps"))
        #expect(failure(["executorImagePullPolicy": "Sometimes"]).contains("Always, IfNotPresent or Never"))
        #expect(failure(["artifactPVC": "a", "artifactHostPath": "/b"]).contains("give one of artifactPVC, artifactHostPath and artifactRepository"))
        // `artifactRepository`, in Argo's shape, as YAML text.
        let s3 = try ControllerConfigMap.parse(["artifactRepository": """
            s3:
              bucket: my-artifacts
              endpoint: minio:9000
              insecure: true
              keyPrefix: skein
              accessKeySecret: {name: s3-keys, key: accessKey}
              secretKeySecret: {name: s3-keys, key: secretKey}
            """], source: "cm")
        #expect(s3.s3Repository == S3Repository(bucket: "my-artifacts", endpoint: "minio:9000", insecure: true, keyPrefix: "skein",
                                                accessKeySecret: .init(name: "s3-keys", key: "accessKey"),
                                                secretKeySecret: .init(name: "s3-keys", key: "secretKey")))
        #expect(s3.s3Repository?.endpointURL == "http://minio:9000")
        #expect(failure(["artifactRepository": "gcs: {bucket: x}"]).contains("data.artifactRepository has no `s3:` repository"))
        #expect(failure(["artifactRepository": "s3: {endpoint: x}"]).contains("data.artifactRepository.s3.bucket is missing"))
        #expect(failure(["artifactRepository": "s3: {bucket: b, accessKeySecret: {name: k}}"]).contains("accessKeySecret needs `name` and `key`"))
        #expect(failure(["artifactRepository": "s3: {bucket: b, bukcet: c}"]).contains("unknown field 'bukcet'"))
        #expect(failure(["artifactRepository": "s3: {bucket: b}", "artifactHostPath": "/x"]).contains("give one of"))
        // archiveLogs: in the repository (Argo's place), or as a key of its own beside a volume repository.
        #expect(s3.archiveLogs == nil)
        #expect(try ControllerConfigMap.parse(["artifactRepository": "archiveLogs: true\ns3: {bucket: b}"], source: "cm").archiveLogs == true)
        #expect(try ControllerConfigMap.parse(["artifactHostPath": "/x", "archiveLogs": "true"], source: "cm").archiveLogs == true)
        #expect(failure(["artifactRepository": "archiveLogs: sometimes\ns3: {bucket: b}"]).contains("data.artifactRepository.archiveLogs must be true or false"))
        #expect(failure(["archiveLogs": "yes"]).contains("data.archiveLogs: 'yes' is not true or false"))
        // `images`, in Argo's shape, as YAML text.
        let images = try ControllerConfigMap.parse(["images": "argoproj/argosay:v2: {entrypoint: [/argosay]}\nmy/tool:1: {cmd: [run]}\n"],
                                                   source: "cm")
        #expect(images.images == ["argoproj/argosay:v2": ImageCommand(entrypoint: ["/argosay"]), "my/tool:1": ImageCommand(cmd: ["run"])])
        #expect(failure(["images": "my/tool: {command: [x]}"]).contains("data.images is not a map of image to {entrypoint, cmd}"))
        #expect(failure(["images": "[1, 2]"]).contains("data.images"))
    }

    /// Exactly the verbs the code uses, nothing more (issue 18: the ClusterRole granted more):
    /// a verb added to the code is added here and in deploy/ with its reason.
    @Test func rolesGrantExactlyWhatTheControllerAndTheExecutorUse() throws {
        let objects = try Self.objects()
        let controller = try #require(Self.find(objects, "ClusterRole", "skein-controller"))
        let uses: Set<String> = [
            "skein.dev/workflows:get", "skein.dev/workflows:list", "skein.dev/workflows:watch", "skein.dev/workflows:create",
            "skein.dev/workflows:patch", "skein.dev/workflows:delete",
            "skein.dev/workflows/status:patch", "skein.dev/cronworkflows/status:patch",
            "skein.dev/workflowtemplates:get", "skein.dev/workflowtemplates:list", "skein.dev/workflowtemplates:watch",
            "skein.dev/clusterworkflowtemplates:get", "skein.dev/clusterworkflowtemplates:list", "skein.dev/clusterworkflowtemplates:watch",
            "skein.dev/cronworkflows:list", "skein.dev/cronworkflows:watch",
            "skein.dev/workflowtaskresults:list", "skein.dev/workflowtaskresults:watch",
            "/pods:list", "/pods:watch", "/pods:create", "/pods:delete",
            "/persistentvolumeclaims:create",
            "/configmaps:get", "/configmaps:create", "/configmaps:patch",
            "/events:create",
            "coordination.k8s.io/leases:get", "coordination.k8s.io/leases:create", "coordination.k8s.io/leases:update",
            "/serviceaccounts:impersonate",
        ]
        #expect(Self.grants(controller) == uses)
        let executor = try #require(Self.find(objects, "ClusterRole", "skein-executor"))
        #expect(Self.grants(executor) == ["skein.dev/workflowtaskresults:create", "/pods:get", "/pods:patch"])
        let binding = try #require(Self.find(objects, "ClusterRoleBinding", "skein-controller"))
        #expect(binding["subjects"]?[0]?["name"] == "skein-controller")
    }

    /// Every `group/resource:verb` a role grants (no wildcards allowed).
    static func grants(_ role: JSONValue) -> Set<String> {
        var out: Set<String> = []
        for rule in role["rules"]?.arrayValue ?? [] {
            for g in rule["apiGroups"]?.arrayValue ?? [] {
                for r in rule["resources"]?.arrayValue ?? [] {
                    for v in rule["verbs"]?.arrayValue ?? [] {
                        out.insert("\(g.stringValue ?? "")/\(r.stringValue ?? ""):\(v.stringValue ?? "")")
                    }
                }
            }
        }
        return out
    }
}
