import Controller
import Foundation
import KubeAPI
import KubeClient
import KubeSim
import SkeinJSON
import SkeinTestSupport
import Testing
import WorkflowModel

/// Templates and cron workflows, global flags, errors that help, completion and version.
extension CLITests {
@Suite struct CLIClusterTests {
    @Test func templatesClusterTemplatesAndCronWorkflows() async throws {
        let h = try await ControllerHarness.start(startController: false)
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let t = try cli.write("t.yaml", """
            apiVersion: argoproj.io/v1alpha1
            kind: WorkflowTemplate
            metadata:
              name: builder
            spec:
              templates:
                - name: build
                  container: {image: alpine, command: [sh, -c], args: ["echo build"]}
                - name: test
                  container: {image: alpine, command: [sh, -c], args: ["echo test"]}
            """)
        #expect(try await cli.run(["template", "lint", t]).stdout == "no problems found in 1 workflow template\n")
        let created = try await cli.run(["template", "create", t])
        #expect(created.status == 0 && created.stdout == "workflow template builder created\n", "\(created.stderr)")
        #expect(try await cli.run(["template", "create", t]).stderr.contains("already exists"))
        _ = try await h.client.create(.namespaces, ["metadata": ["name": "ops"]])
        #expect(try await cli.run(["template", "create", t, "-n", "ops"]).status == 0)
        let everywhere = columns(try await cli.run("template list -A").stdout)
        #expect(everywhere == [["NAMESPACE", "NAME", "AGE"], ["default", "builder"] + [everywhere[1][2]], ["ops", "builder"] + [everywhere[2][2]]],
                "\(everywhere)")
        let list = columns(try await cli.run("template list").stdout)
        #expect(list.first == ["NAME", "AGE"] && list.dropFirst().first?.first == "builder")
        #expect(columns(try await cli.run("template list -o wide").stdout).dropFirst().first?.last == "build,test")
        #expect(try await cli.run("template list -o name").stdout == "builder\n")
        let get = try await cli.run("template get builder")
        #expect(get.stdout.contains("Templates:           build, test"), "\(get.stdout)")
        #expect(try JSONValue.parseJSON(try await cli.run("template get builder -o json").stdout)["apiVersion"] == "skein.dev/v1alpha1",
                "converted from argoproj.io")
        #expect(try await cli.run("template delete builder").stdout == "workflow template builder deleted\n")
        #expect(try await cli.run("template get builder").status == 1)
        let bad = try cli.write("bad-t.yaml", """
            apiVersion: skein.dev/v1alpha1
            kind: WorkflowTemplate
            metadata:
              name: broken
            spec:
              templates:
                - name: x
                  steps:
                    - - {name: a, template: nowhere}
            """)
        let lint = try await cli.run(["template", "lint", bad])
        #expect(lint.status == 2 && lint.stderr.contains("bad-t.yaml:9"), "\(lint.stderr)")
        #expect(try await cli.run(["template", "create", bad]).status == 2)
        #expect(try await cli.run(["template", "lint", try cli.write("wf.yaml", shellWorkflow("w", "true"))]).stderr
            .contains("no WorkflowTemplate in the files given"))

        let ct = try cli.write("ct.yaml", """
            apiVersion: skein.dev/v1alpha1
            kind: ClusterWorkflowTemplate
            metadata:
              name: everywhere
            spec:
              templates:
                - name: hello
                  container: {image: alpine, command: [sh, -c], args: ["echo hi"]}
            """)
        #expect(try await cli.run(["cluster-template", "lint", ct]).status == 0)
        #expect(try await cli.run(["cluster-template", "create", ct]).status == 0)
        #expect(try await cli.run("cluster-template list -o name").stdout == "everywhere\n")
        #expect(try await cli.run("cluster-template get everywhere").stdout.contains("Name:                everywhere"))
        #expect(try await cli.run("cluster-template delete --all").stdout == "cluster workflow template everywhere deleted\n")

        let cron = try cli.write("cron.yaml", """
            apiVersion: skein.dev/v1alpha1
            kind: CronWorkflow
            metadata:
              name: hourly
            spec:
              schedule: "0 * * * *"
              timezone: Europe/Paris
              workflowSpec:
                entrypoint: main
                templates:
                  - name: main
                    container: {image: alpine, command: [sh, -c], args: ["date"]}
            """)
        #expect(try await cli.run(["cron", "lint", cron]).status == 0)
        #expect(try await cli.run(["cron", "create", cron]).stdout == "cron workflow hourly created\n")
        let cl = columns(try await cli.run("cron list").stdout)
        #expect(cl.first == ["NAME", "AGE", "LAST", "RUN", "SCHEDULE", "TIMEZONE", "SUSPENDED"])
        #expect(cl.dropFirst().first?.suffix(6) == ["N/A", "0", "*", "*", "*", "*"] || cl.dropFirst().first?.last == "false", "\(cl)")
        #expect(try await cli.run("cron suspend hourly").stdout == "cron workflow hourly suspended\n")
        let cronObject = try await h.client.get(h.settings.cronWorkflows, "hourly", namespace: "default")
        #expect(cronObject["spec"]?["suspend"] == true)
        #expect(try await cli.run("cron get hourly").stdout.contains("Suspended:           true"))
        #expect(try await cli.run("cron resume hourly").status == 0)
        #expect(try await h.client.get(h.settings.cronWorkflows, "hourly", namespace: "default")["spec"]?["suspend"] == false)
        let cg = try await cli.run("cron get hourly")
        #expect(cg.stdout.contains("Schedule:            0 * * * *") && cg.stdout.contains("Timezone:            Europe/Paris"), "\(cg.stdout)")
        // The next run is the next full hour (Paris is a whole number of hours from UTC).
        let hour = (Date().timeIntervalSince1970 / 3600).rounded(.down) * 3600
        #expect([hour + 3600, hour + 7200].contains { cg.stdout.contains("NextScheduledTime:   \(Timestamp(seconds: $0))") }, "\(cg.stdout)")
        #expect(try await cli.run("cron delete hourly").status == 0)
        #expect(try await cli.run("cron list -o name").stdout.isEmpty)
    }

    @Test func globalFlagsContextNamespaceAndRequestTimeout() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        _ = try await h.client.create(.namespaces, ["metadata": ["name": "team"]])
        let file = try cli.write("w.yaml", shellWorkflow("in-team", "true"))
        // -n and --kubeconfig (with KUBECONFIG pointing elsewhere).
        let explicit = try await cli.run(["submit", file, "-n", "team", "--kubeconfig", h.cluster.kubeconfig, "--wait"],
                                         environment: ["KUBECONFIG": "/nonexistent"])
        #expect(explicit.status == 0, "\(explicit.stderr)")
        #expect(try await cli.run("list -n team -o name").stdout == "in-team\n")
        #expect(try await cli.run("list -o name").stdout.isEmpty)
        // --context: a second context whose namespace is team; an unknown one is a clear error.
        var config = try String(contentsOfFile: h.cluster.kubeconfig, encoding: .utf8)
        let contexts = try #require(config.range(of: "contexts:\n"))
        let current = try #require(config.split(separator: "\n").first { $0.hasPrefix("current-context:") })
        let contextName = current.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
        // The context's `cluster: NAME` and `user: NAME` (the clusters' and users' own keys have no value).
        let clusterLine = try #require(config.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("cluster: ") })
        let userLine = try #require(config.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("user: ") })
        let clusterName = clusterLine.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
        let userName = userLine.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
        config.insert(contentsOf: "- name: team-context\n  context:\n    cluster: \(clusterName)\n    user: \(userName)\n    namespace: team\n",
                      at: contexts.upperBound)
        let two = try cli.write("two-contexts.yaml", config)
        #expect(contextName != "team-context")
        #expect(try await cli.run(["list", "-o", "name", "--kubeconfig", two, "--context", "team-context"]).stdout == "in-team\n")
        let unknown = try await cli.run(["list", "--kubeconfig", two, "--context", "nope"])
        #expect(unknown.status == 2 && unknown.stderr.contains("nope"), "\(unknown.stderr)")
        // --request-timeout: a slow API server fails the request instead of hanging.
        h.cluster.sim.faults.delay(3, RequestMatch(verb: "list", resource: "workflows"))
        let slow = try await cli.run(["list", "--request-timeout", "1s"])
        #expect(slow.status == 1, "\(slow.stdout) \(slow.stderr)")
        #expect(slow.stderr.contains("cannot reach the Kubernetes API") || slow.stderr.contains("imed out"), "\(slow.stderr)")
        h.cluster.sim.faults.clear()
        #expect(try await cli.run(["list", "--request-timeout", "bogus"]).status == 2)
        #expect(try await cli.run(["list", "--request-timeout", "0"]).status == 0)
    }

    @Test func errorsSayWhatIsWrongAndHowToFixIt() async throws {
        let h = try await ControllerHarness.start(startController: false)
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        // Not reachable: which server, which context.
        var config = try String(contentsOfFile: h.cluster.kubeconfig, encoding: .utf8)
        config = config.replacingOccurrences(of: h.cluster.sim.url, with: "https://127.0.0.1:1")
        let away = try cli.write("away.yaml", config)
        let unreachable = try await cli.run(["list", "--kubeconfig", away])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("cannot reach the Kubernetes API at https://127.0.0.1:1"), "\(unreachable.stderr)")
        #expect(unreachable.stderr.contains("context") && unreachable.stderr.contains("fix:"), "\(unreachable.stderr)")
        // Not found: the closest names.
        _ = try await h.client.create(h.settings.workflows, try JSONValue.parseJSON(#"{"apiVersion":"skein.dev/v1alpha1","kind":"Workflow","metadata":{"name":"nightly-report"},"spec":{"entrypoint":"main","templates":[{"name":"main","suspend":{}}]}}"#), namespace: "default")
        let notFound = try await cli.run("get nightly-reprt")
        #expect(notFound.status == 1)
        #expect(notFound.stderr.contains("Workflow \"nightly-reprt\" not found in namespace default; did you mean 'nightly-report'?"),
                "\(notFound.stderr)")
        // Forbidden: which verb on which resource.
        h.cluster.sim.faults.failNext(1, RequestMatch(verb: "list", resource: "workflows"), code: 403)
        let forbidden = try await cli.run("list")
        #expect(forbidden.status == 1)
        #expect(forbidden.stderr.contains("forbidden: you may not list workflows.skein.dev in namespace default"), "\(forbidden.stderr)")
        // Invalid: lint's errors with locations (exit 2).
        let invalid = try cli.write("invalid.yaml", """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata:
              name: invalid
            spec:
              entrypoint: nowhere
              templates:
                - name: main
                  container: {image: alpine}
            """)
        let inv = try await cli.run(["submit", invalid])
        #expect(inv.status == 2)
        #expect(inv.stderr.contains("invalid.yaml:6") && inv.stderr.contains("nowhere"), "\(inv.stderr)")
        // CRDs not installed: the command that installs them.
        for crd in ["workflows", "workflowtemplates", "clusterworkflowtemplates", "cronworkflows", "workflowtaskresults"] {
            try await h.client.delete(.customResourceDefinitions, "\(crd).skein.dev")
        }
        #expect(await SimCluster.eventually(timeout: 10) {
            (try? Command.run(try Binaries.path("skein"), ["list"], environment: cli.environment))?.stderr.contains("CRDs are not installed") == true
        })
        let noCRDs = try await cli.run("list")
        #expect(noCRDs.status == 1)
        #expect(noCRDs.stderr.contains("kubectl apply -f crds/"), "\(noCRDs.stderr)")
        #expect(try await cli.run("template list").stderr.contains("no WorkflowTemplate kind"))
    }

    @Test func completionVersionAndPlainOutput() async throws {
        let h = try await ControllerHarness.start { s in
            s.infoNamespace = "default"
            s.version = "9.9.9-test"
        }
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        for shell in ["bash", "zsh", "fish"] {
            let r = try await cli.run(["completion", shell])
            #expect(r.status == 0 && r.stdout.contains("submit") && r.stdout.contains("resubmit"), "\(shell)")
        }
        #expect(try await cli.run(["completion", "tcsh"]).status == 2)
        // The running controller's version, from where it records it.
        #expect(try await h.eventually {
            (try? await h.client.get(.configMaps, h.settings.controllerInfoName, namespace: "default")) != nil
        })
        let v = try await cli.run(["version", "--controller-namespace", "default"])
        #expect(v.stdout.hasPrefix("skein 0.") && v.stdout.contains("kubernetes v"), "\(v.stdout)")
        #expect(v.stdout.contains("controller 9.9.9-test ("), "\(v.stdout)")
        let absent = try await cli.run(["version"])
        #expect(absent.stdout.contains("controller: not found (no ConfigMap skein/skein-controller-info"), "\(absent.stdout)")
        #expect(try await cli.run(["version", "--client"]).stdout.split(separator: "\n").count == 1)
        // Output to a pipe, or with NO_COLOR, has no escape codes.
        _ = try await h.client.create(h.settings.workflows, try JSONValue.parseJSON(#"{"apiVersion":"skein.dev/v1alpha1","kind":"Workflow","metadata":{"name":"plain"},"spec":{"entrypoint":"main","templates":[{"name":"main","suspend":{}}]}}"#), namespace: "default")
        let get = try await cli.run(["get", "plain"], environment: ["NO_COLOR": "1"])
        #expect(get.status == 0 && !get.stdout.contains("\u{1B}") && get.stdout.contains("Name:                plain"))
    }

    /// docs/cli.md is generated from the commands' help: it must be what they say now.
    @Test func cliReferenceIsTheCommandsHelp() async throws {
        let h = try await ControllerHarness.start(startController: false)
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let generated = try await cli.run(["help-reference"])
        #expect(generated.status == 0)
        let doc = try String(contentsOfFile: Binaries.packageRoot + "/docs/cli.md", encoding: .utf8)
        #expect(doc == generated.stdout, "docs/cli.md is stale: run `skein help-reference > docs/cli.md`")
        for command in ["submit", "list", "get", "logs", "watch", "wait", "delete", "retry", "resubmit", "suspend", "resume",
                        "stop", "terminate", "artifacts list", "artifacts get", "template create", "cluster-template list", "cron suspend", "cron backfill", "cron trigger", "completion"] {
            #expect(doc.contains("## skein \(command)\n"), "\(command)")
        }
    }
}
}
