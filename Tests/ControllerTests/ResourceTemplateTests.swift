import Controller
import Foundation
import KubeAPI
import KubeClient
import KubeSim
import SkeinJSON
import SkeinTestSupport
import Testing
import WorkflowModel

@Suite struct ResourceConditionTests {
    let job: JSONValue = ["metadata": ["name": "j"], "status": ["succeeded": 2, "phase": "Running",
                                                               "conditions": [["type": "Complete", "status": "True"]]]]

    @Test func requirementsCompareNumbersAndTextAndAllMustHold() throws {
        #expect(try ResourceCondition(parsing: "status.succeeded > 0").holds(for: job))
        #expect(try !ResourceCondition(parsing: "status.succeeded > 2").holds(for: job))
        #expect(try ResourceCondition(parsing: "status.succeeded >= 2, status.phase == Running").holds(for: job))
        #expect(try !ResourceCondition(parsing: "status.succeeded >= 2, status.phase != Running").holds(for: job))
        #expect(try ResourceCondition(parsing: "status.phase = Running").holds(for: job))
        #expect(try ResourceCondition(parsing: "status.phase in (Pending, Running)").holds(for: job))
        #expect(try ResourceCondition(parsing: "status.phase notin (Failed, Error)").holds(for: job))
        #expect(try ResourceCondition(parsing: "status.conditions[0].type == Complete").holds(for: job))
        // An absent field satisfies no comparison.
        #expect(try !ResourceCondition(parsing: "status.failed > 0").holds(for: job))
    }

    @Test func unreadableConditionsSayHowToWriteThem() {
        #expect(throws: ResourceCondition.ParseError.self) { try ResourceCondition(parsing: "status.phase") }
        #expect(throws: ResourceCondition.ParseError.self) { try ResourceCondition(parsing: "status.phase in Failed") }
        #expect(throws: ResourceCondition.ParseError.self) { try ResourceCondition(parsing: " , ") }
    }

    @Test func manifestFromIsNamedAsUnsupported() throws {
        let h = try EngineHarness(yaml: """
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata: {name: wf}
            spec:
              entrypoint: main
              templates:
              - name: main
                resource: {action: create, manifestFrom: {artifact: {name: m}}}
            """)
        #expect(h.run() == .error)
        #expect(h.node("wf")?.message == "resource.manifestFrom is not supported yet: give the object in resource.manifest", "\(h)")
    }

    @Test func jsonPathOutputs() {
        #expect(ResourceCondition.jsonPath("{.metadata.name}", in: job) == "j")
        #expect(ResourceCondition.jsonPath(".status.succeeded", in: job) == "2")
        #expect(ResourceCondition.jsonPath("{.status.conditions[0]}", in: job) == #"{"status":"True","type":"Complete"}"#)
        #expect(ResourceCondition.jsonPath("{.status.missing}", in: job) == nil)
    }
}

