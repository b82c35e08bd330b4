import Foundation
import Testing
import SkeinTestSupport

let helloPath = Binaries.packageRoot + "/examples/hello.yaml"

/// Waits (up to 20 s) until a step has created `path`.
func waitForFile(_ path: String) {
    for _ in 0..<2000 where !FileManager.default.fileExists(atPath: path) { usleep(10_000) }
}

func workflowYAML(_ templates: String, spec: String = "") -> String {
    """
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata:
      generateName: cli-
    spec:
      entrypoint: main
    \(spec)
      templates:
    \(templates.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
    """
}

@Suite struct RunCommandTests {
    @Test func parametersFromTheCommandLineAndAFile() throws {
        let cli = try SkeinCLI()
        let r = try cli.run(["run", helloPath, "-p", "who=skein"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("hello, skein"))
        let pf = try cli.write("params.yaml", "who: parameter file\n")
        let r2 = try cli.run(["run", helloPath, "--parameter-file", pf])
        #expect(r2.stdout.contains("hello, parameter file"))
    }

    @Test func anUnknownParameterIsInvalidInput() throws {
        let r = try SkeinCLI().run(["run", helloPath, "-p", "nope=1"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("nope") && r.stderr.contains("who"))
    }

    @Test func missingAndMalformedFilesExitWith2AndNameTheFile() throws {
        let cli = try SkeinCLI()
        let r = try cli.run(["run", "does-not-exist.yaml"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("does-not-exist.yaml"))
        let bad = try cli.write("bad.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec: [oops\n")
        let r2 = try cli.run(["run", bad])
        #expect(r2.status == 2)
        #expect(r2.stderr.contains("bad.yaml:"))
        let cycle = try cli.write("cycle.yaml", workflowYAML("""
        - name: main
          dag:
            tasks:
            - {name: a, template: t, depends: b}
            - {name: b, template: t, depends: a}
        - name: t
          container: {image: alpine, command: [echo]}
        """))
        let r3 = try cli.run(["run", cycle])
        #expect(r3.status == 2)
        #expect(r3.stderr.contains("cycle"))
    }

    /// With -o json or yaml, a workflow that fails validation is still answered with a Workflow
    /// object in phase Error carrying every problem, besides the diagnostics and exit code 2.
    @Test func anInvalidWorkflowStillPrintsAWorkflowObjectWithOutput() throws {
        let cli = try SkeinCLI()
        let f = try cli.write("typo.yaml", workflowYAML("""
        - name: main
          contaner: {image: alpine}
        """))
        let r = try cli.run(["run", f, "-o", "json"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("typo.yaml:9:") && r.stderr.contains("did you mean 'container'?"), "\(r.stderr)")
        let wf = try #require(finalWorkflow(r.stdout), "\(r.stdout)")
        #expect(wf["kind"] as? String == "Workflow")
        #expect(phase(wf) == "Error")
        let message = (wf["status"] as? [String: Any])?["message"] as? String ?? ""
        #expect(message.hasPrefix("invalid workflow: spec.templates[0].contaner: unknown field 'contaner' (fix: did you mean 'container'?); "),
                "\(message)")
        #expect(message.contains("template 'main' has none of container"), "\(message)")
        #expect((wf["metadata"] as? [String: Any])?["name"] as? String == "cli-")
        let yaml = try cli.run(["run", f, "-o", "yaml"])
        #expect(yaml.status == 2)
        #expect(yaml.stdout.contains("  phase: Error\n") && yaml.stdout.contains("kind: Workflow\n"), "\(yaml.stdout)")
        // Without -o nothing goes to stdout.
        let plain = try cli.run(["run", f])
        #expect(plain.status == 2 && plain.stdout.isEmpty)
    }

    /// `valueFrom.configMapKeyRef` reads ConfigMaps given beside the workflow, as the cluster
    /// would read them from the workflow's namespace; without one the workflow ends in Error.
    @Test func configMapsGivenBesideTheWorkflowFeedParameters() throws {
        let cli = try SkeinCLI()
        let wf = try cli.write("cm-wf.yaml", workflowYAML("""
        - name: main
          inputs:
            parameters:
            - name: m
              valueFrom: {configMapKeyRef: {name: settings, key: msg}}
          container: {image: alpine, command: [echo, "said {{inputs.parameters.m}}"]}
        """))
        let cm = try cli.write("cm.yaml", """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data: {msg: hello from the map}
        """)
        let r = try cli.run(["run", wf, cm])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("said hello from the map"), "\(r.stdout)")
        let missing = try cli.run(["run", wf])
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("unable to retrieve inputs.parameters.m from ConfigMap: ConfigMap 'settings' does not exist"),
                "\(missing.stdout)")
    }

    /// The final object carries the labels the controller would keep on it: workflowMetadata,
    /// labelsFrom, and the phase labels.
    @Test func theFinalWorkflowCarriesWorkflowMetadataAndPhaseLabels() throws {
        let cli = try SkeinCLI()
        let f = try cli.write("labels.yaml", workflowYAML("""
        - name: main
          container: {image: alpine, command: [echo, "{{workflow.labels.who}}"]}
        """, spec: """
          arguments: {parameters: [{name: who, value: me}]}
          workflowMetadata:
            labels: {team: data}
            annotations: {note: hello}
            labelsFrom: {who: {expression: workflow.parameters.who}}
        """))
        let r = try cli.run(["run", f, "-o", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains(": me\n"), "\(r.stderr)")
        let meta = try #require(finalWorkflow(r.stdout)?["metadata"] as? [String: Any])
        let labels = meta["labels"] as? [String: String] ?? [:]
        #expect(labels == ["team": "data", "who": "me", "workflows.argoproj.io/phase": "Succeeded", "workflows.argoproj.io/completed": "true",
                           "workflows.skein.dev/phase": "Succeeded", "workflows.skein.dev/completed": "true"], "\(labels)")
        #expect((meta["annotations"] as? [String: String])?["note"] == "hello")
    }

