import Foundation
import SkeinJSON
import SkeinTestSupport
import Testing

/// `retryPolicy: OnTransientError` end to end: a step whose container leaves a transient
/// error as its termination message (/dev/termination-log) is retried, one with any other
/// message is not; the message is the node's. On the controller and with `skein run`, alike.
@Suite(.serialized) struct TransientErrorE2ETests {
    static let yaml = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {generateName: transient-}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: flaky, template: flaky}
              - {name: broken, template: broken}
          - name: flaky
            retryStrategy: {limit: 2, retryPolicy: OnTransientError}
            container:
              image: alpine
              command: [sh, -c, "if [ {{retries}} -lt 1 ]; then printf 'read tcp 10.0.0.1:443: read: connection reset by peer\\\\n' > /dev/termination-log; exit 1; fi; echo ok"]
          - name: broken
            retryStrategy: {limit: 2, retryPolicy: OnTransientError}
            container:
              image: alpine
              command: [sh, -c, "printf 'bad input: no such column' > /dev/termination-log; exit 1"]
        """

    static func summary(_ wf: JSONValue) -> [String] {
        (wf["status"]?["nodes"]?.objectValue?.values.map { n in
            "\(n["displayName"]?.stringValue ?? "?") \(n["type"]?.stringValue ?? "?") \(n["phase"]?.stringValue ?? "?"): \(n["message"]?.stringValue ?? "")"
        } ?? []).filter { !$0.hasPrefix("transient") && !$0.hasPrefix("[") }.sorted()
    }

    @Test func bothRuntimesRetryOnlyTheTransientFailure() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: Self.yaml)
        let wf = try await h.waitForCompletion(name, timeout: 60)
        #expect(phase(wf) == "Failed")
        let cluster = Self.summary(wf)
        #expect(cluster == [
            "broken Retry Failed: bad input: no such column",
            "broken(0) Pod Failed: bad input: no such column",
            "flaky Retry Succeeded: ",
            "flaky(0) Pod Failed: read tcp 10.0.0.1:443: read: connection reset by peer",
            "flaky(1) Pod Succeeded: ",
        ], "\(cluster)")
        let local = try await SimCluster.offPool {
            let cli = try SkeinCLI()
            let f = try cli.write("transient.yaml", Self.yaml)
            return try cli.run(["run", f, "-o", "json"])
        }
        #expect(local.status == 1)
        #expect(Self.summary(try JSONValue.parseJSON(local.stdout)) == cluster, "skein run decides alike")
    }
}
