import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import SkeinTestSupport
import Testing

/// `skein submit`, `list`, `get`, `watch` and `wait`, run as processes against KubeSim with
/// the controller running.
extension CLITests {
@Suite struct CLISubmitTests {
    @Test func submitWatchOfAFailingWorkflowShowsTheFailedStepAndExitsNonZero() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let file = try cli.write("fails.yaml", """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata:
              name: fails
            spec:
              entrypoint: main
              templates:
                - name: main
                  steps:
                    - - name: fine
                        template: ok
                    - - name: broken
                        template: bad
                - name: ok
                  container: {image: alpine, command: [sh, -c], args: ["echo fine"]}
                - name: bad
                  container: {image: alpine, command: [sh, -c], args: ["echo oops; exit 3"]}
            """)
        let r = try await cli.run(["submit", file, "--watch"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        // Not a terminal: the final view once, without escape codes.
        #expect(!r.stdout.contains("\u{1B}"))
        #expect(r.stdout.contains("Status:              Failed"), "\(r.stdout)")
        let broken = try #require(r.stdout.split(separator: "\n").first { $0.contains("broken") }, "\(r.stdout)")
        #expect(broken.contains("✖") && broken.contains("bad") && broken.contains("exit code 3"), "\(broken)")
        let fine = try #require(r.stdout.split(separator: "\n").first { $0.contains("fine") })
        #expect(fine.contains("✔"))

        // --wait: how it ended, and the exit code.
        let ok = try cli.write("ok.yaml", shellWorkflow("ok-", "echo ok", generate: true))
        let w = try await cli.run(["submit", ok, "--wait"])
        #expect(w.status == 0, "\(w.stderr)")
        #expect(w.stdout.split(separator: "\n").last?.hasSuffix(" Succeeded") == true, "\(w.stdout)")
        let bad = try cli.write("bad.yaml", shellWorkflow("bad-", "exit 5", generate: true))
        let wb = try await cli.run(["submit", bad, "--wait"])
        #expect(wb.status == 1)
        #expect(wb.stdout.contains(" Failed: "), "\(wb.stdout)")

        // --log: every step's lines, prefixed with the step, then the outcome.
        let two = try cli.write("two.yaml", """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata:
              generateName: two-
            spec:
              entrypoint: main
              templates:
                - name: main
                  steps:
                    - - {name: first, template: say, arguments: {parameters: [{name: t, value: one}]}}
                    - - {name: second, template: say, arguments: {parameters: [{name: t, value: two}]}}
                - name: say
                  inputs: {parameters: [{name: t}]}
                  container: {image: alpine, command: [sh, -c], args: ["echo line {{inputs.parameters.t}}"]}
            """)
        let l = try await cli.run(["submit", two, "--log"])
        #expect(l.status == 0, "\(l.stderr)")
        let lines = l.stdout.split(separator: "\n").map(String.init)
        let first = try #require(lines.firstIndex(of: "first: line one"), "\(l.stdout)")
        let second = try #require(lines.firstIndex(of: "second: line two"), "\(l.stdout)")
        #expect(first < second)
    }

    @Test func submitFlagsChangeWhatIsCreated() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let yaml = """
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata:
              generateName: params-
            spec:
              entrypoint: main
              arguments:
                parameters:
                  - {name: greeting, value: hello}
                  - {name: who, value: world}
              templates:
                - name: main
                  container: {image: alpine, command: [sh, -c], args: ["echo {{workflow.parameters.greeting}} {{workflow.parameters.who}}"]}
                - name: other
                  container: {image: alpine, command: [sh, -c], args: ["echo other entrypoint"]}
            """
        let file = try cli.write("argo.yaml", yaml)
        let pfile = try cli.write("params.yaml", "who: file\n")
        let r = try await cli.run(["submit", file, "-p", "greeting=hi", "--parameter-file", pfile, "--name", "named",
                                   "-l", "team=a,tier=1", "--serviceaccount", "runner", "--wait"])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        let wf = try await h.workflow("named")
        // argoproj.io documents are converted.
        #expect(wf.apiVersion == "skein.dev/v1alpha1")
        #expect(wf.labels["team"] == "a" && wf.labels["tier"] == "1")
        #expect(wf["spec"]?["serviceAccountName"] == "runner")
        let params = wf["spec"]?["arguments"]?["parameters"]?.arrayValue ?? []
        #expect(params.first { $0["name"] == "greeting" }?["value"] == "hi")
        #expect(params.first { $0["name"] == "who" }?["value"] == "file")
        let logs = try await cli.run(["logs", "named"])
        #expect(logs.stdout == "named: hi file\n", "\(logs.stdout)")

        // --entrypoint and --generate-name.
        let e = try await cli.run(["submit", file, "--entrypoint", "other", "--generate-name", "entry-", "-o", "name", "--wait"])
        #expect(e.status == 0, "\(e.stderr)")
        let entryName = try #require(e.stdout.split(separator: "\n").first.map(String.init))
        #expect(entryName.hasPrefix("entry-") && entryName.count > "entry-".count)
        #expect(try await cli.run(["logs", entryName]).stdout.contains("other entrypoint"))

        // --dry-run creates nothing and prints the workflow; --server-dry-run asks the server.
        let before = try await h.client.list(h.settings.workflows, namespace: "default").items.count
        let dry = try await cli.run(["submit", file, "--dry-run", "-p", "who=dry"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("apiVersion: skein.dev/v1alpha1") && dry.stdout.contains("value: dry"), "\(dry.stdout)")
        let server = try await cli.run(["submit", file, "--server-dry-run", "-o", "json"])
        #expect(server.status == 0, "\(server.stderr)")
        #expect(try JSONValue.parseJSON(server.stdout)["metadata"]?["uid"] != nil, "the server defaulted it")
        #expect(try await h.client.list(h.settings.workflows, namespace: "default").items.count == before)

        // Invalid input: exit 2, lint's messages with file and line, nothing created.
        let unknown = try await cli.run(["submit", file, "-p", "nope=1"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("the workflow declares no parameter 'nope'"), "\(unknown.stderr)")
        let broken = try cli.write("broken.yaml", """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata:
              generateName: broken-
            spec:
              entrypoint: main
              templates:
                - name: main
                  steps:
                    - - name: a
                        template: missing
            """)
        let lint = try await cli.run(["submit", broken])
        #expect(lint.status == 2)
        #expect(lint.stderr.contains("broken.yaml:11"), "\(lint.stderr)")
        #expect(lint.stderr.contains("missing"), "\(lint.stderr)")
        #expect(try await h.client.list(h.settings.workflows, namespace: "default").items.count == before)
        // Several files, several workflows; --name with several is refused.
        let two = try await cli.run(["submit", file, file, "-o", "name"])
        #expect(two.status == 0 && two.stdout.split(separator: "\n").count == 2, "\(two.stdout) \(two.stderr)")
        let named = try await cli.run(["submit", file, file, "--name", "x"])
        #expect(named.status == 2 && named.stderr.contains("--name names one workflow"), "\(named.stderr)")
    }

    @Test func submitFromTemplatesAndCronWorkflows() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let template = try cli.write("tmpl.yaml", """
            apiVersion: skein.dev/v1alpha1
            kind: WorkflowTemplate
            metadata:
              name: greeter
            spec:
              entrypoint: main
              arguments:
                parameters: [{name: who, value: nobody}]
              templates:
                - name: main
                  container: {image: alpine, command: [sh, -c], args: ["echo hi {{workflow.parameters.who}}"]}
            """)
        #expect(try await cli.run(["template", "create", template]).status == 0)
        let r = try await cli.run(["submit", "--from", "workflowtemplate/greeter", "-p", "who=tmpl", "-o", "name", "--wait"])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        let name = try #require(r.stdout.split(separator: "\n").first.map(String.init))
        #expect(name.hasPrefix("greeter-"))
        #expect(try await cli.run(["logs", name]).stdout.contains("hi tmpl"))
        #expect(try await h.workflow(name).labels["workflows.skein.dev/workflow-template"] == "greeter")
        #expect(try await h.workflow(name).labels["workflows.argoproj.io/workflow-template"] == "greeter")

        let cluster = try cli.write("ctmpl.yaml", """
            apiVersion: skein.dev/v1alpha1
            kind: ClusterWorkflowTemplate
            metadata:
              name: shared
            spec:
              entrypoint: main
              templates:
                - name: main
                  container: {image: alpine, command: [sh, -c], args: ["echo cluster-wide"]}
            """)
        #expect(try await cli.run(["cluster-template", "create", cluster]).status == 0)
        let c = try await cli.run(["submit", "--from", "clusterworkflowtemplate/shared", "--wait"])
        #expect(c.status == 0, "\(c.stdout) \(c.stderr)")

        let cron = try cli.write("cron.yaml", """
            apiVersion: skein.dev/v1alpha1
            kind: CronWorkflow
            metadata:
              name: nightly
            spec:
              schedule: "0 3 * * *"
              workflowSpec:
                entrypoint: main
                templates:
                  - name: main
                    container: {image: alpine, command: [sh, -c], args: ["echo from cron"]}
            """)
        #expect(try await cli.run(["cron", "create", cron]).status == 0)
        let cr = try await cli.run(["submit", "--from", "cronworkflow/nightly", "-o", "name", "--wait"])
        #expect(cr.status == 0, "\(cr.stderr)")
        let cronRun = try #require(cr.stdout.split(separator: "\n").first.map(String.init))
        #expect(cronRun.hasPrefix("nightly-"))
        #expect(try await h.workflow(cronRun).labels["workflows.skein.dev/cron-workflow"] == "nightly")
        #expect(try await h.workflow(cronRun).labels["workflows.argoproj.io/cron-workflow"] == "nightly")

        // Not there: the closest names.
        let missing = try await cli.run(["submit", "--from", "workflowtemplate/greter"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("did you mean 'greeter'"), "\(missing.stderr)")
    }

    @Test func listFiltersSortsAndPrintsColumns() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let good = try await cli.submit(shellWorkflow("good", "true"), ["--wait"])
        let bad = try await cli.submit(shellWorkflow("bad", "exit 1"))
        _ = try await h.waitForCompletion(bad)
        try await Task.sleep(for: .milliseconds(1100))   // creation times a second apart
        let slow = try await cli.submit(shellWorkflow("slow", "sleep 30"), ["-l", "speed=slow"])
        #expect(try await h.waitFor(slow) { $0["status"]?["phase"] == "Running" })

        // stdout of a command that must succeed (its stderr in the failure when it does not).
        func out(_ line: String) async throws -> String {
            let r = try await cli.run(line)
            if r.status != 0 { Issue.record("skein \(line) exited \(r.status): \(r.stderr)") }
            return r.stdout
        }
        let all = try await cli.run("list")
        #expect(all.status == 0, "\(all.stderr)")
        let rows = columns(all.stdout)
        #expect(rows.first == ["NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE"])
        #expect(rows.dropFirst().first?.first == slow, "newest first: \(all.stdout)")
        #expect(Set(rows.dropFirst().map { $0[0] }) == [good, bad, slow])
        #expect(rows.first { $0.first == bad }?[1] == "Failed")
        #expect(try await out("list --running -o name") == "\(slow)\n")
        #expect(Set(try await out("list --completed -o name").split(separator: "\n").map(String.init)) == [good, bad])
        #expect(try await out("list --status Failed -o name") == "\(bad)\n")
        #expect(try await out("list -l speed=slow -o name") == "\(slow)\n")
        #expect(try await out("list --prefix go -o name") == "\(good)\n")
        #expect(try await out("list --since 1h --chunk-size 1 -o name").split(separator: "\n").count == 3)
        let json = try JSONValue.parseJSON(try await out("list -o json"))
        #expect(json["kind"] == "List" && json["items"]?.arrayValue?.count == 3)
        #expect(try await out("list -o yaml").contains("kind: List"))
        let wide = columns(try await out("list -o wide"))
        #expect(wide.first?.suffix(2) == ["P/R/C", "PARAMETERS"])
        #expect(wide.first { $0.first == good }?.contains("0/0/1") == true, "\(wide)")

        // Suspended shows in STATUS; -A adds NAMESPACE.
        #expect(try await cli.run(["suspend", slow]).status == 0)
        #expect(try await h.waitFor(slow) { $0["spec"]?["suspend"] == true })
        let suspended = try await cli.run("list --running")
        #expect(suspended.stdout.contains("Running (Suspended)"), "\(suspended.stdout)")
        _ = try await h.client.create(.namespaces, ["metadata": ["name": "other-team"]])
        let theirs = try await cli.submit(shellWorkflow("theirs", "true"), ["-n", "other-team"])
        let everywhere = columns(try await out("list -A"))
        #expect(everywhere.first?.first == "NAMESPACE")
        #expect(everywhere.dropFirst().filter { $0.first == "default" }.count == 3, "\(everywhere)")
        #expect(everywhere.dropFirst().contains { $0.first == "other-team" && $0.dropFirst().first == theirs }, "\(everywhere)")
        #expect(try await cli.run(["terminate", slow]).status == 0)
        #expect(try await h.waitFor(slow) { $0["status"]?["phase"] == "Failed" })
        // Nothing in another namespace.
        let empty = try await cli.run("list -n elsewhere")
        #expect(empty.status == 0 && empty.stdout.isEmpty && empty.stderr.contains("No workflows found in namespace elsewhere"))
        // Bad flags are invalid input (exit 2).
        #expect(try await cli.run("list --status Done").status == 2)
        #expect(try await cli.run("list --running --completed").status == 2)
    }

    @Test func getShowsTheTreeAsTheGoldenFileDoes() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let file = try cli.write("golden.yaml", """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata:
              name: golden
            spec:
              entrypoint: main
              arguments:
                parameters: [{name: greeting, value: hi}]
              templates:
                - name: main
                  dag:
                    tasks:
                      - {name: prepare, template: echo, arguments: {parameters: [{name: text, value: ready}]}}
                      - name: fan
                        dependencies: [prepare]
                        template: echo
                        arguments: {parameters: [{name: text, value: "{{item}}"}]}
                        withItems: [a, b]
                      - {name: flaky, dependencies: [prepare], template: flaky}
                      - name: never
                        dependencies: [prepare]
                        template: echo
                        when: "1 == 2"
                        arguments: {parameters: [{name: text, value: never}]}
                      - {name: finish, dependencies: [fan, flaky, never], template: echo, arguments: {parameters: [{name: text, value: done}]}}
                - name: echo
                  inputs: {parameters: [{name: text}]}
                  container: {image: alpine, command: [sh, -c], args: ["echo {{inputs.parameters.text}}"]}
                - name: flaky
                  retryStrategy: {limit: 2}
                  container: {image: alpine, command: [sh, -c], args: ["test {{retries}} -ge 1"]}
            """)
        let r = try await cli.run(["submit", file, "--wait"])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        let get = try await cli.run(["get", "golden"])
        #expect(get.status == 0, "\(get.stderr)")
        let golden = try String(contentsOfFile: Binaries.packageRoot + "/Tests/ControllerTests/Golden/get-dag.txt", encoding: .utf8)
        #expect(CLISubmitTests.normalize(get.stdout) == CLISubmitTests.normalize(golden), "got:\n\(get.stdout)")
        // @latest is the newest; filters keep matching steps and those above them.
        #expect(try await cli.run("get @latest -o name").stdout == "golden\n")
        let failed = try await cli.run(["get", "golden", "--status", "Failed"])
        let stepLines = failed.stdout.split(separator: "\n").filter { $0.contains("─") }
        #expect(stepLines.count == 2 && stepLines.allSatisfy { $0.contains("flaky") }, "\(failed.stdout)")
        let selected = try await cli.run(["get", "golden", "--node-field-selector", "displayName=finish"])
        #expect(selected.stdout.split(separator: "\n").filter { $0.contains("─") }.map { $0.contains("finish") } == [true], "\(selected.stdout)")
        let json = try JSONValue.parseJSON(try await cli.run("get golden -o json").stdout)
        #expect(json["status"]?["phase"] == "Succeeded")
        #expect(try await cli.run("get golden -o yaml").stdout.contains("phase: Succeeded"))
        #expect(try await cli.run(["get", "golden", "--node-field-selector", "color=red"]).status == 2)
    }

