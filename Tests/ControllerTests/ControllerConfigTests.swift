import Controller
import Foundation
import Sandbox
import KubeAPI
import KubeClient
import SkeinJSON
import SkeinTestSupport
import Testing

/// `skein controller --config NAME` as a process: settings from a ConfigMap, flags over them,
/// and a bad ConfigMap refused with the key named.
@Suite struct ControllerConfigTests {
    func startController(_ h: ControllerHarness, _ extra: [String], log: String) throws -> ChildProcess {
        try ChildProcess(try Binaries.path("skein"),
                         ["controller", "--kubeconfig", h.cluster.kubeconfig, "--executor-image", "skein:test", "--no-metrics"] + extra,
                         stderr: .file(log))
    }

    @Test func settingsComeFromTheConfigMapAndFlagsWin() async throws {
        let h = try await ControllerHarness.start(startController: false)
        defer { Task { await h.stop() } }
        _ = try await h.client.create(.configMaps, ["metadata": ["name": "skein-config"],
                                                    "data": ["parallelism": "1", "workers": "2"]], namespace: "default")
        let log = h.cluster.directory + "/controller.log"
        let controller = try startController(h, ["--config", "default/skein-config"], log: log)
        defer { controller.terminate() }
        let slow = """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: cfg-}
            spec:
              entrypoint: main
              templates: [{name: main, container: {image: alpine, command: [sleep, "2"]}}]
            """
        let first = try await h.submit(yaml: slow)
        #expect(try await h.waitFor(first) { phase($0) == "Running" }, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        let second = try await h.submit(yaml: slow)
        #expect(try await h.waitFor(second) { phase($0) == "Pending" }, "parallelism 1 from the ConfigMap")
        #expect(phase(try await h.waitForCompletion(first)) == "Succeeded")
        #expect(phase(try await h.waitForCompletion(second)) == "Succeeded")
        controller.terminate()
        controller.waitUntilExit()

        // The flag wins over the ConfigMap: two run side by side.
        let again = try startController(h, ["--config", "skein-config", "--parallelism", "0"], log: log)
        defer { again.terminate() }
        let a = try await h.submit(yaml: slow)
        let b = try await h.submit(yaml: slow)
        #expect(try await h.eventually {
            let pa = phase(try await h.workflow(a)), pb = phase(try await h.workflow(b))
            return pa == "Running" && pb == "Running"
        })
    }

    @Test func aBadConfigMapStopsTheStartNamingTheKey() async throws {
        let h = try await ControllerHarness.start(startController: false)
        defer { Task { await h.stop() } }
        _ = try await h.client.create(.configMaps, ["metadata": ["name": "typo"], "data": ["paralelism": "1"]], namespace: "default")
        let log = h.cluster.directory + "/bad.log"
        let p = try startController(h, ["--config", "typo"], log: log)
        #expect(await SimCluster.eventually(timeout: 20) { !p.isRunning })
        #expect(p.terminationStatus == 2)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("ConfigMap default/typo: unknown key data.paralelism"), "\(text)")
        let missing = try startController(h, ["--config", "nowhere"], log: log)
        #expect(await SimCluster.eventually(timeout: 20) { !missing.isRunning })
        #expect(missing.terminationStatus == 2)
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("cannot read ConfigMap default/nowhere"))
    }
}