@Suite(.serialized) struct ResourceTemplateTests {
    /// create (owned by the workflow, output from jsonPath) → the output used by the next step;
    /// create of a pod and its success condition; delete.
    @Test func resourceTemplatesCreateWaitForConditionsAndDelete() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: #"""
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: res-}
            spec:
              entrypoint: main
              templates:
                - name: main
                  steps:
                    - - {name: make, template: make-config}
                    - - name: run-pod
                        template: pod
                        arguments: {parameters: [{name: cm, value: "{{steps.make.outputs.parameters.cm}}"}]}
                    - - {name: remove, template: remove}
                - name: make-config
                  resource:
                    action: create
                    setOwnerReference: true
                    manifest: |
                      apiVersion: v1
                      kind: ConfigMap
                      metadata: {generateName: made-by-skein-}
                      data: {greeting: hello}
                  outputs:
                    parameters:
                      - {name: cm, valueFrom: {jsonPath: "{.metadata.name}"}}
                      - {name: data, valueFrom: {jqFilter: ".data"}}
                      - {name: greeting, valueFrom: {jqFilter: ".data.greeting"}}
                - name: pod
                  inputs: {parameters: [{name: cm}]}
                  resource:
                    action: create
                    successCondition: status.phase == Succeeded
                    failureCondition: status.phase in (Failed, Unknown)
                    manifest: |
                      apiVersion: v1
                      kind: Pod
                      metadata: {name: "child-of-{{workflow.name}}", labels: {cm: "{{inputs.parameters.cm}}"}}
                      spec:
                        restartPolicy: Never
                        containers: [{name: c, image: alpine, command: [sh, -c, "sleep 0.3"]}]
                  outputs:
                    parameters: [{name: phase, valueFrom: {jsonPath: "{.status.phase}"}}]
                - name: remove
                  resource:
                    action: delete
                    manifest: |
                      apiVersion: v1
                      kind: Pod
                      metadata: {name: "child-of-{{workflow.name}}"}
            """#)
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded", "\(wf["status"]?["message"]?.stringValue ?? "")")
        let nodes = wf["status"]?["nodes"]?.objectValue.map { Array($0.values) } ?? []
        let make = try #require(nodes.first { $0["displayName"] == "make" })
        let cmName = try #require(make["outputs"]?["parameters"]?[0]?["value"]?.stringValue)
        #expect(make["outputs"]?["parameters"]?[1]?["value"] == #"{"greeting":"hello"}"#)
        #expect(make["outputs"]?["parameters"]?[2]?["value"] == "hello")
        #expect(cmName.hasPrefix("made-by-skein-"))
        let cm = try await h.client.get(.configMaps, cmName, namespace: "default")
        #expect(cm["data"]?["greeting"] == "hello")
        #expect(cm["metadata"]?["ownerReferences"]?[0]?["uid"] == wf["metadata"]?["uid"])
        let runPod = try #require(nodes.first { $0["displayName"] == "run-pod" })
        #expect(runPod["outputs"]?["parameters"]?[0]?["value"] == "Succeeded")
        await #expect(throws: KubeError.self) { _ = try await h.client.get(.pods, "child-of-\(name)", namespace: "default") }
    }

    /// A controller restarted while a resource step waits for its condition carries on: the
    /// object it created is found again (not made twice), and the wait goes on to success.
    @Test func aRestartWhileAResourceStepWaitsCarriesOn() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: #"""
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: res-restart-}
            spec:
              entrypoint: child
              templates:
                - name: child
                  resource:
                    action: create
                    successCondition: status.phase == Succeeded
                    manifest: |
                      apiVersion: v1
                      kind: Pod
                      metadata: {generateName: "child-", labels: {made-for: "{{workflow.name}}"}}
                      spec:
                        restartPolicy: Never
                        containers: [{name: c, image: alpine, command: [sh, -c, "sleep 3"]}]
                  outputs:
                    parameters: [{name: pod, valueFrom: {jsonPath: "{.metadata.name}"}}]
            """#)
        func children() async throws -> [JSONValue] {
            try await h.client.list(.pods, namespace: "default", options: ListOptions(labelSelector: "made-for=\(name)")).items
        }
        #expect(try await h.eventually { try await children().count == 1 })
        await h.stopController()
        h.startController()
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded", "\(wf["status"]?["message"]?.stringValue ?? "")")
        let made = try await children()
        #expect(made.count == 1, "the restarted controller created the pod again")
        let node = try #require(wf["status"]?["nodes"]?[name])
        #expect(node["outputs"]?["parameters"]?[0]?["value"]?.stringValue == made.first?.name)
    }

    @Test func aMetFailureConditionFailsTheStepAndBadManifestsAreErrors() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: #"""
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: resfail-}
            spec:
              entrypoint: main
              templates:
                - name: main
                  steps:
                    - - {name: failing, template: failing, continueOn: {failed: true}}
                      - {name: unknown-kind, template: unknown-kind, continueOn: {error: true}}
                - name: failing
                  resource:
                    action: create
                    successCondition: status.phase == Succeeded
                    failureCondition: status.phase == Failed
                    manifest: |
                      apiVersion: v1
                      kind: Pod
                      metadata: {generateName: fails-}
                      spec:
                        restartPolicy: Never
                        containers: [{name: c, image: alpine, command: ["false"]}]
                - name: unknown-kind
                  resource:
                    action: create
                    manifest: |
                      apiVersion: example.com/v1
                      kind: Gadget
                      metadata: {name: g}
            """#)
        let wf = try await h.waitForCompletion(name)
        let nodes = wf["status"]?["nodes"]?.objectValue.map { Array($0.values) } ?? []
        let failing = try #require(nodes.first { $0["displayName"] == "failing" })
        #expect(failing["phase"] == "Failed")
        #expect(failing["message"]?.stringValue?.contains("failure condition 'status.phase == Failed' is met") == true)
        let unknown = try #require(nodes.first { $0["displayName"] == "unknown-kind" })
        #expect(unknown["phase"] == "Error")
        #expect(unknown["message"]?.stringValue?.contains("Gadget") == true, "\(unknown["message"] ?? .null)")
    }
}

/// A workflow's resource steps act in its own namespace only (issue 18: a workflow read
/// another namespace's ConfigMap and created a pod there).
@Suite(.serialized) struct ResourceNamespaceTests {
    static let reachingOut = #"""
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {generateName: reach-}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
                - - {name: read-other, template: read-other, continueOn: {error: true}}
                  - {name: create-other, template: create-other, continueOn: {error: true}}
                  - {name: make-namespace, template: make-namespace, continueOn: {error: true}}
                  - {name: own, template: own}
            - name: read-other
              resource:
                action: get
                manifest: |
                  apiVersion: v1
                  kind: ConfigMap
                  metadata: {name: private, namespace: team-b}
              outputs:
                parameters: [{name: secret, valueFrom: {jsonPath: "{.data.password}"}}]
            - name: create-other
              resource:
                action: create
                manifest: |
                  apiVersion: v1
                  kind: ConfigMap
                  metadata: {name: planted, namespace: team-b}
                  data: {a: b}
            - name: make-namespace
              resource:
                action: create
                manifest: |
                  apiVersion: v1
                  kind: Namespace
                  metadata: {name: made-by-a-workflow}
            - name: own
              resource:
                action: create
                manifest: |
                  apiVersion: v1
                  kind: ConfigMap
                  metadata: {name: "own-{{workflow.name}}", namespace: team-a}
                  data: {a: b}
        """#

    @Test func otherNamespacesAndClusterScopedObjectsAreRefused() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        for ns in ["team-a", "team-b"] {
            _ = try await h.client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])
        }
        _ = try await h.client.create(.configMaps, ["apiVersion": "v1", "kind": "ConfigMap",
                                                    "metadata": ["name": "private"], "data": ["password": "hunter2"]],
                                      namespace: "team-b")
        let name = try await h.submit(yaml: Self.reachingOut, namespace: "team-a")
        let wf = try await h.waitForCompletion(name, namespace: "team-a")
        #expect(phase(wf) == "Succeeded", "\(wf["status"]?["message"] ?? .null)")
        let nodes = wf["status"]?["nodes"]?.objectValue.map { Array($0.values) } ?? []
        func node(_ n: String) -> JSONValue? { nodes.first { $0["displayName"]?.stringValue == n } }
        for step in ["read-other", "create-other"] {
            #expect(node(step)?["phase"] == "Error")
            let message = node(step)?["message"]?.stringValue ?? ""
            #expect(message.contains("names namespace 'team-b'") && message.contains("'team-a'"), "\(step): \(message)")
        }
        #expect(node("read-other")?["outputs"] == nil, "nothing was read from team-b")
        #expect(!(wf.compactJSON.contains("hunter2")))
        #expect(node("make-namespace")?["phase"] == "Error")
        #expect(node("make-namespace")?["message"]?.stringValue?.contains("cluster-scoped") == true)
        #expect(node("own")?["phase"] == "Succeeded", "its own namespace, named explicitly, is fine")
        _ = try await h.client.get(.configMaps, "own-\(name)", namespace: "team-a")
        await #expect(throws: KubeError.self) { _ = try await h.client.get(.configMaps, "planted", namespace: "team-b") }
        await #expect(throws: KubeError.self) { _ = try await h.client.get(.namespaces, "made-by-a-workflow") }
    }

    @Test func clusterScopedObjectsWhenTheControllerAllowsThem() async throws {
        let h = try await ControllerHarness.start { $0.clusterScopedResources = true }
        defer { Task { await h.stop() } }
        let name = try await h.submit(yaml: #"""
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: ns-maker-}
            spec:
              entrypoint: make
              templates:
                - name: make
                  resource:
                    action: create
                    manifest: |
                      apiVersion: v1
                      kind: Namespace
                      metadata: {name: "ns-{{workflow.name}}"}
            """#)
        let wf = try await h.waitForCompletion(name)
        #expect(phase(wf) == "Succeeded", "\(wf["status"]?["message"] ?? .null)")
        _ = try await h.client.get(.namespaces, "ns-\(name)")
    }
}

/// Artifact keys begin with the namespace (issue 18: same-named workflows of two namespaces
/// overwrote each other's artifacts).
@Suite(.serialized) struct ArtifactNamespaceTests {
    static func workflow(pause: String) -> String {
        """
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {name: same}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
                - - {name: produce, template: produce}
                - - {name: pause, template: pause}
                - - name: consume
                    template: consume
                    arguments: {artifacts: [{name: data, from: "{{steps.produce.outputs.artifacts.data}}"}]}
            - name: produce
              container: {image: alpine, command: [sh, -c, "echo {{workflow.namespace}} > /tmp/data.txt"]}
              outputs: {artifacts: [{name: data, path: /tmp/data.txt}]}
            - name: pause
              suspend: {duration: "\(pause)"}
            - name: consume
              inputs: {artifacts: [{name: data, path: /tmp/in.txt}]}
              container: {image: alpine, command: [cat, /tmp/in.txt]}
        """
    }

    @Test func sameNamedWorkflowsInTwoNamespacesKeepTheirOwnArtifacts() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        for ns in ["team-a", "team-b"] {
            _ = try await h.client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])
        }
        // team-a's consumer reads its artifact only after team-b's producer has written its own.
        _ = try await h.submit(yaml: Self.workflow(pause: "4s"), namespace: "team-a")
        #expect(try await h.eventually {
            let wf = try await h.workflow("same", namespace: "team-a")
            return wf["status"]?["nodes"]?.objectValue?.values.contains { $0["displayName"] == "pause" } == true
        })
        _ = try await h.submit(yaml: Self.workflow(pause: "0s"), namespace: "team-b")
        for ns in ["team-a", "team-b"] {
            let wf = try await h.waitForCompletion("same", namespace: ns)
            #expect(phase(wf) == "Succeeded", "\(ns): \(wf["status"]?["message"] ?? .null)")
            let consume = wf["status"]?["nodes"]?.objectValue?.values.first { $0["displayName"] == "consume" }
            let pod = try #require(try await h.client.list(.pods, namespace: ns).items.first {
                $0.annotations[h.settings.nodeIDAnnotation] == consume?["id"]?.stringValue
            })
            let log = try await h.client.logs(pod: pod.name ?? "", namespace: ns, options: LogOptions(container: "main"))
            #expect(log.trimmingCharacters(in: .whitespacesAndNewlines) == ns, "\(ns) read '\(log)'")
            let stored = try FileManager.default.subpathsOfDirectory(atPath: h.artifactDirectory + "/" + ns)
            #expect(stored.contains { $0.hasPrefix("same/") && $0.hasSuffix("data.tgz") }, "\(stored)")
        }
    }
}

/// Resource steps act as the workflow's service account (impersonated), as Argo's resource
/// pods do, so Kubernetes RBAC decides what a workflow may touch, not the controller's role.
@Suite(.serialized) struct ResourceIdentityTests {
    @Test func resourceStepsActAsTheWorkflowsServiceAccountAndItsRBACDecides() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let sim = h.cluster.sim
        sim.impersonations.deny("system:serviceaccount:default:restricted", verb: "create", resource: "configmaps")
        func workflow(_ sa: String?, template sa2: String? = nil) -> String {
            """
            apiVersion: skein.dev/v1alpha1
            kind: Workflow
            metadata: {generateName: as-sa-}
            spec:
              entrypoint: make
              \(sa.map { "serviceAccountName: \($0)" } ?? "")
              templates:
                - name: make
                  \(sa2.map { "serviceAccountName: \($0)" } ?? "")
                  resource:
                    action: create
                    manifest: |
                      apiVersion: v1
                      kind: ConfigMap
                      metadata: {generateName: made-as-}
                      data: {a: b}
            """
        }
        for (sa, templateSA, user) in [(nil, nil, "default"), ("builder", nil, "builder"), ("builder", "deployer", "deployer")] {
            let before = sim.impersonations.entries.count
            let wf = try await h.waitForCompletion(try await h.submit(yaml: workflow(sa, template: templateSA)))
            #expect(phase(wf) == "Succeeded", "\(user): \(wf["status"]?["message"] ?? .null)")
            let creates = sim.impersonations.entries.dropFirst(before).filter { $0.verb == "create" && $0.resource == "configmaps" }
            #expect(creates.map(\.user) == ["system:serviceaccount:default:\(user)"], "\(creates)")
            #expect(creates.first?.namespace == "default")
        }
        let denied = try await h.waitForCompletion(try await h.submit(yaml: workflow("restricted")))
        #expect(phase(denied) == "Error")
        let node = denied["status"]?["nodes"]?.objectValue?.values.first { $0["type"] == "Pod" }
        let message = node?["message"]?.stringValue ?? ""
        #expect(message.contains("forbidden") && message.contains("system:serviceaccount:default:restricted"), "\(message)")
    }
}
