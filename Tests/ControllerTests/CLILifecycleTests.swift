import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import SkeinTestSupport
import Testing

/// `skein logs`, `suspend`/`resume`/`stop`/`terminate`, `retry`, `resubmit` and `delete`.
extension CLITests {
@Suite struct CLILifecycleTests {
    @Test func logsFollowStreamsARunningStepAndTheOnesAfterIt() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let name = try await cli.submit("""
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata:
              name: talk
            spec:
              entrypoint: main
              templates:
                - name: main
                  steps:
                    - - {name: counting, template: count}
                    - - {name: after, template: last}
                - name: count
                  container: {image: alpine, command: [sh, -c], args: ["for i in 1 2 3 4; do echo tick $i; sleep 0.5; done"]}
                - name: last
                  container: {image: alpine, command: [sh, -c], args: ["echo all done; echo noise"]}
            """)
        #expect(try await h.waitFor(name) { wf in
            (wf["status"]?["nodes"]?.objectValue ?? [:]).values.contains { $0["displayName"] == "counting" && $0["phase"] == "Running" }
        })
        let out = h.cluster.directory + "/follow.out"
        let p = try cli.start(["logs", name, "--follow"], output: out)
        // Lines arrive while the step runs, before the workflow ends.
        var streamedEarly = false
        for _ in 0..<100 {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if text.contains("counting: tick 1") {
                streamedEarly = !(try await h.workflow(name)["status"]?["phase"] == "Succeeded")
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(streamedEarly, "a running step's lines stream as written")
        #expect(await SimCluster.eventually(timeout: 30) { !p.isRunning }, "--follow ends with the workflow")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text == "counting: tick 1\ncounting: tick 2\ncounting: tick 3\ncounting: tick 4\nafter: all done\nafter: noise\n", "\(text)")

        // The rest of the flags, on the finished workflow.
        #expect(try await cli.run(["logs", name, "--grep", "tick [24]"]).stdout == "counting: tick 2\ncounting: tick 4\n")
        #expect(try await cli.run(["logs", name, "after"]).stdout == "after: all done\nafter: noise\n")
        #expect(try await cli.run(["logs", name, "--tail", "1"]).stdout == "counting: tick 4\nafter: noise\n")
        #expect(try await cli.run(["logs", name, "counting", "--no-prefix", "--tail", "2"]).stdout == "tick 3\ntick 4\n")
        let stamped = try await cli.run(["logs", name, "after", "--timestamps"]).stdout
        #expect(stamped.hasPrefix("after: 20") && stamped.contains("Z all done"), "\(stamped)")
        #expect(try await cli.run(["logs", name, "--since", "1h"]).stdout.split(separator: "\n").count == 6)
        let noContainer = try await cli.run(["logs", name, "after", "-c", "sidecar"])
        #expect(noContainer.status == 1, "\(noContainer.stdout)")
        let noStep = try await cli.run(["logs", name, "nosuch"])
        #expect(noStep.status == 1 && noStep.stderr.contains("no pod or step named 'nosuch'"))
        #expect(try await cli.run(["logs", name, "--grep", "("]).status == 2)
    }

    @Test func suspendResumeStopAndTerminate() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let stepsYAML = """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata:
              generateName: chain-
            spec:
              entrypoint: main
              onExit: bye
              templates:
                - name: main
                  steps:
                    - - {name: one, template: nap}
                    - - {name: two, template: nap}
                - name: nap
                  container: {image: alpine, command: [sh, -c], args: ["sleep 2"]}
                - name: bye
                  container: {image: alpine, command: [sh, -c], args: ["echo exit handler ran"]}
            """
        // suspend: the running step goes on, the next does not start until resume.
        let chain = try await cli.submit(stepsYAML)
        #expect(try await h.waitFor(chain) { nodeSummary($0).contains { $0.hasPrefix("one Pod Running") } })
        let s = try await cli.run(["suspend", chain])
        #expect(s.status == 0 && s.stdout == "workflow \(chain) suspended\n", "\(s.stdout) \(s.stderr)")
        try await Task.sleep(for: .seconds(3.5))
        let held = try await h.workflow(chain)
        #expect(!nodeSummary(held).contains { $0.hasPrefix("two ") }, "\(nodeSummary(held))")
        #expect(try await cli.run(["resume", chain]).status == 0)
        let done = try await h.waitForCompletion(chain)
        #expect(phase(done) == "Succeeded", "\(nodeSummary(done))")
        // A completed workflow: nothing to do, and the message says so.
        let late = try await cli.run(["suspend", chain])
        #expect(late.status == 1 && late.stderr.contains("has already completed (Succeeded)"), "\(late.stderr)")

        // stop: running steps stop, the exit handler runs, the message is ours.
        let stopped = try await cli.submit(stepsYAML)
        #expect(try await h.waitFor(stopped) { nodeSummary($0).contains { $0.hasPrefix("one Pod Running") } })
        #expect(try await cli.run(["stop", stopped, "--message", "enough for today"]).status == 0)
        let s2 = try await h.waitForCompletion(stopped)
        #expect(phase(s2) == "Failed")
        #expect(s2["status"]?["message"] == "enough for today", "\(s2["status"]?["message"] ?? .null)")
        #expect(nodeSummary(s2).contains { $0.hasPrefix("WF.onExit Pod Succeeded") }, "\(nodeSummary(s2))")

        // terminate: no exit handler.
        let terminated = try await cli.submit(stepsYAML)
        #expect(try await h.waitFor(terminated) { nodeSummary($0).contains { $0.hasPrefix("one Pod Running") } })
        #expect(try await cli.run(["terminate", terminated]).stdout == "workflow \(terminated) terminated\n")
        let t = try await h.waitForCompletion(terminated)
        #expect(phase(t) == "Failed")
        #expect(!nodeSummary(t).contains { $0.contains("onExit") }, "\(nodeSummary(t))")

        // resume of suspend steps, one by one with --node-field-selector.
        let gates = try await cli.submit("""
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata:
              generateName: gates-
            spec:
              entrypoint: main
              templates:
                - name: main
                  steps:
                    - - {name: approve, template: gate}
                      - {name: review, template: gate}
                - name: gate
                  suspend: {}
            """)
        #expect(try await h.waitFor(gates) { wf in nodeSummary(wf).filter { $0.contains("Suspend Running") }.count == 2 })
        #expect(try await cli.run(["resume", gates, "--node-field-selector", "displayName=approve"]).status == 0)
        #expect(try await h.waitFor(gates) { nodeSummary($0).contains { $0.hasPrefix("approve Suspend Succeeded") } })
        #expect(nodeSummary(try await h.workflow(gates)).contains { $0.hasPrefix("review Suspend Running") })
        let g = try await cli.run(["get", gates])
        #expect(g.stdout.contains("ǁ review"), "\(g.stdout)")
        #expect(try await cli.run(["resume", gates]).status == 0)
        #expect(phase(try await h.waitForCompletion(gates)) == "Succeeded")
    }

    /// `skein resume --output-parameter`: the values fill the resumed step's `valueFrom.supplied`
    /// outputs (and only those), which later steps read; `skein run --resume-with` does the same
    /// when SIGUSR1 resumes a local run.
    static let approvalYAML = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {generateName: approval-}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
                - - {name: approve, template: approve}
                - - name: after
                    template: show
                    arguments: {parameters: [{name: m, value: "{{steps.approve.outputs.parameters.answer}}/{{steps.approve.outputs.parameters.fixed}}"}]}
            - name: approve
              suspend: {}
              outputs:
                parameters:
                  - {name: answer, valueFrom: {supplied: {}, default: "no"}}
                  - {name: fixed, valueFrom: {default: kept}}
            - name: show
              inputs: {parameters: [{name: m}]}
              container: {image: alpine, command: [echo, "{{inputs.parameters.m}}"]}
        """

    @Test func resumeSuppliesValuesOnBothRuntimes() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let name = try await cli.submit(Self.approvalYAML)
        #expect(try await h.waitFor(name) { nodeSummary($0).contains { $0.hasPrefix("approve Suspend Running") } })
        let bad = try await cli.run(["resume", name, "--output-parameter", "answer"])
        #expect(bad.status != 0 && bad.stderr.contains("write --output-parameter name=value"), "\(bad.stderr)")
        #expect(try await cli.run(["resume", name, "--output-parameter", "answer=yes", "--output-parameter", "fixed=hack"]).status == 0)
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded", "\(nodeSummary(wf))")
        let after = wf["status"]?["nodes"]?.objectValue?.values.first { $0["displayName"] == "after" }
        #expect(after?["inputs"]?["parameters"]?[0]?["value"] == "yes/kept", "\(nodeSummary(wf))")

        let r = try await SimCluster.offPool {
            let local = try SkeinCLI()
            let f = try local.write("approval.yaml", Self.approvalYAML)
            return try local.run(["run", f, "-o", "json", "--resume-with", "answer=yes", "--resume-with", "fixed=hack"], timeout: 30) { p in
                for _ in 0..<20 where p.isRunning {
                    usleep(300_000)
                    kill(p.processIdentifier, SIGUSR1)
                }
            }
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("yes/kept"), "\(r.stderr)")
    }

    @Test func retryOfAFailedDAGRunsOnlyTheFailedBranchAgain() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let shared = h.cluster.directory + "/shared"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        func step(_ script: String) -> String {
            "{image: alpine, command: [sh, -c], args: [\(JSONValue.string(script).compactJSON)], volumeMounts: [{name: shared, mountPath: /shared}]}"
        }
        let name = try await cli.submit("""
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata:
              name: diamond
            spec:
              entrypoint: main
              volumes:
                - {name: shared, hostPath: {path: \(shared)}}
              templates:
                - name: main
                  dag:
                    tasks:
                      - {name: A, template: a}
                      - {name: B, template: b, dependencies: [A]}
                      - {name: C, template: c, dependencies: [A]}
                      - {name: D, template: d, dependencies: [B, C]}
                - name: a
                  container: \(step("echo A >> /shared/runs"))
                - name: b
                  container: \(step("echo B >> /shared/runs; test -e /shared/fixed"))
                - name: c
                  container: \(step("echo C >> /shared/runs"))
                - name: d
                  container: \(step("echo D >> /shared/runs"))
            """)
        let first = try await h.waitForCompletion(name)
        #expect(phase(first) == "Failed", "\(nodeSummary(first))")
        func runs() -> [String] {
            ((try? String(contentsOfFile: shared + "/runs", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init).sorted()
        }
        #expect(runs() == ["A", "B", "C"])
        // Not yet failed? Not retried: only Failed and Error workflows are.
        _ = FileManager.default.createFile(atPath: shared + "/fixed", contents: nil)
        let r = try await cli.run(["retry", name, "--wait"])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("workflow diamond retried"), "\(r.stdout)")
        let after = try await h.workflow(name)
        #expect(phase(after) == "Succeeded", "\(nodeSummary(after))")
        // A and C ran once; B twice; D once, after the retry.
        #expect(runs() == ["A", "B", "B", "C", "D"])
        let again = try await cli.run(["retry", name])
        #expect(again.status == 1 && again.stderr.contains("only Failed or Error workflows can be retried"), "\(again.stderr)")

        // --restart-successful with a selector runs that succeeded step (and those under it) again.
        try FileManager.default.removeItem(atPath: shared + "/fixed")
        let failing = try await cli.submit("""
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata:
              name: pair
            spec:
              entrypoint: main
              volumes:
                - {name: shared, hostPath: {path: \(shared)}}
              templates:
                - name: main
                  steps:
                    - - {name: setup, template: setup}
                    - - {name: check, template: check}
                - name: setup
                  container: \(step("echo setup >> /shared/pair"))
                - name: check
                  container: \(step("test -e /shared/fixed"))
            """)
        #expect(phase(try await h.waitForCompletion(failing)) == "Failed")
        _ = FileManager.default.createFile(atPath: shared + "/fixed", contents: nil)
        let rs = try await cli.run(["retry", failing, "--restart-successful", "--node-field-selector", "displayName=setup", "--wait"])
        #expect(rs.status == 0, "\(rs.stdout) \(rs.stderr)")
        let setups = ((try? String(contentsOfFile: shared + "/pair", encoding: .utf8)) ?? "").split(separator: "\n").count
        #expect(setups == 2, "setup ran again")
        #expect(try await cli.run(["retry", failing, "--restart-successful"]).status == 2)
    }

    @Test func resubmitRunsAgainAndMemoizedKeepsWhatSucceeded() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let shared = h.cluster.directory + "/shared"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        let yaml = """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata:
              generateName: twice-
            spec:
              entrypoint: main
              arguments:
                parameters: [{name: word, value: first}]
              volumes:
                - {name: shared, hostPath: {path: \(shared)}}
              templates:
                - name: main
                  steps:
                    - - {name: note, template: note}
                    - - {name: gate, template: gate}
                - name: note
                  container: {image: alpine, command: [sh, -c], args: ["echo {{workflow.parameters.word}} >> /shared/notes"], volumeMounts: [{name: shared, mountPath: /shared}]}
                - name: gate
                  container: {image: alpine, command: [sh, -c], args: ["test -e /shared/open"], volumeMounts: [{name: shared, mountPath: /shared}]}
            """
        let original = try await cli.submit(yaml)
        #expect(phase(try await h.waitForCompletion(original)) == "Failed")
        func notes() -> [String] {
            ((try? String(contentsOfFile: shared + "/notes", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        #expect(notes() == ["first"])
        _ = FileManager.default.createFile(atPath: shared + "/open", contents: nil)
        // --memoized: the succeeded step is not run again.
        let m = try await cli.run(["resubmit", original, "--memoized", "-o", "name", "--wait"])
        #expect(m.status == 0, "\(m.stdout) \(m.stderr)")
        let memo = try #require(m.stdout.split(separator: "\n").first.map(String.init))
        #expect(memo.hasPrefix("twice-") && memo != original)
        #expect(notes() == ["first"], "memoized: note did not run again")
        let mw = try await h.workflow(memo)
        #expect(mw.labels["workflows.skein.dev/resubmitted-from"] == original)
        #expect(nodeSummary(mw).contains { $0.hasPrefix("note Pod Succeeded") }, "\(nodeSummary(mw))")
        // Plain: everything runs again, with -p changing a parameter.
        let p = try await cli.run(["resubmit", original, "-p", "word=second", "--wait"])
        #expect(p.status == 0, "\(p.stdout) \(p.stderr)")
        #expect(p.stdout.contains("resubmitted from \(original)"))
        #expect(notes() == ["first", "second"])
        #expect(try await cli.run(["resubmit", original, "-p", "nope=1"]).status == 2)
    }

    @Test func deleteByNameSelectorAgeAndAll() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let cli = try CLI(h)
        let a = try await cli.submit(shellWorkflow("a-", "true", generate: true), ["-l", "keep=no", "--wait"])
        let b = try await cli.submit(shellWorkflow("b-", "true", generate: true), ["--wait"])
        let c = try await cli.submit(shellWorkflow("c-", "sleep 30", generate: true))
        let d = try await cli.submit(shellWorkflow("d-", "true", generate: true), ["--wait"])
        func names() async throws -> Set<String> {
            Set(try await h.client.list(h.settings.workflows, namespace: "default").items.compactMap(\.name))
        }
        let dry = try await cli.run(["delete", "--all", "--dry-run"])
        #expect(dry.stdout.split(separator: "\n").count == 4 && dry.stdout.contains("would be deleted"))
        #expect(try await names().count == 4)
        #expect(try await cli.run(["delete", "-l", "keep=no"]).stdout == "workflow \(a) deleted\n")
        #expect(try await h.eventually { try await h.isGone(h.settings.workflows, a) })
        let older = try await cli.run(["delete", "--older", "1h"])
        #expect(older.status == 0 && older.stdout.isEmpty, "none finished an hour ago: \(older.stdout)")
        #expect(try await cli.run(["delete", "--completed"]).stdout.split(separator: "\n").count == 2)
        #expect(try await h.eventually { try await names() == [c] })
        #expect(try await cli.run(["delete", c]).stdout == "workflow \(c) deleted\n")
        #expect(try await h.eventually { try await names().isEmpty })
        _ = d
        // --all, in every namespace with -A.
        _ = try await h.client.create(.namespaces, ["metadata": ["name": "other"]])
        let e = try await cli.submit(shellWorkflow("e-", "true", generate: true))
        let f = try await cli.submit(shellWorkflow("f-", "true", generate: true), ["-n", "other"])
        let all = try await cli.run(["delete", "--all", "-A"])
        #expect(Set(all.stdout.split(separator: "\n").map(String.init)) == ["workflow \(e) deleted", "workflow \(f) deleted"], "\(all.stdout)")
        #expect(try await h.eventually { try await h.client.list(h.settings.workflows).items.isEmpty })
        let missing = try await cli.run(["delete", "nothing-here"])
        #expect(missing.status == 1 && missing.stderr.contains("not found"))
        #expect(try await cli.run(["delete"]).status == 2)
        _ = b
    }
}
}
