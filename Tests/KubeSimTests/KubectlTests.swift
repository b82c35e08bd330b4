import Foundation
import Sandbox
import KubeAPI
import KubeSim
import SkeinJSON
import SkeinTestSupport
import Testing

/// KubeSim driven by the real kubectl: if kubectl accepts it, the simulator speaks the API
/// well enough for clients other than our own.
@Suite(.serialized) struct KubectlTests {
    @Test func customResourcesApplyGetPatchDelete() async throws {
        guard kubectlAvailable() else { return }
        try await withCluster { c in
            let crd = try await c.kubectl(["apply", "-f", "-"], stdin: widgetCRD)
            #expect(crd.status == 0, "\(crd.stderr)")
            #expect(crd.stdout.contains("customresourcedefinition.apiextensions.k8s.io/widgets.test.skein.dev created"))

            let w = try await c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: test.skein.dev/v1
                kind: Widget
                metadata: {name: w1, labels: {color: blue}}
                spec: {size: 1, parts: [a, b]}
                """)
            #expect(w.status == 0, "\(w.stderr)")
            #expect(w.stdout.contains("widget.test.skein.dev/w1 created"))
            _ = try await c.kubectl(["create", "-f", "-"], stdin: """
                {"apiVersion":"test.skein.dev/v1","kind":"Widget","metadata":{"name":"w2","labels":{"color":"red"}},"spec":{"size":2}}
                """)

            let got = try json(try await c.kubectl(["get", "wd", "w1", "-o", "json"]).stdout)
            #expect(got["spec"]?["size"] == 1)
            #expect(got["metadata"]?["generation"] == 1)
            #expect(try await c.kubectl(["get", "widgets", "-o", "name"]).stdout == "widget.test.skein.dev/w1\nwidget.test.skein.dev/w2\n")
            #expect(try await c.kubectl(["get", "wd", "-l", "color=red", "-o", "name"]).stdout == "widget.test.skein.dev/w2\n")
            #expect(try await c.kubectl(["get", "wd", "-l", "color notin (red)", "-o", "name"]).stdout == "widget.test.skein.dev/w1\n")
            // Server-side printing with the CRD's printer column.
            let table = try await c.kubectl(["get", "wd"]).stdout
            #expect(table.contains("SIZE"), "\(table)")
            // The CRD's columns are the columns: NAME and SIZE, no AGE added.
            #expect(table.split(separator: "\n").first?.split(separator: " ") == ["NAME", "SIZE"], "\(table)")
            #expect(table.split(separator: "\n").contains { $0.hasPrefix("w2") && $0.hasSuffix(" 2") })

            // A second apply of a changed manifest patches it (client-side apply: a merge patch for custom resources).
            let again = try await c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: test.skein.dev/v1
                kind: Widget
                metadata: {name: w1, labels: {color: blue}}
                spec: {size: 5, parts: [a, b]}
                """)
            #expect(again.stdout.contains("widget.test.skein.dev/w1 configured"), "\(again.stderr)")
            #expect(try json(try await c.kubectl(["get", "wd", "w1", "-o", "json"]).stdout)["metadata"]?["generation"] == 2)

            #expect(try await c.kubectl(["patch", "wd", "w1", "--type=merge", "-p", #"{"spec":{"size":3}}"#]).status == 0)
            #expect(try await c.kubectl(["patch", "wd", "w1", "--type=json", "-p", #"[{"op":"add","path":"/spec/parts/-","value":"c"}]"#]).status == 0)
            let patched = try json(try await c.kubectl(["get", "wd", "w1", "-o", "json"]).stdout)
            #expect(patched["spec"]?.compactJSON == #"{"parts":["a","b","c"],"size":3}"#)
            // Custom resources take no strategic merge patch, as on a real server.
            let smp = try await c.kubectl(["patch", "wd", "w1", "--type=strategic", "-p", #"{"spec":{"size":4}}"#])
            #expect(smp.status != 0)
            #expect(smp.stderr.contains("unknown format") || smp.stderr.contains("UnsupportedMediaType"), "\(smp.stderr)")

            // The status subresource: only /status changes status, and only status.
            let st = try await c.kubectl(["patch", "wd", "w1", "--subresource=status", "--type=merge", "-p",
                                    #"{"spec":{"size":99},"status":{"phase":"Ready","conditions":[{"type":"Done","status":"True"}]}}"#])
            #expect(st.status == 0, "\(st.stderr)")
            _ = try await c.kubectl(["patch", "wd", "w1", "--type=merge", "-p", #"{"status":{"phase":"Ignored"}}"#])
            let afterStatus = try json(try await c.kubectl(["get", "wd", "w1", "-o", "json"]).stdout)
            #expect(afterStatus["status"]?["phase"] == "Ready")
            #expect(afterStatus["spec"]?["size"] == 3)
            let wait = try await c.kubectl(["wait", "--for=condition=Done", "wd/w1", "--timeout=20s"])
            #expect(wait.status == 0, "\(wait.stderr)")
            let jp = try await c.kubectl(["wait", "--for=jsonpath={.status.phase}=Ready", "widget/w1", "--timeout=20s"])
            #expect(jp.status == 0, "\(jp.stderr)")

            let del = try await c.kubectl(["delete", "wd", "w1"])
            #expect(del.stdout.contains("widget.test.skein.dev \"w1\" deleted"), "\(del.stderr)")
            let gone = try await c.kubectl(["get", "wd", "w1"])
            #expect(gone.status != 0)
            #expect(gone.stderr.contains("NotFound") || gone.stderr.contains("not found"), "\(gone.stderr)")
        }
    }

    /// kubectl's imperative generators send protobuf bodies (issue 18: KubeSim refused them).
    @Test func imperativeCreatesSendProtobufAndWork() async throws {
        guard kubectlAvailable() else { return }
        try await withCluster(instant: true) { c in
            for args in [["create", "namespace", "team-a"],
                         ["create", "configmap", "settings", "-n", "team-a", "--from-literal=color=blue", "--from-literal=size=2"],
                         ["create", "secret", "generic", "creds", "-n", "team-a", "--from-literal=password=hunter2"],
                         ["create", "serviceaccount", "builder", "-n", "team-a"]] {
                let r = try await c.kubectl(args)
                #expect(r.status == 0, "kubectl \(args.joined(separator: " ")): \(r.stderr)")
            }
            let ns = try json(try await c.kubectl(["get", "namespace", "team-a", "-o", "json"]).stdout)
            #expect(ns["status"]?["phase"] == "Active")
            let cm = try json(try await c.kubectl(["get", "configmap", "settings", "-n", "team-a", "-o", "json"]).stdout)
            #expect(cm["data"]?.compactJSON == #"{"color":"blue","size":"2"}"#)
            let secret = try json(try await c.kubectl(["get", "secret", "creds", "-n", "team-a", "-o", "json"]).stdout)
            #expect(secret["type"] == "Opaque")
            #expect(secret["data"]?["password"] == .string(Data("hunter2".utf8).base64EncodedString()))
            #expect(try await c.kubectl(["get", "serviceaccount", "builder", "-n", "team-a"]).status == 0)
        }
    }

    @Test func strategicMergePatchOnCoreKinds() async throws {
        guard kubectlAvailable() else { return }
        try await withCluster(instant: true) { c in
            _ = try await c.kubectl(["apply", "-f", "-"], stdin: "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm1\"},\"data\":{\"a\":\"1\"}}")
            // Finalizers merge as a set under a strategic merge patch; a merge patch would replace them.
            #expect(try await c.kubectl(["patch", "configmap", "cm1", "-p", #"{"metadata":{"finalizers":["x/a"]}}"#]).status == 0)
            #expect(try await c.kubectl(["patch", "configmap", "cm1", "--type=strategic", "-p", #"{"metadata":{"finalizers":["x/b"]},"data":{"b":"2"}}"#]).status == 0)
            let cm = try json(try await c.kubectl(["get", "cm", "cm1", "-o", "json"]).stdout)
            #expect(cm["metadata"]?["finalizers"]?.compactJSON == #"["x/a","x/b"]"#)
            #expect(cm["data"]?.compactJSON == #"{"a":"1","b":"2"}"#)
            // Deleting an object with finalizers only marks it; removing them finishes the delete.
            let del = try await c.kubectl(["delete", "cm", "cm1", "--wait=false"])
            #expect(del.status == 0, "\(del.stderr)")
            let marked = try json(try await c.kubectl(["get", "cm", "cm1", "-o", "json"]).stdout)
            #expect(marked["metadata"]?["deletionTimestamp"] != nil)
            #expect(try await c.kubectl(["patch", "cm", "cm1", "--type=json", "-p", #"[{"op":"remove","path":"/metadata/finalizers"}]"#]).status == 0)
            #expect(try await c.kubectl(["get", "cm", "cm1"]).status != 0)

            // Pods: strategic merge by container name.
            _ = try await c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: v1
                kind: Pod
                metadata: {name: p1}
                spec:
                  restartPolicy: Never
                  containers:
                  - {name: a, image: busybox, command: ["true"]}
                  - {name: b, image: alpine, command: ["true"]}
                """)
            #expect(try await c.kubectl(["patch", "pod", "p1", "-p", #"{"spec":{"containers":[{"name":"b","image":"alpine:3"}]}}"#]).status == 0)
            let pod = try json(try await c.kubectl(["get", "pod", "p1", "-o", "json"]).stdout)
            #expect(pod["spec"]?["containers"]?.arrayValue?.compactMap { $0["image"]?.stringValue } == ["busybox", "alpine:3"])
            #expect(try await c.kubectl(["wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/p1", "--timeout=20s"]).status == 0)
            #expect(try await c.kubectl(["get", "po", "-o", "name"]).stdout == "pod/p1\n")
        }
    }

    @Test func podRunsAndItsLogsAreServed() async throws {
        guard kubectlAvailable() else { return }
        try await withCluster { c in
            let run = try await c.kubectl(["run", "hello", "--image=busybox", "--restart=Never", "--", "sh", "-c", "echo hello; echo world >&2"])
            #expect(run.status == 0, "\(run.stderr)")
            let wait = try await c.kubectl(["wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/hello", "--timeout=30s"])
            #expect(wait.status == 0, "\(wait.stderr)")
            let logs = try await c.kubectl(["logs", "hello"])
            #expect(logs.stdout.split(separator: "\n").sorted() == ["hello", "world"], "\(logs.stderr)")
            #expect(try await c.kubectl(["logs", "hello", "--tail=1"]).stdout.split(separator: "\n").count == 1)
            let pod = try json(try await c.kubectl(["get", "pod", "hello", "-o", "json"]).stdout)
            #expect(pod["spec"]?["nodeName"] == "skein-sim-node")
            #expect(pod["status"]?["containerStatuses"]?[0]?["state"]?["terminated"]?["reason"] == "Completed")
            let describe = try await c.kubectl(["describe", "pod", "hello"])
            #expect(describe.status == 0, "\(describe.stderr)")
            #expect(describe.stdout.contains("Succeeded"))

            // A pod that handles SIGTERM ends well before its 30 s grace period when deleted.
            _ = try await c.kubectl(["run", "sleeper", "--image=alpine", "--restart=Never", "--", "sh", "-c",
                               "trap 'echo term; exit 0' TERM; echo up; while true; do sleep 0.1; done"])
            #expect(try await c.kubectl(["wait", "--for=condition=Ready", "pod/sleeper", "--timeout=30s"]).status == 0)
            let follow = try c.startKubectl(["logs", "-f", "sleeper"], output: "\(c.directory)/follow.txt")
            #expect(await SimCluster.eventually { ((try? String(contentsOfFile: "\(c.directory)/follow.txt", encoding: .utf8)) ?? "").contains("up") })
            let start = Date()
            let del = try await c.kubectl(["delete", "pod", "sleeper", "--timeout=25s"])
            #expect(del.status == 0, "\(del.stderr)")
            #expect(Date().timeIntervalSince(start) < 15)
            follow.waitUntilExit()
            let followed = (try? String(contentsOfFile: "\(c.directory)/follow.txt", encoding: .utf8)) ?? ""
            // The shell may also report on stderr that its sleep was terminated; stdout and
            // stderr lines interleave in either order, so only stdout's order is checked.
            let lines = followed.split(separator: "\n").map(String.init)
            #expect(lines.first == "up" && lines.filter { $0 != "Terminated" } == ["up", "term"], "\(followed)")
            #expect(try await c.kubectl(["get", "pod", "sleeper"]).status != 0)
        }
    }

    @Test func watchWithKubectlGet() async throws {
        guard kubectlAvailable() else { return }
        try await withCluster(instant: true) { c in
            func configMap(_ name: String) async throws {
                _ = try await c.kubectl(["apply", "-f", "-"], stdin: "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"\(name)\"}}")
            }
            try await configMap("before")
            let out = "\(c.directory)/watch.txt"
            let p = try c.startKubectl(["get", "configmaps", "-w", "-o", "name"], output: out)
            defer { p.terminate() }
            func text() -> String { (try? String(contentsOfFile: out, encoding: .utf8)) ?? "" }
            #expect(await SimCluster.eventually { text().contains("configmap/before") })
            try await configMap("during")
            _ = try await c.kubectl(["label", "configmap", "during", "x=y"])
            #expect(await SimCluster.eventually { text().components(separatedBy: "configmap/during").count >= 3 }, "\(text())")
        }
    }
}

@Suite(.serialized) struct KubectlAuthAndApplyTests {
    @Test func clientCertificateKubeconfigAndServerSideApply() async throws {
        guard kubectlAvailable() else { return }
        let c = try await SimCluster.start(instant: true, auth: .clientCertificate)
        do {
            let kc = try String(contentsOfFile: c.kubeconfig, encoding: .utf8)
            #expect(!kc.contains("token:"))
            #expect(kc.contains("client-certificate-data:") && kc.contains("current-context: skein-sim"))
            let manifest = """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: ssa, labels: {a: "1"}}
                data: {first: "1"}
                """
            let first = try await c.kubectl(["apply", "--server-side", "-f", "-"], stdin: manifest)
            #expect(first.stdout.contains("configmap/ssa serverside-applied"), "\(first.stderr)")
            let second = try await c.kubectl(["apply", "--server-side", "-f", "-"],
                                             stdin: manifest.replacingOccurrences(of: "first: \"1\"", with: "first: \"2\", second: \"3\""))
            #expect(second.status == 0, "\(second.stderr)")
            let cm = try json(try await c.kubectl(["get", "cm", "ssa", "-o", "json", "--show-managed-fields"]).stdout)
            #expect(cm["data"]?.compactJSON == #"{"first":"2","second":"3"}"#)
            #expect(cm["metadata"]?["managedFields"]?[0]?["manager"] == "kubectl", "\(cm)")
            // A second field manager with another value for the same field: kubectl reports the conflict.
            let other = manifest.replacingOccurrences(of: "first: \"1\"", with: "first: \"other\"")
            let conflict = try await c.kubectl(["apply", "--server-side", "--field-manager", "other", "-f", "-"], stdin: other)
            #expect(conflict.status != 0)
            #expect(conflict.stderr.contains("conflict") && conflict.stderr.contains(".data.first"), "\(conflict.stderr)")
            let forced = try await c.kubectl(["apply", "--server-side", "--field-manager", "other", "--force-conflicts", "-f", "-"], stdin: other)
            #expect(forced.status == 0, "\(forced.stderr)")
            let after = try json(try await c.kubectl(["get", "cm", "ssa", "-o", "json"]).stdout)
            #expect(after["data"]?["first"] == "other")
            let lease = try await c.kubectl(["apply", "-f", "-"], stdin: """
                {"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l1"},"spec":{"holderIdentity":"me"}}
                """)
            #expect(lease.stdout.contains("lease.coordination.k8s.io/l1 created"), "\(lease.stderr)")
        } catch {
            await c.stop()
            throw error
        }
        await c.stop()
    }

    @Test func skeinSimCommandWritesKubeconfigAndStopsOnSIGTERM() async throws {
        guard kubectlAvailable() else { return }
        let binary = try Binaries.path("skein-sim")
        let dir = try TemporaryDirectory.make(prefix: "skein-sim-cmd")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outFile = "\(dir)/out"
        let p = try ChildProcess(binary, ["--kubeconfig", "\(dir)/kc", "--instant"], stdout: .file(outFile))
        // Its first line, once written.
        #expect(await SimCluster.eventually(timeout: 30) {
            ((try? String(contentsOfFile: outFile, encoding: .utf8)) ?? "").contains("\n")
        })
        let line = String(((try? String(contentsOfFile: outFile, encoding: .utf8)) ?? "").split(separator: "\n").first ?? "")
        #expect(line.hasPrefix("ready https://127.0.0.1:"), "\(line)")
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = dir
        let environment = env
        let kubectl = try #require(SimCluster.kubectlPath)
        let r = try await SimCluster.offPool {
            try Command.run(kubectl, ["--kubeconfig", "\(dir)/kc", "get", "ns", "-o", "name"], environment: environment)
        }
        #expect(r.stdout.contains("namespace/default"), "\(r.stderr)")
        p.terminate()
        let exited = await SimCluster.eventually(timeout: 10) { !p.isRunning }
        #expect(exited)
        #expect(p.terminationStatus == 0)
    }
}
