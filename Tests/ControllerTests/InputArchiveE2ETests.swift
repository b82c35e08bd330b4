import Foundation
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