    /// ARGO_PROGRESS_FILE: what a step writes shows while it runs, and stays on a step that fails.
    @Test func aStepsProgressFileIsShownWhileItRuns() throws {
        let cli = try SkeinCLI()
        let f = try cli.write("progress.yaml", workflowYAML("""
        - name: main
          script:
            image: alpine
            command: [sh]
            source: |
              echo 1/4 > "$ARGO_PROGRESS_FILE"; sleep 1
              echo 3/4 > "$ARGO_PROGRESS_FILE"; sleep 1
              exit 1
        """))
        let r = try cli.run(["run", f, "-o", "json"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("Running, progress 1/4") && r.stderr.contains("Running, progress 3/4"), "\(r.stderr)")
        let nodes = try #require((finalWorkflow(r.stdout)?["status"] as? [String: Any])?["nodes"] as? [String: [String: Any]])
        #expect(nodes.values.first?["progress"] as? String == "3/4", "\(nodes)")
    }

    /// A field Skein does not act on is a warning from lint (exit 0) and from run, which still runs.
    @Test func ignoredFieldsAreWarnedAboutNotRejected() throws {
        let cli = try SkeinCLI()
        let f = try cli.write("memo.yaml", workflowYAML("""
        - name: main
          memoize: {key: k, cache: {configMap: {name: c}}}
          container: {image: alpine, command: [echo, ran]}
        """))
        let lint = try cli.run(["lint", f])
        #expect(lint.status == 0)
        #expect(lint.stderr.contains("memo.yaml:10:7: spec.templates[0].memoize: warning: 'memoize' has no effect in Skein yet"), "\(lint.stderr)")
        #expect(lint.stdout.contains("1 warning"))
        let run = try cli.run(["run", f])
        #expect(run.status == 0)
        #expect(run.stderr.contains("warning: 'memoize' has no effect in Skein yet") && run.stdout.contains(": ran"), "\(run.stdout)\(run.stderr)")
    }

    /// A step of `skein run` runs on this host: its ip is the loopback address, its node the host.
    @Test func aStepsIPAndNodeAreThisHost() throws {
        let cli = try SkeinCLI()
        let f = try cli.write("ip.yaml", workflowYAML("""
        - name: main
          steps:
          - - {name: a, template: hi}
          - - {name: b, template: say, arguments: {parameters: [{name: m, value: "{{steps.a.ip}} {{steps.a.hostNodeName}}"}]}}
        - name: hi
          container: {image: alpine, command: [echo, hi]}
        - name: say
          inputs: {parameters: [{name: m}]}
          container: {image: alpine, command: [echo, "{{inputs.parameters.m}}"]}
        """))
        let r = try cli.run(["run", f])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("b: 127.0.0.1 "), "\(r.stdout)")
        #expect(!r.stdout.contains("b:  "), "the node name is not empty: \(r.stdout)")
    }