    /// Times, ages and durations vary from run to run: they become `T`, and runs of
    /// spaces one space (column widths follow the durations' lengths).
    static func normalize(_ text: String) -> String {
        var out: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var s = String(line)
            s = s.replacingOccurrences(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(\d+[smhd] ago\)"#, with: "T", options: .regularExpression)
            s = s.replacingOccurrences(of: #"(?<=\s)\d+(m\d+)?s(?=\s|$)"#, with: "D", options: .regularExpression)
            s = s.replacingOccurrences(of: #" +"#, with: " ", options: .regularExpression)
            out.append(s.trimmingCharacters(in: .whitespaces))
        }
        return out.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// On a terminal (a pty from util-linux's `script`), `watch` redraws the view in place,
    /// in colour unless NO_COLOR is set.
    @Test func watchOnATerminalRedrawsInPlace() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            Issue.record("/usr/bin/script (util-linux) is missing")
            return
        }
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let bin = try Binaries.path("skein")
        func watchOnATerminal(_ extra: [String: String]) async throws -> CommandResult {
            let name = try await cli.submit(shellWorkflow("tty-", "sleep 1", generate: true))
            let env = cli.environment.merging(extra) { $1 }
            return try await SimCluster.offPool {
                try Command.run("/usr/bin/script", ["-qec", "\(bin) watch \(name)", "/dev/null"], environment: env, timeout: 60)
            }
        }
        let clear = "\u{1B}[H\u{1B}[2J"
        let coloured = try await watchOnATerminal([:])
        #expect(coloured.status == 0, "\(coloured.stdout)")
        #expect(coloured.stdout.components(separatedBy: clear).count >= 3, "redrawn at least twice: \(coloured.stdout)")
        #expect(coloured.stdout.contains("\u{1B}[32m✔"), "a green check: \(coloured.stdout)")
        let plain = try await watchOnATerminal(["NO_COLOR": "1"])
        #expect(plain.stdout.contains(clear) && !plain.stdout.contains("\u{1B}[32m"), "\(plain.stdout)")
    }

    @Test func watchAndWaitFollowUntilCompletion() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let a = try await cli.submit(shellWorkflow("a-", "sleep 1", generate: true))
        let b = try await cli.submit(shellWorkflow("b-", "sleep 1; exit 2", generate: true))
        let w = try await cli.run(["wait", a, b])
        #expect(w.status == 1, "one failed")
        #expect(w.stdout.contains("\(a) Succeeded") && w.stdout.contains("\(b) Failed"), "\(w.stdout)")
        #expect(try await cli.run(["wait", a]).status == 0)
        let c = try await cli.submit(shellWorkflow("c-", "sleep 1", generate: true))
        let watch = try await cli.run(["watch", c])
        #expect(watch.status == 0)
        #expect(watch.stdout.contains("Status:              Succeeded"), "\(watch.stdout)")
        #expect(watch.stdout.contains("✔ \(c)"), "\(watch.stdout)")
        #expect(try await cli.run(["watch", b]).status == 1)
    }
}
}
