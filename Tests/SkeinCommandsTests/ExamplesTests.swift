import Foundation
import Testing
import SkeinTestSupport

/// Every workflow in examples/ runs with the real `skein run` and reaches the phase its
/// "# Expected phase:" comment documents, printing what it is meant to print.
@Suite struct ExamplesTests {
    static let directory = Binaries.packageRoot + "/examples"
    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        .filter { $0.hasSuffix(".yaml") }.sorted()

    /// A line each example must print (step name prefix, then its output).
    static let expectedOutput: [String: [String]] = [
        "hello.yaml": ["hello, world"],
        "steps.yaml": ["finish: done after Succeeded and Succeeded"],
        "dag-diamond.yaml": ["D: 12"],
        "parameters.yaml": ["consume: got: hello in red! / nothing here", #"dated: created today, labels {"team":"examples"}"#],
        "artifacts.yaml": ["consume: written inline in the workflow", "consume: all artifacts arrived, headline: report of the run"],
        "loops.yaml": [#"total: squares: ["1","4","9","16"]"#, "counting(2:part-03): part-03", "distros(1:name:alpine,version:3.20): alpine 3.20"],
        "conditions.yaml": ["heads: it was heads", "big: measured more than the threshold", "expression: the measurement is odd", "fresh: started less than an hour ago", "summary: seven+nine 28"],
        "retries.yaml": ["attempt 0", "attempt 2"],
        "exit-handler.yaml": ["ended Failed", "work ended Failed with exit code 3"],
        "timeouts.yaml": ["quick (sleep): Succeeded", "too-slow (sleep): Failed: Step exceeded its deadline"],
        "python-script.yaml": ["show: the 10th Fibonacci number is 34"],
        "suspend.yaml": ["after: after the pause"],
        "workflow-template.yaml": ["greetings, template user"],
        "cron.yaml": [": heartbeat\n"],
        "ml-pipeline.yaml": ["validate: 200 rows, none missing", "train(1): trained on 160 rows", "deploy: deployed the model y = 3.04 x + 1.95 (r2 0.754 >= 0.7)",
                             "ended Succeeded; r2: 0.754"],
        // Given first, the CronWorkflow runs, though ml-pipeline.yaml beside it has a Workflow.
        "ml-pipeline-nightly.yaml": ["extract: extracted 200 rows for 20", "deploy: deployed the model", "nightly run ml-pipeline-nightly-",
                                     "ended Succeeded; r2: 0.754"],
        "volumes.yaml": ["read: summary: rows: 42", "read: data: raw data", "read: runs so far: 1"],
        "fail-fast.yaml": ["check(2:broken): checking broken", ": template has failed or errored children and failFast enabled"],
    ]

    /// The files an example's `# With:` line names, which it needs beside it.
    static func companions(_ text: String) -> [String] {
        text.split(separator: "\n").filter { $0.hasPrefix("# With:") }
            .flatMap { $0.dropFirst("# With:".count).split(separator: " ").map { "\(directory)/\($0)" } }
    }

    @Test func everyExampleHasExpectations() {
        #expect(Self.files.count >= 12)
        for f in Self.files { #expect(Self.expectedOutput[f] != nil, "add the expected output of \(f)") }
    }

    /// The CronWorkflow docs/from-airflow.md shows runs as the page says (XCom as an output
    /// parameter, all_done as `depends`).
    @Test func theAirflowPagesWorkflowRuns() throws {
        let page = try String(contentsOfFile: Binaries.packageRoot + "/docs/from-airflow.md", encoding: .utf8)
        let yaml = try #require(page.components(separatedBy: "```yaml\n").dropFirst().first?.components(separatedBy: "```").first)
        let cli = try SkeinCLI()
        let f = try cli.write("etl.yaml", yaml)
        let r = try cli.run(["run", f])
        #expect(r.status == 0, "\(r.stderr)")
        let out = r.stdout + r.stderr
        #expect(out.contains("transform: transforming 42 rows for ") && out.contains("load: loaded"), "\(out)")
    }

    /// The ML pipeline on bad data: validation stops the DAG with its message, nothing after it
    /// runs, and the exit handler reports the failure.
    @Test func theMLPipelineStopsOnBadData() throws {
        let cli = try SkeinCLI()
        let r = try cli.run(["run", "\(Self.directory)/ml-pipeline.yaml", "-p", "bad-data=true", "-o", "json"])
        #expect(r.status == 1)
        let nodes = ((finalWorkflow(r.stdout)?["status"] as? [String: Any])?["nodes"] as? [String: [String: Any]]) ?? [:]
        let validate = nodes.values.first { $0["displayName"] as? String == "validate" }
        #expect(validate?["phase"] as? String == "Failed")
        #expect(validate?["message"] as? String == "bad data: 4 of 200 rows have no value (first at row 7)", "\(String(describing: validate))")
        #expect(!nodes.values.contains { ["train", "evaluate", "deploy"].contains($0["displayName"] as? String ?? "") && $0["phase"] as? String == "Succeeded" })
        #expect(r.stderr.contains("ended Failed; r2: not measured"), "\(r.stderr)")
    }

    @Test(arguments: files)
    func exampleRunsToItsDocumentedPhase(_ file: String) throws {
        let path = "\(Self.directory)/\(file)"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let expected = try #require(text.split(separator: "\n").first { $0.hasPrefix("# Expected phase:") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces), "\(file) documents no expected phase")
        let cli = try SkeinCLI()
        let r = try cli.run(["run", path] + Self.companions(text) + ["-o", "json"])
        let wf = finalWorkflow(r.stdout)
        #expect(phase(wf) == expected, "\(file): \(r.stderr)")
        #expect(r.status == (expected == "Succeeded" ? 0 : 1))
        for line in Self.expectedOutput[file] ?? [] {
            #expect(r.stderr.contains(line), "\(file) should print '\(line)':\n\(r.stderr)")
        }
        // The final object is an Argo-shaped Workflow: nodes with ids, types and phases.
        let nodes = (wf?["status"] as? [String: Any])?["nodes"] as? [String: [String: Any]] ?? [:]
        #expect(!nodes.isEmpty)
        for (id, n) in nodes {
            #expect(n["id"] as? String == id)
            #expect(n["phase"] is String && n["type"] is String && n["name"] is String)
        }
    }
}
