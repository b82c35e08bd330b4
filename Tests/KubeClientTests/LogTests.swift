import Foundation
import KubeAPI
import KubeClient
import KubeSim
import SkeinJSON
import Testing

@Suite struct LogTests {
    func pod(_ name: String, script: String) -> JSONValue {
        ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
         "spec": ["restartPolicy": "Never",
                  "containers": [["name": "main", "image": "alpine", "command": ["sh", "-c", .string(script)]]]]]
    }

    func waitForPhase(_ k: KubeClient, _ name: String, _ phase: String) async throws {
        try await withTimeout(.seconds(60), "pod \(name) to reach \(phase)") {
            for try await e in k.listAndWatch(.pods, options: ListWatchOptions(fieldSelector: "metadata.name=\(name)")) {
                switch e {
                case .listed(let items, _): if items.first?["status"]?["phase"]?.stringValue == phase { return }
                case .event(let ev): if ev.object["status"]?["phase"]?.stringValue == phase { return }
                }
            }
        }
    }

    @Test func wholeLogTailAndTimestamps() async throws {
        try await TestCluster.with(KubeSimOptions()) { c in
            let k = c.client
            _ = try await k.create(.pods, pod("logs", script: "echo one; echo; echo three"))
            try await waitForPhase(k, "logs", "Succeeded")
            #expect(try await k.logs(pod: "logs") == "one\n\nthree\n")
            #expect(try await k.logs(pod: "logs", options: LogOptions(container: "main", tailLines: 1)) == "three\n")
            let stamped = try await k.logs(pod: "logs", options: LogOptions(timestamps: true))
            #expect(stamped.split(separator: "\n").first?.hasSuffix(" one") == true)
            #expect(stamped.split(separator: "\n").first?.first?.isNumber == true)
            let missing = await #expect(throws: KubeError.self) { try await k.logs(pod: "logs", options: LogOptions(container: "nope")) }
            #expect(missing?.status != nil)
        }
    }

    @Test func followedLogStreamsLinesAsTheyAreWritten() async throws {
        // Not isolated: the container must see the test's gate file in /tmp.
        try await TestCluster.with(KubeSimOptions(isolate: false)) { c in
            let k = c.client
            let dir = try TempDir()
            let gate = dir.path + "/go"
            // Prints a line, then waits for the test to see it before printing the next.
            _ = try await k.create(.pods, pod("follow", script: """
                echo first; while [ ! -e \(gate) ]; do sleep 0.02; done; echo second
                """))
            try await waitForPhase(k, "follow", "Running")
            let lines = try await withTimeout(.seconds(60)) {
                var out: [String] = []
                for try await line in k.followLogs(pod: "follow") {
                    out.append(line)
                    if line == "first" { _ = FileManager.default.createFile(atPath: gate, contents: nil) }
                }
                return out
            }
            // "second" could only be written after "first" had reached the client.
            #expect(lines == ["first", "second"])
        }
    }
}