    @Test func entrypointOverride() throws {
        let cli = try SkeinCLI()
        let f = try cli.write("two.yaml", workflowYAML("""
        - name: main
          container: {image: alpine, command: [echo, from-main]}
        - name: other
          container: {image: alpine, command: [echo, from-other]}
        """))
        let r = try cli.run(["run", f, "--entrypoint", "other"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("from-other") && !r.stdout.contains("from-main"))
    }

    @Test func yamlOutputIsTheFinalWorkflow() throws {
        let r = try SkeinCLI().run(["run", helloPath, "-o", "yaml"])
        #expect(r.status == 0)
        // The apiVersion the file gave (examples/hello.yaml: skein.dev).
        #expect(r.stdout.hasPrefix("apiVersion: skein.dev/v1alpha1\n"))
        #expect(r.stdout.contains("  phase: Succeeded\n"))
    }

    @Test func unknownImagesFailTheStepWithAFix() throws {
        let cli = try SkeinCLI()
        let f = try cli.write("img.yaml", workflowYAML("- name: main\n  container: {image: mycorp/tool:1.0, args: [hi]}"))
        let r = try cli.run(["run", f])
        #expect(r.status == 1)
        #expect(r.stdout.contains("mycorp/tool:1.0") && r.stdout.contains("--images"))
        let map = try cli.write("images.yaml", "images:\n  \"mycorp/tool*\":\n    entrypoint: [echo, tool-says]\n")
        let r2 = try cli.run(["run", f, "--images", map])
        #expect(r2.status == 0)
        #expect(r2.stdout.contains("tool-says hi"))
    }

    @Test func builtInImagesUseTheirEntrypoints() throws {
        let cli = try SkeinCLI()
        let f = try cli.write("say.yaml", workflowYAML("""
        - name: main
          steps:
          - - {name: v2, template: v2}
            - {name: v1, template: v1}
            - {name: abs, template: abs}
        - name: v2
          container: {image: argoproj/argosay:v2, args: [echo, from-argosay]}
        - name: abs
          container: {image: argoproj/argosay:v2, command: [/argosay], args: [echo, absolute-path]}
        - name: v1
          container: {image: docker/whalesay:latest, command: [cowsay], args: [moo]}
        """))
        let r = try cli.run(["run", f])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("v2: from-argosay"))
        #expect(r.stdout.contains("v1: < moo >"))
        // `/argosay` is where the image keeps it; on this machine it is found on PATH.
        #expect(r.stdout.contains("abs: absolute-path"))
    }

