import Foundation
import KubeAPI
import KubeClient
import KubeSim
import SkeinJSON
import SkeinTestSupport
import Testing

/// Against a server that offers HTTP/2 (as API servers do), the client speaks it: many
/// requests at once share its connections, and watches stream as over HTTP/1.1.
@Suite struct HTTP2Tests {
    @Test func concurrentRequestsAndWatchesOverHTTP2() async throws {
        let sim = try await KubeSim.start(KubeSimOptions(instant: true, http2: true))
        // The client goes before the server stops: an HTTP/2 connection stays open while its
        // client lives, and the server's graceful stop would wait for it.
        do {
            let client = try KubeClient(sim.configuration())
            // 100 creates and gets at once.
            try await withThrowingTaskGroup(of: Void.self) { g in
                for i in 0..<100 {
                    g.addTask {
                        _ = try await client.create(.configMaps, configMap("h2-\(i)", data: ["i": "\(i)"]), namespace: "default")
                        let got = try await client.get(.configMaps, "h2-\(i)", namespace: "default")
                        #expect(got["data"]?["i"] == .string("\(i)"))
                    }
                }
                try await g.waitForAll()
            }
            #expect(client.http2Responses >= 200, "\(client.http2Responses) answers over HTTP/2")
            let list = try await client.listAll(.configMaps, namespace: "default", pageSize: 30)
            #expect(list.items.filter { $0.name?.hasPrefix("h2-") == true }.count == 100)
            // A watch streams events while other requests share the connection.
            let events = client.watch(.configMaps, namespace: "default", options: ListOptions(resourceVersion: list.resourceVersion))
            let seen = Task { () -> [String] in
                var names: [String] = []
                for try await e in events where e.type == .deleted {
                    names.append(e.object.name ?? "")
                    if names.count == 10 { break }
                }
                return names
            }
            for i in 0..<10 { try await client.delete(.configMaps, "h2-\(i)", namespace: "default") }
            let deleted = try await withTimeout { try await seen.value }
            #expect(Set(deleted) == Set((0..<10).map { "h2-\($0)" }))
            // Errors keep their Status over HTTP/2.
            await #expect(throws: KubeError.self) { _ = try await client.get(.configMaps, "h2-0", namespace: "default") }
        } catch {
            await sim.stop()
            throw error
        }
        await sim.stop()
    }

    @Test func http1ClientsStillWorkWhenHTTP2IsOffered() async throws {
        try await TestCluster.with(KubeSimOptions(instant: true, http2: true)) { c in
            guard let curl = ["/usr/bin/curl", "/usr/local/bin/curl"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                Issue.record("curl is not installed")
                return
            }
            let ca = FileManager.default.temporaryDirectory.path + "/h2-ca-\(UUID().uuidString.prefix(8)).crt"
            try c.sim.caPEM.write(toFile: ca, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: ca) }
            for (flag, expected) in [("--http1.1", "1.1"), ("--http2", "2")] {
                let args = ["-sS", flag, "--cacert", ca, "-H", "Authorization: Bearer \(c.sim.token)", "-o", "/dev/null",
                            "-w", "%{http_version} %{http_code}", c.sim.url + "/api/v1/namespaces/default"]
                let text = try await SimCluster.offPool { try Command.run(curl, args) }.stdout
                #expect(text == "\(expected) 200", "\(flag): \(text)")
            }
        }
    }
}
