import Foundation
import SkeinJSON
import SkeinTestSupport
import Testing

/// An input artifact that is a zip (`archive: {zip: {}}`) is unpacked at its path, and
/// `mode` with `recurseMode` applies to everything in it; on both runtimes.
@Suite(.serialized) struct InputArchiveE2ETests {
    static let yaml = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {generateName: zipped-}
        spec:
          entrypoint: main
          templates:
          - name: main
            inputs:
              artifacts:
              - {name: bundle, path: /tmp/bundle, archive: {zip: {}}, mode: 493, recurseMode: true, s3: {key: inputs/bundle.zip}}
            container: {image: alpine, command: [sh, -c, "cat /tmp/bundle/docs/readme.txt; stat -c %a /tmp/bundle/docs/readme.txt > /tmp/m"]}
            outputs:
              parameters: [{name: m, valueFrom: {path: /tmp/m}}]
        """

    static func makeZip(at path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let script = """
        import sys, zipfile, stat
        with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
            i = zipfile.ZipInfo("docs/readme.txt"); i.external_attr = (stat.S_IFREG | 0o640) << 16; i.create_system = 3
            z.writestr(i, "zipped readme\\n")
        """
        let r = try Command.run("/usr/bin/env", ["python3", "-c", script, path], timeout: 30)
        guard r.status == 0 else { throw HarnessError("making the zip failed: \(r.stderr)") }
    }

    @Test func bothRuntimesUnpackTheZipAndSetTheModes() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        try Self.makeZip(at: h.artifactDirectory + "/inputs/bundle.zip")
        let name = try await h.submit(yaml: Self.yaml)
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded", "\(nodeSummary(wf))")
        #expect(nodeSummary(wf).contains { $0.contains("m=755") }, "\(nodeSummary(wf))")

        let local = try await SimCluster.offPool {
            let cli = try SkeinCLI()
            try Self.makeZip(at: cli.workDirectory + "/.skein/artifacts/inputs/bundle.zip")
            let f = try cli.write("zipped.yaml", Self.yaml)
            return try cli.run(["run", f, "-o", "json"])
        }
        #expect(local.status == 0, "\(local.stderr)")
        #expect(local.stderr.contains("zipped readme"), "\(local.stderr)")
        let nodes = ((finalWorkflow(local.stdout)?["status"] as? [String: Any])?["nodes"] as? [String: [String: Any]]) ?? [:]
        let params = nodes.values.compactMap { ($0["outputs"] as? [String: Any])?["parameters"] as? [[String: Any]] }.flatMap { $0 }
        #expect(params.contains { $0["name"] as? String == "m" && $0["value"] as? String == "755" }, "\(params)")
    }
}

/// An optional input artifact with a key of the repository: read when it is there, an empty
/// directory at its path when it is not (as a pod's volume subPath of nothing is); alike on
/// both runtimes.
@Suite(.serialized) struct OptionalStoredInputE2ETests {
    static let yaml = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {generateName: optional-in-}
        spec:
          entrypoint: main
          templates:
          - name: main
            inputs:
              artifacts:
              - {name: there, path: /tmp/there.txt, optional: true, s3: {key: given/there.txt}}
              - {name: absent, path: /tmp/absent, optional: true, s3: {key: given/absent.tgz}}
            container:
              image: alpine
              command: [sh, -c, "cat /tmp/there.txt > /tmp/t; if [ -d /tmp/absent ] && [ -z \\"$(ls -A /tmp/absent)\\" ]; then echo empty; else echo other; fi > /tmp/a"]
            outputs:
              parameters: [{name: t, valueFrom: {path: /tmp/t}}, {name: a, valueFrom: {path: /tmp/a}}]
        """

    @Test func presentIsReadAbsentIsAnEmptyDirectory() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        try FileManager.default.createDirectory(atPath: h.artifactDirectory + "/given", withIntermediateDirectories: true)
        try "was there\n".write(toFile: h.artifactDirectory + "/given/there.txt", atomically: true, encoding: .utf8)
        let name = try await h.submit(yaml: Self.yaml)
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded", "\(nodeSummary(wf))")
        #expect(nodeSummary(wf).contains { $0.contains("a=empty") && $0.contains("t=was there") }, "\(nodeSummary(wf))")

        let local = try await SimCluster.offPool {
            let cli = try SkeinCLI()
            try FileManager.default.createDirectory(atPath: cli.workDirectory + "/.skein/artifacts/given", withIntermediateDirectories: true)
            try "was there\n".write(toFile: cli.workDirectory + "/.skein/artifacts/given/there.txt", atomically: true, encoding: .utf8)
            let f = try cli.write("optional.yaml", Self.yaml)
            return try cli.run(["run", f, "-o", "json"])
        }
        #expect(local.status == 0, "\(local.stderr)")
        #expect(nodeSummary(try JSONValue.parseJSON(local.stdout)) == nodeSummary(wf), "skein run does alike")
    }
}