    @Test func templatesFromOtherFilesResolveTemplateRef() throws {
        let cli = try SkeinCLI()
        let lib = try cli.write("lib.yaml", """
        apiVersion: argoproj.io/v1alpha1
        kind: WorkflowTemplate
        metadata: {name: library}
        spec:
          templates:
          - name: shout
            inputs: {parameters: [{name: text}]}
            container: {image: alpine, command: [sh, -c, "echo {{inputs.parameters.text}} | tr a-z A-Z"]}
        """)
        let f = try cli.write("use.yaml", workflowYAML("""
        - name: main
          steps:
          - - name: call
              templateRef: {name: library, template: shout}
              arguments: {parameters: [{name: text, value: quiet}]}
        """))
        let r = try cli.run(["run", f, lib])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("call: QUIET"))
    }

    @Test func interruptStopsStepsAndFailsTheWorkflow() throws {
        let cli = try SkeinCLI()
        let f = try cli.write("long.yaml", workflowYAML("- name: main\n  container: {image: alpine, command: [sleep, \"60\"]}"))
        let start = Date()
        let r = try cli.run(["run", f, "-o", "json"], timeout: 30) { p in
            usleep(1_500_000)
            kill(p.processIdentifier, SIGINT)
        }
        #expect(Date().timeIntervalSince(start) < 20)
        #expect(r.status == 1)
        let wf = finalWorkflow(r.stdout)
        #expect(phase(wf) == "Failed")
        #expect(((wf?["status"] as? [String: Any])?["message"] as? String)?.contains("interrupt") == true, "\(r.stderr)")
    }

    @Test func sigusr1ResumesASuspendWithoutDuration() throws {
        let cli = try SkeinCLI()
        let f = try cli.write("approve.yaml", workflowYAML("""
        - name: main
          steps:
          - - {name: before, template: mark}
          - - {name: approve, template: approve}
          - - {name: after, template: done}
        - name: mark
          container: {image: alpine, command: [touch, "\(cli.workDirectory)/started"]}
        - name: approve
          suspend: {}
        - name: done
          container: {image: alpine, command: [echo, approved]}
        """))
        let r = try cli.run(["run", f], timeout: 30) { p in
            // Once the first step ran, the suspend follows within one reconcile; resume a few
            // times in case the first signal came before it.
            waitForFile(cli.workDirectory + "/started")
            for _ in 0..<20 where p.isRunning {
                kill(p.processIdentifier, SIGUSR1)
                usleep(250_000)
            }
        }
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("after: approved"))
    }

    /// A CronWorkflow run locally is one run now, as the scheduler would start it: its
    /// `workflowMetadata`, the cron-workflow labels, and now as `{{workflow.scheduledTime}}`.
    @Test func aCronWorkflowRunsOnceWithNowAsItsScheduledTime() throws {
        let cli = try SkeinCLI()
        let f = try cli.write("nightly.yaml", """
            apiVersion: argoproj.io/v1alpha1
            kind: CronWorkflow
            metadata: {name: nightly}
            spec:
              schedule: "0 2 * * *"
              workflowMetadata: {labels: {team: data}}
              workflowSpec:
                entrypoint: main
                templates:
                - name: main
                  container: {image: alpine, command: [echo, "scheduled={{workflow.scheduledTime}} team={{workflow.labels.team}}"]}
            """)
        let before = Date().timeIntervalSince1970.rounded(.down)
        let r = try cli.run(["run", f, "-o", "json"], timeout: 30)
        #expect(r.status == 0, "\(r.stderr)")
        let line = try #require(r.stderr.split(separator: "\n").first { $0.contains("scheduled=") }, "\(r.stderr)")
        let stamp = try #require(line.firstMatch(of: /scheduled=(\S+) team=data/)?.1, "\(line)")
        let at = try #require(ISO8601DateFormatter().date(from: String(stamp)), "\(stamp)")
        #expect(at.timeIntervalSince1970 >= before && at.timeIntervalSince1970 < before + 30)
        let labels = (finalWorkflow(r.stdout)?["metadata"] as? [String: Any])?["labels"] as? [String: String]
        #expect(labels?["workflows.argoproj.io/cron-workflow"] == "nightly" && labels?["team"] == "data", "\(labels ?? [:])")
    }

    /// `spec.suspend: true`: nothing starts until SIGUSR1, as on the controller until the spec is patched.
    @Test func aSuspendedWorkflowWaitsForSIGUSR1() throws {
        let cli = try SkeinCLI()
        let marker = cli.workDirectory + "/ran"
        let f = try cli.write("held.yaml", workflowYAML("""
        - name: main
          container: {image: alpine, command: [touch, "\(marker)"]}
        """, spec: "  suspend: true"))
        var ranBeforeResume = true
        let r = try cli.run(["run", f, "-o", "json"], timeout: 30) { p in
            usleep(1_500_000)
            ranBeforeResume = FileManager.default.fileExists(atPath: marker)
            kill(p.processIdentifier, SIGUSR1)
        }
        #expect(!ranBeforeResume, "the step ran while the workflow was suspended")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("suspended (spec.suspend: true)") && r.stderr.contains("kill -USR1"), "\(r.stderr)")
        #expect(phase(finalWorkflow(r.stdout)) == "Succeeded")
        #expect(FileManager.default.fileExists(atPath: marker))
    }

    /// `spec.shutdown` in the file: Terminate ends the run before any step; Stop still runs the exit handler.
    @Test(arguments: [("Terminate", "Stopped with strategy 'Terminate'", false), ("Stop", "Stopped with strategy 'Stop'", true)])
    func aShutdownInTheFileStopsTheRun(_ strategy: String, _ message: String, _ exitHandlerRuns: Bool) throws {
        let cli = try SkeinCLI()
        let f = try cli.write("shut.yaml", workflowYAML("""
        - name: main
          container: {image: alpine, command: [echo, main-ran]}
        - name: bye
          container: {image: alpine, command: [echo, exit-handler-ran]}
        """, spec: "  shutdown: \(strategy)\n  onExit: bye"))
        let r = try cli.run(["run", f, "-o", "json"], timeout: 30)
        #expect(r.status == 1, "\(r.stderr)")
        let wf = finalWorkflow(r.stdout)
        #expect(phase(wf) == "Failed")
        #expect(((wf?["status"] as? [String: Any])?["message"] as? String) == message, "\(r.stdout)")
        #expect(!r.stderr.contains("main-ran"))
        #expect(r.stderr.contains("exit-handler-ran") == exitHandlerRuns, "\(r.stderr)")
    }

    @Test func directoryArtifactsWithoutArchiveAndSubPath() throws {
        let cli = try SkeinCLI()
        let f = try cli.write("sub.yaml", workflowYAML("""
        - name: main
          steps:
          - - {name: make, template: make}
          - - name: read
              template: read
              arguments:
                artifacts:
                - {name: one, from: "{{steps.make.outputs.artifacts.out}}", subPath: nested/one.txt}
                - {name: all, from: "{{steps.make.outputs.artifacts.out}}"}
        - name: make
          container: {image: alpine, command: [sh, -c, "mkdir -p /tmp/out/nested && echo first > /tmp/out/nested/one.txt && echo top > /tmp/out/top.txt"]}
          outputs:
            artifacts:
            - {name: out, path: /tmp/out, archive: {none: {}}}
        - name: read
          inputs:
            artifacts:
            - {name: one, path: /tmp/one.txt}
            - {name: all, path: /tmp/all}
          container: {image: alpine, command: [sh, -c, "echo \\"$(cat /tmp/one.txt) $(cat /tmp/all/top.txt)\\""]}
        """))
        let r = try cli.run(["run", f])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("read: first top"))
        // Stored as a directory tree, not an archive.
        let stored = try FileManager.default.subpathsOfDirectory(atPath: cli.workDirectory + "/.skein/artifacts")
        #expect(stored.contains { $0.hasSuffix("/out/nested/one.txt") })
    }

    @Test func parallelismFlagLimitsConcurrentSteps() throws {
        let cli = try SkeinCLI()
        // Each step records when it starts and ends; with --parallelism 1 no two overlap.
        let log = cli.workDirectory + "/spans"
        let f = try cli.write("par.yaml", workflowYAML("""
        - name: main
          steps:
          - - {name: p, template: t, withItems: [a, b, c]}
        - name: t
          container: {image: alpine, command: [sh, -c, "echo start >> \(log); sleep 0.2; echo end >> \(log)"]}
        """))
        let r = try cli.run(["run", f, "--parallelism", "1"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let spans = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(spans == ["start", "end", "start", "end", "start", "end"])
        let bad = try cli.run(["run", f, "--parallelism", "0"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--parallelism must be at least 1"))
    }

    @Test func artifactsDirectoryOption() throws {
        let cli = try SkeinCLI()
        let dir = cli.workDirectory + "/my-artifacts"
        let r = try cli.run(["run", Binaries.packageRoot + "/examples/artifacts.yaml", "--artifacts", dir])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let stored = try FileManager.default.subpathsOfDirectory(atPath: dir)
        #expect(stored.contains { $0.hasSuffix("/report.tgz") })
        #expect(stored.contains { $0.hasSuffix("/data.tgz") })
        #expect(!FileManager.default.fileExists(atPath: cli.workDirectory + "/.skein/artifacts"))
    }

    @Test func endlessRecursionFailsTheWorkflowInsteadOfCrashing() throws {
        let cli = try SkeinCLI()
        let f = try cli.write("rec.yaml", workflowYAML("- name: main\n  steps:\n  - - {name: again, template: main}"))
        let r = try cli.run(["run", f])
        #expect(r.status == 1)
        #expect(r.stdout.contains("Maximum recursion depth exceeded"))
    }

    @Test func lintExitCodes() throws {
        let cli = try SkeinCLI()
        let ok = try cli.run(["lint", helloPath])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("no problems"))
        let bad = try cli.write("bad.yaml", workflowYAML("- name: main\n  containr: {image: alpine}"))
        let r = try cli.run(["lint", bad])
        #expect(r.status == 1)
        #expect(r.stdout.contains("bad.yaml:10:7") || r.stderr.contains("bad.yaml:10:7"))
        #expect((r.stdout + r.stderr).contains("did you mean 'container'"))
    }
}

@Suite struct ScratchDirectoryTests {
    @Test func keepLeavesEachStepDirectoryWhereItSays() throws {
        let cli = try SkeinCLI()
        let r = try cli.run(["run", helloPath, "--keep"])
        #expect(r.status == 0, "\(r.stderr)")
        let line = try #require(r.stderr.split(separator: "\n").first { $0.hasPrefix("step directories kept in ") })
        let dir = String(line.dropFirst("step directories kept in ".count))
        let steps = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(steps.count == 1)
        // The step's directory holds its control files (exit code written last) and its /tmp.
        let step = "\(dir)/\(steps[0])"
        #expect(try String(contentsOfFile: "\(step)/exitcode", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        #expect(FileManager.default.fileExists(atPath: "\(step)/tmp"))
        try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent)
    }
}
