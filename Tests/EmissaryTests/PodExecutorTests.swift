import Executor
import Foundation
import SkeinJSON
import SkeinTestSupport
import Testing
import WorkflowEngine

/// The init container's preparation of the shared volume.
@Suite struct PodExecutorTests {
    /// The main container may run as another user than Skein's (the image's own, often root,
    /// or a securityContext's): its emissary must be able to write the control directory.
    @Test func theControlDirectoryIsWritableByTheMainContainersUser() throws {
        let h = try EngineHarness(yaml: """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {name: perms, uid: u-1}
            spec:
              entrypoint: main
              templates:
                - name: main
                  container: {image: alpine, command: [sh, -c, "echo 1 > /tmp/x"]}
                  outputs: {parameters: [{name: x, valueFrom: {path: /tmp/x}}]}
            """)
        _ = h.run { _ in .success }
        let launch = try #require(h.launches.first?.launch)
        let document = StepDocument(launch: launch, workflowName: "perms", workflowUID: "u-1").json.compactJSON
        let dir = try TemporaryDirectory.make(prefix: "skein-init")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let executor = try PodExecutor(environment: ["SKEIN_STEP": document], varDirectory: dir)
        try executor.initialize(emissary: "/bin/true")
        let control = try FileManager.default.attributesOfItem(atPath: dir + "/control")
        #expect((control[.posixPermissions] as? Int) == 0o1777)
        let emissary = try FileManager.default.attributesOfItem(atPath: dir + "/bin/skein-emissary")
        #expect((emissary[.posixPermissions] as? Int) == 0o755)
    }
}
