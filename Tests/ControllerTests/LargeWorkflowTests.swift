import Controller
import Foundation
import KubeAPI
import KubeClient
import SkeinJSON
import SkeinTestSupport
import Testing

/// A workflow of over a thousand steps: its node map is written compressed
/// (`status.compressedNodes`), and a controller started in the middle reads it back.
@Suite(.serialized) struct LargeWorkflowTests {
    @Test func largeNodeMapsAreCompressedAndReadBackAfterARestart() async throws {
        let h = try await ControllerHarness.start(instant: true)
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: wide-}
            spec:
              entrypoint: main
              templates:
                - name: main
                  steps:
                    - - {name: fan, template: step, withSequence: {count: "1200"}}
                    - - {name: after, template: step}
                - name: step
                  container: {image: alpine, command: ["true"]}
            """)
        // Restart the controller once the status is stored compressed, before the end.
        let compressedMidway = try await h.waitFor(name, timeout: 180) { wf in
            wf["status"]?["compressedNodes"] != nil || phase(wf) == "Succeeded"
        }
        #expect(compressedMidway)
        await h.stopController()
        h.startController()
        let wf = try await h.waitForCompletion(name, timeout: 300)
        #expect(phase(wf) == "Succeeded", "\(wf["status"]?["message"] ?? .null)")
        let status = try #require(wf["status"])
        #expect(status["nodes"] == nil)
        let packed = try #require(status["compressedNodes"]?.stringValue)
        #expect(status.compactJSON.utf8.count < 1 << 20)
        // What Argo's tools do with it: base64, then gzip, then JSON.
        let data = try #require(Data(base64Encoded: packed))
        let tmp = h.cluster.directory + "/nodes.gz"
        try data.write(to: URL(fileURLWithPath: tmp))
        let unzipped = try Command.run("/bin/sh", ["-c", "gzip -dc < \(tmp)"])
        let nodes = try JSONValue.parseJSON(unzipped.stdout)
        let pods = (nodes.objectValue ?? [:]).values.filter { $0["type"] == "Pod" }
        #expect(pods.count == 1201)
        #expect(pods.allSatisfy { $0["phase"] == "Succeeded" })
        #expect(status["progress"] == "1201/1201")
        // Each step ran once.
        let created = try await h.client.listAll(.pods, namespace: "default",
                                                 options: ListOptions(labelSelector: "\(h.settings.workflowLabel)=\(name)"))
        #expect(created.items.count == 1201)
    }
}
