import Foundation
import KubeAPI
import KubeSim
import SkeinJSON
import Sandbox
import SkeinTestSupport
import Testing

/// The simulated kubelet: pods run as host processes and report status like a kubelet.
@Suite(.serialized) struct KubeletTests {
    func terminal(_ o: JSONValue?) -> Bool {
        let p = o?["status"]?["phase"]?.stringValue
        return p == "Succeeded" || p == "Failed"
    }

    @Test func initContainersVolumesEnvAndTerminationMessages() async throws {
        try await withCluster { c in
            let sim = c.sim
            try sim.create(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "conf", "namespace": "default"],
                            "data": ["greeting": "hi", "file.txt": "from-configmap"]])
            try sim.create(["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "sec", "namespace": "default"],
                            "stringData": ["token": "s3cret"]])
            try sim.create(try json(#"""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","labels":{"app":"x"}},
             "spec":{"restartPolicy":"Never",
               "volumes":[{"name":"work","emptyDir":{}},{"name":"cfg","configMap":{"name":"conf"}},{"name":"sec","secret":{"secretName":"sec"}}],
               "initContainers":[{"name":"init","image":"busybox","command":["sh","-c","echo init-was-here > /work/marker"],
                                  "volumeMounts":[{"name":"work","mountPath":"/work"}]}],
               "containers":[{"name":"main","image":"alpine","workingDir":"/work",
                 "command":["sh","-c","cat marker; cat /tmp/cfg/file.txt; echo; cat /tmp/sec/token; echo; echo $GREETING $TOKEN $POD $APP $(GREETING); pwd; echo done > /dev/termination-log; exit 3"],
                 "env":[{"name":"GREETING","valueFrom":{"configMapKeyRef":{"name":"conf","key":"greeting"}}},
                        {"name":"TOKEN","valueFrom":{"secretKeyRef":{"name":"sec","key":"token"}}},
                        {"name":"POD","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},
                        {"name":"APP","valueFrom":{"fieldRef":{"fieldPath":"metadata.labels['app']"}}}],
                 "volumeMounts":[{"name":"work","mountPath":"/work"},{"name":"cfg","mountPath":"/tmp/cfg"},{"name":"sec","mountPath":"/tmp/sec"}]}]}}
            """#))
            let (pod, met) = await sim.wait(for: .pods, namespace: "default", name: "p", timeout: 30, terminal)
            #expect(met)
            #expect(pod?["status"]?["phase"] == "Failed")
            #expect(pod?["status"]?["initContainerStatuses"]?[0]?["state"]?["terminated"]?["reason"] == "Completed")
            let main = pod?["status"]?["containerStatuses"]?[0]?["state"]?["terminated"]
            #expect(main?["exitCode"] == 3)
            #expect(main?["reason"] == "Error")
            #expect(main?["message"] == "done\n")
            #expect(main?["startedAt"]?.stringValue != nil && main?["finishedAt"]?.stringValue != nil)
            let conditions = pod?["status"]?["conditions"]?.arrayValue ?? []
            #expect(conditions.contains { $0["type"] == "PodScheduled" && $0["status"] == "True" })
            #expect(conditions.contains { $0["type"] == "Ready" && $0["status"] == "False" })
            let logs = try await c.curl("GET", "/api/v1/namespaces/default/pods/p/log")
            #expect(logs.body == "init-was-here\nfrom-configmap\ns3cret\nhi s3cret p x hi\n/work\n", "\(logs.body)")
            let initLogs = try await c.curl("GET", "/api/v1/namespaces/default/pods/p/log?container=init")
            #expect(initLogs.body == "")
            let stamped = try await c.curl("GET", "/api/v1/namespaces/default/pods/p/log?timestamps=true&tailLines=1")
            #expect(stamped.body.hasSuffix("Z /work\n"), "\(stamped.body)")
            #expect(try await c.curl("GET", "/api/v1/namespaces/default/pods/p/log?container=nope").code == 400)
        }
    }

    /// Skein's binaries in a checkout under /tmp (hidden inside a container by its private
    /// /tmp) still run, and `skein` finds its emissary beside itself.
    @Test func skeinBinariesUnderTmpRunInContainers() async throws {
        guard Sandbox.namespacesAvailable else { return }
        let dir = try TemporaryDirectory.make(prefix: "skein-bin")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(dir.hasPrefix("/tmp/"))
        for name in ["skein", "skein-emissary"] {
            // Written through an O_CLOEXEC descriptor: a process another test forks meanwhile
            // must not inherit it open for writing (exec would then fail with ETXTBSY).
            let data = try Data(contentsOf: URL(fileURLWithPath: try Binaries.path(name)))
            let fd = open("\(dir)/\(name)", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
            #expect(fd >= 0)
            let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            #expect(written == data.count)
        }
        let c = try await SimCluster.start { $0.skeinBinary = "\(dir)/skein" }
        do {
            try c.sim.create(try json(#"""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"sk","namespace":"default"},
             "spec":{"restartPolicy":"Never","containers":[
               {"name":"a","image":"ghcr.io/skein-dev/skein:1","args":["version"]},
               {"name":"b","image":"alpine","command":["skein-emissary","--control","/tmp/ctl","--","echo","via-emissary"]}]}}
            """#))
            let (pod, met) = await c.sim.wait(for: .pods, namespace: "default", name: "sk", timeout: 30, terminal)
            #expect(met)
            #expect(pod?["status"]?["phase"] == "Succeeded", "\(pod?["status"] ?? .null)")
            let a = try await c.curl("GET", "/api/v1/namespaces/default/pods/sk/log?container=a")
            #expect(a.body.hasPrefix("skein "), "\(a.body)")
            let b = try await c.curl("GET", "/api/v1/namespaces/default/pods/sk/log?container=b")
            #expect(b.body == "via-emissary\n", "\(b.body)")
        } catch {
            await c.stop()
            throw error
        }
        await c.stop()
    }

    @Test func restartPolicyAndDeadline() async throws {
        try await withCluster { c in
            let sim = c.sim
            // OnFailure: the container runs again until it succeeds (a counter in an emptyDir).
            try sim.create(try json(#"""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"retry","namespace":"default"},
             "spec":{"restartPolicy":"OnFailure","volumes":[{"name":"v","emptyDir":{}}],
               "containers":[{"name":"c","image":"busybox","command":["sh","-c","echo x >> /tmp/v/n; [ $(wc -l < /tmp/v/n) -ge 2 ]"],
                              "volumeMounts":[{"name":"v","mountPath":"/tmp/v"}]}]}}
            """#))
            let (retry, ok) = await sim.wait(for: .pods, namespace: "default", name: "retry", timeout: 30, terminal)
            #expect(ok)
            #expect(retry?["status"]?["phase"] == "Succeeded")
            #expect(retry?["status"]?["containerStatuses"]?[0]?["restartCount"] == 1)
            #expect(retry?["status"]?["containerStatuses"]?[0]?["lastState"]?["terminated"]?["exitCode"] == 1)

            try sim.create(try json(#"""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"slow","namespace":"default"},
             "spec":{"restartPolicy":"Never","activeDeadlineSeconds":1,
               "containers":[{"name":"c","image":"busybox","command":["sleep","60"]}]}}
            """#))
            let (slow, done) = await sim.wait(for: .pods, namespace: "default", name: "slow", timeout: 30, terminal)
            #expect(done)
            #expect(slow?["status"]?["phase"] == "Failed")
            #expect(slow?["status"]?["reason"] == "DeadlineExceeded")
            #expect(slow?["status"]?["containerStatuses"]?[0]?["state"]?["terminated"]?["exitCode"] == 143)

            // An image with no command and no mapping: the container cannot start.
            try sim.create(try json(#"""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"noimage","namespace":"default"},
             "spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"example.com/unknown:1"}]}}
            """#))
            let (bad, _) = await sim.wait(for: .pods, namespace: "default", name: "noimage", timeout: 30, terminal)
            #expect(bad?["status"]?["phase"] == "Failed")
            #expect(bad?["status"]?["containerStatuses"]?[0]?["state"]?["terminated"]?["reason"] == "StartError")
        }
    }

    /// Past `resources.limits.memory` the container is killed and reported OOMKilled (137);
    /// under it, nothing happens.
    @Test func aContainerOverItsMemoryLimitIsOOMKilled() async throws {
        try await withCluster { c in
            let sim = c.sim
            try sim.create(try json(#"""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"hungry","namespace":"default"},
             "spec":{"restartPolicy":"Never",
               "containers":[{"name":"c","image":"python:3.12","resources":{"limits":{"memory":"64Mi"}},
                              "command":["python3","-c","import time; x = b'x' * (300 << 20); time.sleep(30); print('survived')"]}]}}
            """#))
            try sim.create(try json(#"""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"modest","namespace":"default"},
             "spec":{"restartPolicy":"Never",
               "containers":[{"name":"c","image":"busybox","resources":{"limits":{"memory":"64Mi"}},"command":["sleep","0.5"]}]}}
            """#))
            let (hungry, done) = await sim.wait(for: .pods, namespace: "default", name: "hungry", timeout: 30, terminal)
            #expect(done)
            #expect(hungry?["status"]?["phase"] == "Failed")
            let terminated = hungry?["status"]?["containerStatuses"]?[0]?["state"]?["terminated"]
            #expect(terminated?["reason"] == "OOMKilled", "\(terminated ?? .null)")
            #expect(terminated?["exitCode"] == 137)
            let (modest, _) = await sim.wait(for: .pods, namespace: "default", name: "modest", timeout: 30, terminal)
            #expect(modest?["status"]?["phase"] == "Succeeded")
            #expect(modest?["status"]?["containerStatuses"]?[0]?["state"]?["terminated"]?["reason"] == "Completed")
        }
    }

    @Test func deletionKillsAfterTheGracePeriodAndHostPathIsShared() async throws {
        try await withCluster { c in
            let host = "\(c.directory)/host-dir"
            try c.sim.create(try json(#"""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"stubborn","namespace":"default"},
             "spec":{"restartPolicy":"Never","terminationGracePeriodSeconds":1,
               "volumes":[{"name":"h","hostPath":{"path":"\#(host)","type":"DirectoryOrCreate"}}],
               "containers":[{"name":"c","image":"busybox","command":["sh","-c","trap '' TERM; echo hi > /tmp/h/out; while true; do sleep 0.1; done"],
                              "volumeMounts":[{"name":"h","mountPath":"/tmp/h"}]}]}}
            """#))
            let running = await c.sim.wait(for: .pods, namespace: "default", name: "stubborn", timeout: 30) {
                $0?["status"]?["phase"] == "Running"
            }
            #expect(running.met)
            #expect(await SimCluster.eventually { (try? String(contentsOfFile: "\(host)/out", encoding: .utf8)) == "hi\n" })
            let start = Date()
            let del = try await c.curl("DELETE", "/api/v1/namespaces/default/pods/stubborn")
            #expect(del.code == 200)
            // The pod ignores SIGTERM: it stays (terminating) until SIGKILL after its 1 s grace period.
            #expect(try json(del.body)["metadata"]?["deletionTimestamp"] != nil)
            #expect(c.sim.get(.pods, namespace: "default", name: "stubborn") != nil)
            let gone = await c.sim.wait(for: .pods, namespace: "default", name: "stubborn", timeout: 60) { $0 == nil }
            #expect(gone.met)
            #expect(Date().timeIntervalSince(start) >= 1)
        }
    }

    @Test func instantModeCompletesPodsAtOnce() async throws {
        try await withCluster(instant: true) { c in
            try c.sim.create(["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "i", "namespace": "default"],
                              "spec": ["containers": [["name": "c", "image": "never-pulled", "command": ["false"]]]]])
            let (pod, met) = await c.sim.wait(for: .pods, namespace: "default", name: "i", timeout: 10) {
                $0?["status"]?["phase"] == "Succeeded"
            }
            #expect(met)
            #expect(pod?["spec"]?["nodeName"] == "skein-sim-node")
            #expect(pod?["status"]?["containerStatuses"]?[0]?["state"]?["terminated"]?["exitCode"] == 0)
        }
    }
}
