import Controller
import Foundation
import Sandbox
import KubeAPI
import KubeClient
import KubeSim
import SkeinJSON
import SkeinTestSupport
import Testing
import WorkflowModel

/// The controller on KubeSim: real pods (init, emissary, wait all running as processes),
/// real watches, real status writes.
@Suite(.serialized) struct ControllerEndToEndTests {
    static var examplesDirectory: String { Binaries.packageRoot + "/examples" }
    static var exampleFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: examplesDirectory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    /// Every example reaches the phase it documents, with the same nodes, phases and outputs
    /// (parameters and `result`) as `skein run` gives it. Parameters and artifacts pass
    /// between pods through task results and the artifact repository.
    @Test func everyExampleRunsAsWithSkeinRun() async throws {
        #expect(Self.exampleFiles.count >= 12)
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        var names: [String: String] = [:]
        var crons: [String: String] = [:]
        for file in Self.exampleFiles {
            let text = try String(contentsOfFile: "\(Self.examplesDirectory)/\(file)", encoding: .utf8)
            let docs = try DocumentLoader.load(text: text, file: file)
            // What the file holds besides (a claim), created first as `kubectl apply -f` would.
            for d in try YAMLLoader.load(text, file: file) where d.value["kind"]?.stringValue == "PersistentVolumeClaim" {
                do {
                    _ = try await h.client.create(.persistentVolumeClaims, d.value, namespace: "default")
                } catch KubeError.alreadyExists {}
            }
            if let cron = docs.first(where: { $0.kind == .cronWorkflow }) {
                // Its first scheduled workflow stands for it.
                crons[file] = try await h.client.create(h.settings.cronWorkflows, cron.raw, namespace: "default").name
                continue
            }
            names[file] = try await h.submit(yaml: text, file: file)
        }
        for (file, cron) in crons {
            let label = "\(h.settings.cronWorkflowLabel)=\(cron)"
            // A schedule not due within the test (a nightly one) gets its run as
            // `skein cron trigger` makes it.
            let object = try await h.client.get(h.settings.cronWorkflows, cron, namespace: "default")
            let texts = (object["spec"]?["schedule"]?.stringValue.map { [$0] } ?? []) + (object["spec"]?["schedules"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let schedules = try texts.map { try CronSchedule($0, timeZone: object["spec"]?["timezone"]?.stringValue) }
            let now = Date().timeIntervalSince1970
            if CronRuns.slots(schedules, from: now, to: now + 30).isEmpty,
               let run = CronRuns.scheduledWorkflow(object, at: now.rounded(.down), settings: h.settings, suffix: "-manual") {
                _ = try await h.client.create(h.settings.workflows, run, namespace: "default")
            }
            #expect(try await h.eventually(timeout: 40) {
                !(try await h.client.list(h.settings.workflows, namespace: "default", options: ListOptions(labelSelector: label)).items.isEmpty)
            }, "\(file): no workflow was scheduled")
            names[file] = try await h.client.list(h.settings.workflows, namespace: "default", options: ListOptions(labelSelector: label))
                .items.compactMap(\.name).sorted().first
        }
        for file in Self.exampleFiles {
            let path = "\(Self.examplesDirectory)/\(file)"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let expected = text.split(separator: "\n").first { $0.hasPrefix("# Expected phase:") }?
                .split(separator: ":").last?.trimmingCharacters(in: .whitespaces)
            let wf = try await h.waitForCompletion(try #require(names[file]))
            let messages = (wf["status"]?["nodes"]?.objectValue?.values.compactMap { $0["message"]?.stringValue } ?? []).sorted()
            #expect(phase(wf) == expected, "\(file): \(wf["status"]?["message"]?.stringValue ?? ""); nodes: \(messages)")
            let with = text.split(separator: "\n").filter { $0.hasPrefix("# With:") }
                .flatMap { $0.dropFirst("# With:".count).split(separator: " ").map { "\(Self.examplesDirectory)/\($0)" } }
            let local = try await SimCluster.offPool { try SkeinCLI().run(["run", path] + with + ["-o", "json"]) }
            let localWorkflow = try JSONValue.parseJSON(local.stdout)
            #expect(nodeSummary(wf) == nodeSummary(localWorkflow), "\(file): the controller and skein run disagree")
            // Progress, node by node and for the workflow, as Argo sums it (ProgressTests), alike in both.
            func progress(_ w: JSONValue) -> [String] {
                (w["status"]?["nodes"]?.objectValue?.values.map { "\($0["displayName"]?.stringValue ?? "") \($0["progress"]?.stringValue ?? "-")" } ?? [])
                    .map { $0.replacingOccurrences(of: w.name ?? "?", with: "WF") }.sorted() + [w["status"]?["progress"]?.stringValue ?? "-"]
            }
            #expect(progress(wf) == progress(localWorkflow), "\(file): progress differs")
            #expect(wf["status"]?["progress"]?.stringValue?.contains("/") == true)
            func nodes(_ w: JSONValue) -> [JSONValue] { w["status"]?["nodes"]?.objectValue?.values.map { $0 } ?? [] }
            if file == "retries.yaml" {
                // Each attempt is flagged retried, and only the attempts (Argo's nodeFlag).
                for w in [wf, localWorkflow] {
                    let flagged = nodes(w).filter { $0["nodeFlag"]?["retried"] == true }
                    #expect(!flagged.isEmpty && flagged.allSatisfy { ($0["name"]?.stringValue ?? "").hasSuffix(")") },
                            "\(flagged.map { $0["name"]?.stringValue ?? "" })")
                    #expect(nodes(w).filter { $0["type"] == "Retry" }.allSatisfy { $0["nodeFlag"] == nil })
                }
            }
            if file == "exit-handler.yaml" {
                for w in [wf, localWorkflow] {
                    let handler = nodes(w).first { ($0["name"]?.stringValue ?? "").hasSuffix(".onExit") }
                    #expect(handler?["nodeFlag"]?["hooked"] == true, "\(handler?.compactJSON ?? "no onExit node")")
                }
            }
            if file == "loops.yaml" {
                // A loop over an empty list: a Skipped node with Argo's message, in both runtimes.
                for w in [wf, localWorkflow] {
                    let node = w["status"]?["nodes"]?.objectValue?.values.first { $0["displayName"] == "nothing-to-do" }
                    #expect(node?["type"] == "Skipped" && node?["phase"] == "Skipped")
                    #expect(node?["message"] == "Skipped, empty params")
                }
            }
        }
        // Steps that pass artifacts ran with the executor and reported through task results.
        let artifacts = try #require(names["artifacts.yaml"])
        let pods = try await h.pods(of: artifacts)
        #expect(pods.contains { StepObservation.usesExecutor($0) })
        let results = try await h.client.list(h.settings.taskResults, namespace: "default",
                                              options: ListOptions(labelSelector: "\(h.settings.workflowLabel)=\(artifacts)")).items
        #expect(!results.isEmpty)
        #expect(FileManager.default.fileExists(atPath: h.artifactDirectory))
        // Every pod the controller made is a valid Pod (known fields, required ones there).
        let allPods = try await h.client.listAll(.pods, namespace: "default").items
        #expect(allPods.count > 30)
        for pod in allPods {
            #expect(PodSchema.problems(pod) == [], "pod \(pod.name ?? "")")
        }
        // A step nothing reads the result of runs as a plain pod: one container, no executor.
        let hello = try await h.pods(of: try #require(names["hello.yaml"]))
        #expect(hello.count == 1)
        #expect(hello.first?["spec"]?["containers"]?.arrayValue?.count == 1)
        #expect(hello.first?["spec"]?["initContainers"] == nil)
    }

    /// The way README.md tells a new user to try it: kubectl applies the CRDs and a workflow,
    /// `skein controller` runs as its own process, `kubectl get wf` shows the columns.
    @Test func kubectlApplyAndTheControllerCommand() async throws {
        guard SimCluster.kubectlPath != nil else {
            Issue.record("kubectl is not installed: .ci/run installs it")
            return
        }
        let h = try await ControllerHarness.start(startController: false)
        defer { Task { await h.stop() } }
        let root = Binaries.packageRoot
        let crds = try await h.cluster.kubectl(["apply", "-f", "\(root)/crds/"])
        #expect(crds.status == 0, "\(crds.stderr)")
        let log = h.cluster.directory + "/controller.log"
        let controller = try ChildProcess(try Binaries.path("skein"),
                                          ["controller", "--kubeconfig", h.cluster.kubeconfig, "--executor-image", "skein:test",
                                           "--metrics-port", "0"], stderr: .file(log))
        let applied = try await h.cluster.kubectl(["apply", "-f", "\(root)/examples/hello.yaml"])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(try await h.waitFor("hello") { phase($0) == "Succeeded" }, "log: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        let table = try await h.cluster.kubectl(["get", "wf"])
        let lines = table.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(lines.first == ["NAME", "STATUS", "AGE", "DURATION", "PROGRESS", "MESSAGE"])
        let row = try #require(lines.dropFirst().first)
        #expect(row.first == "hello")
        #expect(row.count >= 5 && row[1] == "Succeeded" && row[4] == "1/1", "\(table.stdout)")
        #expect(row.count >= 4 && row[3].hasSuffix("s"), "DURATION: \(table.stdout)")
        // Health checks and Prometheus metrics, on the port it reports.
        let logText = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // Not a terminal: structured logs, one JSON object per line.
        let ready = try #require(logText.split(separator: "\n").first { $0.contains("controller ready") }, "\(logText)")
        let entry = try JSONValue.parseJSON(String(ready))
        #expect(entry["msg"] == "controller ready")
        #expect(entry["level"] == "info")
        #expect(entry["time"]?.stringValue?.hasSuffix("Z") == true)
        let port = try #require(logText.split(separator: "\n").first { $0.contains("metrics on port") }?
            .split(separator: " ").last.flatMap { Int($0) }, "no port in: \(logText)")
        let curl = try #require(SimCluster.curlPath)
        func get(_ path: String) async throws -> CommandResult {
            try await SimCluster.offPool { try Command.run(curl, ["-s", "-w", "\\n%{http_code}", "http://127.0.0.1:\(port)\(path)"]) }
        }
        #expect(try await get("/healthz").stdout == "ok\n200")
        #expect(try await get("/readyz").stdout == "ok\n200")
        let metrics = try await get("/metrics").stdout
        #expect(metrics.contains("skein_workflows{phase=\"Succeeded\"} 1"), "\(metrics)")
        #expect(metrics.contains("skein_pods_created_total 1"), "\(metrics)")
        #expect(metrics.contains("skein_api_requests_total{verb=\"POST\",code=\"201\"}"), "\(metrics)")
        #expect(metrics.contains("skein_reconcile_duration_seconds_count"), "\(metrics)")
        #expect(metrics.contains("skein_queue_depth 0"), "\(metrics)")
        // SIGTERM stops it cleanly.
        controller.terminate()
        let exited = await SimCluster.eventually(timeout: 10) { !controller.isRunning }
        #expect(exited)
        if exited { #expect(controller.terminationStatus == 0) }
    }

    /// 100 broken workflows (20 each of five kinds, and one of 3 MB) among 100 good ones:
    /// each broken one ends Error with the problems lint finds, every good one succeeds, and
    /// the controller goes on.
    @Test func brokenWorkflowsFailWithLintsMessageAndTheControllerGoesOn() async throws {
        let h = try await ControllerHarness.start(instant: true)
        defer { Task { await h.stop() } }
        let good = """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: good-}
            spec:
              entrypoint: main
              templates:
                - name: main
                  container: {image: alpine, command: [echo, ok]}
            """
        let broken: [(String, String)] = [
            ("missing template", """
                apiVersion: skein.dev/v1alpha1
                kind: Workflow
                metadata: {generateName: broken-}
                spec:
                  entrypoint: main
                  templates:
                    - name: main
                      steps: [[{name: a, template: nowhere}]]
                """),
            ("cycle", """
                apiVersion: skein.dev/v1alpha1
                kind: Workflow
                metadata: {generateName: broken-}
                spec:
                  entrypoint: main
                  templates:
                    - name: main
                      dag:
                        tasks:
                          - {name: a, template: echo, dependencies: [b]}
                          - {name: b, template: echo, dependencies: [a]}
                    - name: echo
                      container: {image: alpine, command: [echo]}
                """),
            ("unparsable when", """
                apiVersion: skein.dev/v1alpha1
                kind: Workflow
                metadata: {generateName: broken-}
                spec:
                  entrypoint: main
                  templates:
                    - name: main
                      steps: [[{name: a, template: echo, when: "(1 =="}]]
                    - name: echo
                      container: {image: alpine, command: [echo]}
                """),
            ("wrong type", """
                apiVersion: skein.dev/v1alpha1
                kind: Workflow
                metadata: {generateName: broken-}
                spec:
                  entrypoint: main
                  parallelism: many
                  templates:
                    - name: main
                      container: {image: alpine, command: [echo]}
                """),
            ("missing WorkflowTemplate", """
                apiVersion: skein.dev/v1alpha1
                kind: Workflow
                metadata: {generateName: broken-}
                spec:
                  workflowTemplateRef: {name: not-there}
                """),
        ]
        // 3 MB: a long parameter value, and a step naming a template that does not exist.
        let big = """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: broken-}
            spec:
              entrypoint: main
              arguments: {parameters: [{name: blob, value: "\(String(repeating: "x", count: 3 << 20))"}]}
              templates:
                - name: main
                  steps: [[{name: a, template: missing-too}]]
            """
        var goodNames: [String] = []
        var brokenNames: [(String, String, String)] = []
        for round in 0..<20 {
            for (i, (what, text)) in broken.enumerated() {
                let kind = round == 0 && i == 0 ? ("3 MB spec", big) : (what, text)
                brokenNames.append((kind.0, kind.1, try await h.submit(yaml: kind.1, file: "broken-\(i).yaml")))
                goodNames.append(try await h.submit(yaml: good))
            }
        }
        #expect(brokenNames.count == 100 && goodNames.count == 100)
        var checked: Set<String> = []
        for (what, text, name) in brokenNames {
            let wf = try await h.waitForCompletion(name, timeout: 30)
            #expect(phase(wf) == "Error", "\(what)")
            // Lint each kind once (the 3 MB one takes a while).
            guard checked.insert(what).inserted else { continue }
            let message = wf["status"]?["message"]?.stringValue ?? ""
            let problems = Linter.lint(try DocumentLoader.load(text: text, file: "x.yaml"))
            #expect(!problems.isEmpty, "\(what): lint should reject it")
            for p in problems {
                #expect(message.contains(p.message), "\(what): status says '\(message)', lint says '\(p.message)'")
            }
            // The very message `skein run -o json` gives the same workflow (RunCommandTests).
            #expect(message == Diagnostic.invalidWorkflowMessage(problems), "\(what)")
        }
        for name in goodNames {
            #expect(phase(try await h.waitForCompletion(name, timeout: 60)) == "Succeeded")
        }
    }
}

@Suite(.serialized) struct ControllerVolumeTests {
    /// `volumeClaimTemplates`: a claim per workflow, shared by its steps, deleted with it.
    @Test func volumeClaimTemplatesGiveStepsASharedClaimOwnedByTheWorkflow() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: claims-}
            spec:
              entrypoint: main
              volumeClaimTemplates:
                - metadata: {name: work}
                  spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
              templates:
                - name: main
                  steps:
                    - - {name: write, template: write}
                    - - {name: read, template: read}
                - name: write
                  container:
                    image: alpine
                    command: [sh, -c, "echo shared > /work/file"]
                    volumeMounts: [{name: work, mountPath: /work}]
                - name: read
                  container:
                    image: alpine
                    command: [sh, -c, "grep -q shared /work/file"]
                    volumeMounts: [{name: work, mountPath: /work}]
            """)
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded", "\(wf["status"]?["message"]?.stringValue ?? "")")
        let claim = try await h.client.get(.persistentVolumeClaims, "\(name)-work", namespace: "default")
        #expect(claim["metadata"]?["ownerReferences"]?[0]?["uid"] == wf["metadata"]?["uid"])
        #expect(claim["spec"]?["resources"]?["requests"]?["storage"] == "1Gi")
        // Deleting the workflow deletes its claim (and pods) through the owner references.
        _ = try await h.client.delete(h.settings.workflows, name, namespace: "default")
        #expect(try await h.eventually { try await h.isGone(.persistentVolumeClaims, "\(name)-work") })
        #expect(try await h.pods(of: name).isEmpty)
    }
}

@Suite(.serialized) struct ControllerTemplateTests {
    /// `workflowTemplateRef` and `templateRef` (namespaced and cluster-scoped) resolve against
    /// templates stored in the cluster, also ones created just before the workflow.
    @Test func templatesAreResolvedFromTheCluster() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        func load(_ yaml: String) throws -> JSONValue {
            var o = try #require(try DocumentLoader.load(text: yaml, file: "t.yaml").first).raw
            o.set(path: ["apiVersion"], to: "skein.dev/v1alpha1")
            return o
        }
        _ = try await h.client.create(h.settings.clusterWorkflowTemplates, try load("""
            apiVersion: skein.dev/v1alpha1
            kind: ClusterWorkflowTemplate
            metadata: {name: shared-tools}
            spec:
              templates:
                - name: shout
                  inputs: {parameters: [{name: text}]}
                  script: {image: alpine, command: [sh], source: "echo {{inputs.parameters.text}} | tr a-z A-Z"}
            """))
        _ = try await h.client.create(h.settings.workflowTemplates, try load("""
            apiVersion: skein.dev/v1alpha1
            kind: WorkflowTemplate
            metadata: {name: greeting}
            spec:
              entrypoint: main
              arguments: {parameters: [{name: who, value: world}]}
              templates:
                - name: main
                  steps:
                    - - name: loud
                        templateRef: {name: shared-tools, template: shout, clusterScope: true}
                        arguments: {parameters: [{name: text, value: "hello {{workflow.parameters.who}}"}]}
                    - - name: again
                        templateRef: {name: shared-tools, template: shout, clusterScope: true}
                        arguments: {parameters: [{name: text, value: "{{steps.loud.outputs.result}} again"}]}
            """), namespace: "default")
        let name = try await h.submit(yaml: """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: from-template-}
            spec:
              workflowTemplateRef: {name: greeting}
              arguments: {parameters: [{name: who, value: skein}]}
            """)
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded", "\(wf["status"]?["message"]?.stringValue ?? "")")
        let loud = wf["status"]?["nodes"]?.objectValue?.values.first { $0["displayName"] == "loud" }
        #expect(loud?["outputs"]?["result"] == "HELLO SKEIN")
        let again = wf["status"]?["nodes"]?.objectValue?.values.first { $0["displayName"] == "again" }
        #expect(again?["outputs"]?["result"] == "HELLO SKEIN AGAIN")
    }
}
