import Controller
import SkeinJSON
import SkeinTestSupport
import Testing
import WorkflowEngine
import WorkflowModel

/// Launches the engine asks for, for a workflow (every step succeeds).
func launches(_ yaml: String) throws -> (Workflow, [StepLaunch]) {
    let h = try EngineHarness(yaml: yaml)
    _ = h.run { _ in .succeed(result: "r", parameters: ["p": "v"]) }
    return (h.execution.workflow, h.launches.map(\.launch))
}

let builder = PodBuilder(settings: .init(executorImage: "skein:test", executorImagePullPolicy: "IfNotPresent"))

@Suite struct PodBuilderTests {
    @Test func aStepThatNeedsNoExecutorIsThePlainContainer() throws {
        let (wf, l) = try launches("""
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {name: plain, namespace: team, uid: u-1}
        spec:
          entrypoint: main
          serviceAccountName: runner
          nodeSelector: {disk: ssd}
          podMetadata: {labels: {team: a}, annotations: {note: x}}
          templates:
          - name: main
            metadata: {labels: {tier: batch}}
            activeDeadlineSeconds: 30
            container:
              image: alpine:3.20
              command: [sh, -c]
              args: ["echo hi"]
              env: [{name: A, value: "1"}]
              resources: {limits: {memory: 64Mi}}
        """)
        let launch = try #require(l.first)
        #expect(PodBuilder.isMinimal(launch))
        let pod = try builder.pod(for: launch, workflow: wf)
        let spec = try #require(pod["spec"])
        #expect(spec["initContainers"] == nil)
        let containers = try #require(spec["containers"]?.arrayValue)
        #expect(containers.count == 1)
        // The user's container exactly as written, named main.
        #expect(containers[0] == [
            "name": "main", "image": "alpine:3.20", "command": ["sh", "-c"], "args": ["echo hi"],
            "env": [["name": "A", "value": "1"]], "resources": ["limits": ["memory": "64Mi"]],
        ])
        #expect(spec["restartPolicy"] == "Never")
        #expect(spec["serviceAccountName"] == "runner")
        #expect(spec["nodeSelector"] == ["disk": "ssd"])
        #expect(spec["activeDeadlineSeconds"] == 30)
        let meta = try #require(pod["metadata"])
        #expect(meta["name"] == .string(launch.podName))
        #expect(meta["namespace"] == "team")
        #expect(meta["labels"] == ["team": "a", "tier": "batch", "workflows.skein.dev/workflow": "plain",
                                   "workflows.skein.dev/completed": "false"])
        #expect(meta["annotations"]?["note"] == "x")
        #expect(meta["annotations"]?["workflows.skein.dev/node-id"] == .string(launch.nodeID))
        let owner = try #require(meta["ownerReferences"]?[0])
        #expect(owner["kind"] == "Workflow")
        #expect(owner["uid"] == "u-1")
        #expect(owner["controller"] == true)
        #expect(owner["apiVersion"] == "skein.dev/v1alpha1")
        // The replica that made it, when the builder is told (the controller always is).
        #expect(meta["annotations"]?["workflows.skein.dev/controller"] == nil)
        var named = PodBuilder.Settings(executorImage: "skein:test")
        named.identity = "skein-controller-7d9f-x2"
        let made = try PodBuilder(settings: named).pod(for: launch, workflow: wf)
        #expect(made["metadata"]?["annotations"]?["workflows.skein.dev/controller"] == "skein-controller-7d9f-x2")
    }

    /// A step that names ARGO_PROGRESS_FILE needs the wait container that reports it.
    @Test func aStepThatReportsProgressGetsTheWaitContainer() throws {
        let (wf, l) = try launches("""
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {name: progress, namespace: team, uid: u-1}
        spec:
          entrypoint: main
          templates:
          - name: main
            container: {image: alpine, command: [sh, -c], args: ["echo 1/2 > $ARGO_PROGRESS_FILE"]}
        """)
        let launch = try #require(l.first)
        #expect(!PodBuilder.isMinimal(launch))
        let pod = try builder.pod(for: launch, workflow: wf)
        let names = pod["spec"]?["containers"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["main", "wait"])
    }

    @Test func outputsAndArtifactsGoThroughInitEmissaryAndWait() throws {
        let (wf, l) = try launches("""
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {name: full, namespace: default, uid: u-2}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: make, template: make}
            - - {name: use, template: use}
          - name: make
            container:
              image: alpine
              command: [sh, -c]
              args: ["echo x > /tmp/data; echo v > /tmp/p"]
            outputs:
              parameters: [{name: p, valueFrom: {path: /tmp/p}}]
              artifacts: [{name: data, path: /tmp/data}]
          - name: use
            inputs: {artifacts: [{name: data, path: /in/data, raw: {data: hello}}]}
            container: {image: alpine, command: [cat, /in/data], volumeMounts: [{name: scratch, mountPath: /s}]}
            volumes: [{name: scratch, emptyDir: {}}]
        """)
        #expect(l.count == 2)
        let make = try builder.pod(for: l[0], workflow: wf)
        let containers = try #require(make["spec"]?["containers"]?.arrayValue)
        #expect(containers.compactMap { $0["name"]?.stringValue } == ["main", "wait"])
        #expect(make["spec"]?["initContainers"]?[0]?["name"] == "init")
        #expect(make["spec"]?["initContainers"]?[0]?["image"] == "skein:test")
        #expect(make["spec"]?["initContainers"]?[0]?["imagePullPolicy"] == "IfNotPresent")
        // Skein's own containers run non-root, without privileges; the user's container as written.
        let locked: JSONValue = ["runAsNonRoot": true, "allowPrivilegeEscalation": false, "capabilities": ["drop": ["ALL"]]]
        #expect(make["spec"]?["initContainers"]?[0]?["securityContext"] == locked)
        #expect(containers.first { $0["name"] == "wait" }?["securityContext"] == locked)
        #expect(containers.first { $0["name"] == "main" }?["securityContext"] == nil)
        #expect(containers[0]["command"] == [
            "/var/run/skein/bin/skein-emissary", "--control", "/var/run/skein/control",
            "--output", "/tmp/p", "--output", "/tmp/data", "--", "sh", "-c", "echo x > /tmp/data; echo v > /tmp/p",
        ])
        #expect(containers[0]["args"] == nil)
        #expect(containers[0]["volumeMounts"] == [["name": "skein-var", "mountPath": "/var/run/skein"]])
        let step = try #require(containers[1]["env"]?[0]?["value"]?.stringValue)
        let doc = try JSONValue.parseJSON(step)
        #expect(doc["outputParameters"]?[0]?["path"] == "/tmp/p")
        #expect(doc["outputArtifacts"]?[0]?["name"] == "data")
        #expect(make["spec"]?["volumes"] == [["name": "skein-var", "emptyDir": [:]]])

        let use = try builder.pod(for: l[1], workflow: wf)
        let main = try #require(use["spec"]?["containers"]?[0])
        #expect(main["volumeMounts"] == [
            ["name": "scratch", "mountPath": "/s"],
            ["name": "skein-var", "mountPath": "/var/run/skein"],
            ["name": "skein-var", "mountPath": "/in/data", "subPath": "inputs/data"],
        ])
        #expect(use["spec"]?["volumes"] == [["name": "scratch", "emptyDir": [:]], ["name": "skein-var", "emptyDir": [:]]])
        let useDoc = try JSONValue.parseJSON(try #require(main["command"].flatMap { _ in
            use["spec"]?["initContainers"]?[0]?["env"]?[0]?["value"]?.stringValue }))
        #expect(useDoc["inputArtifacts"]?[0]?["path"] == "/in/data")
        #expect(useDoc["inputArtifacts"]?[0]?["raw"] == "hello")
    }

    @Test func scriptsRunTheirSourceFileThroughTheInterpreter() throws {
        let (wf, l) = try launches("""
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {name: s, uid: u}
        spec:
          entrypoint: main
          templates:
          - name: main
            script:
              image: python:3.12
              command: [python]
              source: |
                print("hi")
        """)
        let launch = try #require(l.first)
        #expect(!PodBuilder.isMinimal(launch))
        let pod = try builder.pod(for: launch, workflow: wf)
        let main = try #require(pod["spec"]?["containers"]?[0])
        #expect(main["source"] == nil)
        #expect(main["command"]?.arrayValue?.suffix(3) == ["--", "python", "/var/run/skein/script"])
        let doc = try JSONValue.parseJSON(try #require(main["image"].flatMap { _ in
            pod["spec"]?["initContainers"]?[0]?["env"]?[0]?["value"]?.stringValue }))
        #expect(doc["script"] == "print(\"hi\")")
        #expect(pod["metadata"]?["namespace"] == "default")
    }

    @Test func aContainerWithoutCommandNeedsOneWhenTheExecutorIsUsed() throws {
        let (wf, l) = try launches("""
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {name: nc, uid: u}
        spec:
          entrypoint: main
          templates:
          - name: main
            container: {image: mycorp/tool:1.0}
            outputs: {parameters: [{name: p, valueFrom: {path: /tmp/p}}]}
        """)
        let launch = try #require(l.first)
        #expect(throws: PodBuilder.BuildError.commandRequired(template: "main")) {
            try builder.pod(for: launch, workflow: wf)
        }
        #expect(PodBuilder.BuildError.commandRequired(template: "main").description.contains("add `command:`"))
        #expect(PodBuilder.BuildError.commandRequired(template: "main").description.contains("`images` in the controller's ConfigMap"))
    }

    /// Without a `command`, the emissary runs what the image would: Kubernetes' rule (`args`
    /// replace the image's cmd, not its entrypoint) over the built-in table and the ConfigMap's.
    @Test(arguments: [
        ("argoproj/argosay:v2", "[echo, hi]", [:], ["/argosay", "echo", "hi"]),
        ("docker.io/argoproj/argosay:v2", "null", [:], ["/argosay"]),
        ("alpine:3.20", "[-c, 'echo hi']", [:], ["-c", "echo hi"]),
        ("alpine:3.20", "null", [:], ["/bin/sh"]),
        ("mycorp/tool:1.0", "[run]", ["mycorp/tool": ImageCommand(entrypoint: ["/tool"], cmd: ["--help"])], ["/tool", "run"]),
        ("mycorp/tool:1.0", "null", ["mycorp/tool:1.0": ImageCommand(entrypoint: ["/tool"], cmd: ["--help"])], ["/tool", "--help"]),
        ("registry:5000/team/img", "null", ["registry:5000/team/img": ImageCommand(cmd: ["go"])], ["go"]),
    ] as [(String, String, [String: ImageCommand], [String])])
    func theImagesEntrypointComesFromTheTable(_ image: String, _ args: String, _ extra: [String: ImageCommand], _ expected: [String]) throws {
        let (wf, l) = try launches("""
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {name: nc, uid: u}
        spec:
          entrypoint: main
          templates:
          - name: main
            container: {image: "\(image)", args: \(args)}
            outputs: {parameters: [{name: p, valueFrom: {path: /tmp/p}}]}
        """)
        var settings = PodBuilder.Settings(executorImage: "skein:test")
        settings.images.merge(extra) { _, mine in mine }
        let pod = try PodBuilder(settings: settings).pod(for: try #require(l.first), workflow: wf)
        let main = try #require(pod["spec"]?["containers"]?.arrayValue?.first { $0["name"] == "main" })
        let command = main["command"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let program = Array(command.drop { $0 != "--" }.dropFirst())
        #expect(program == expected, "\(command)")
        #expect(main["args"] == nil)
    }

    @Test func podSpecPatchesMergeIntoThePodWorkflowsFirstThenTheTemplates() throws {
        let (wf, l) = try launches("""
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {name: patched, namespace: team, uid: u-1}
        spec:
          entrypoint: main
          podSpecPatch: '{"priority": 5, "containers": [{"name": "main", "resources": {"limits": {"cpu": "1"}}}]}'
          templates:
          - name: main
            inputs: {parameters: [{name: mem, value: 128Mi}]}
            podSpecPatch: |
              containers:
                - name: main
                  resources: {limits: {memory: "{{inputs.parameters.mem}}"}}
                  env: [{name: FROM_PATCH, value: "yes"}]
              terminationGracePeriodSeconds: 3
            container: {image: alpine, command: [echo], env: [{name: A, value: "1"}]}
        """)
        let pod = try builder.pod(for: try #require(l.first), workflow: wf)
        let spec = try #require(pod["spec"])
        #expect(spec["priority"] == 5)
        #expect(spec["terminationGracePeriodSeconds"] == 3)
        let main = try #require(spec["containers"]?[0])
        #expect(main["name"] == "main")
        #expect(main["image"] == "alpine")
        #expect(main["resources"] == ["limits": ["cpu": "1", "memory": "128Mi"]])
        // env merges by name: the container's own variable stays.
        #expect(main["env"] == [["name": "A", "value": "1"], ["name": "FROM_PATCH", "value": "yes"]])
    }

    @Test func aPodSpecPatchThatIsNotAMapIsAClearError() throws {
        let (wf, l) = try launches("""
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {name: bad, namespace: team, uid: u-1}
        spec:
          entrypoint: main
          templates:
          - name: main
            podSpecPatch: "[1, 2]"
            container: {image: alpine, command: [echo]}
        """)
        #expect {
            _ = try builder.pod(for: try #require(l.first), workflow: wf)
        } throws: { e in
            "\(e)".contains("template main: podSpecPatch: not a map")
        }
    }

    @Test func thePodSchemaCheckCatchesWhatKubernetesRejects() {
        let bad: JSONValue = [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "x", "labels": ["n": 1]],
            "spec": ["containers": [["name": "main", "imag": "alpine", "volumeMounts": [["name": "v", "mountPath": "/v"]]]],
                     "volumes": [["name": "w", "emptyDir": [:], "hostPath": ["path": "/"]]]],
        ]
        let problems = PodSchema.problems(bad)
        #expect(problems.contains("spec.containers[0].imag: unknown field"))
        #expect(problems.contains("spec.containers[0].image: required"))
        #expect(problems.contains("spec.containers[0].volumeMounts[0].name: no volume v"))
        #expect(problems.contains("spec.volumes[0]: exactly one volume source, found 2"))
        #expect(problems.contains("metadata.labels.n: must be a string"))
    }

    @Test func everyPodShapeTheBuilderMakesIsAValidPod() throws {
        let yaml = """
        apiVersion: skein.dev/v1alpha1
        kind: Workflow
        metadata: {name: shapes, namespace: team, uid: u-1}
        spec:
          entrypoint: main
          volumeClaimTemplates: [{metadata: {name: work}, spec: {accessModes: [ReadWriteOnce]}}]
          podSpecPatch: '{"terminationGracePeriodSeconds": 5}'
          templates:
          - name: main
            steps:
            - - {name: plain, template: plain}
              - {name: outputs, template: outputs}
              - {name: script, template: script}
          - name: plain
            container: {image: alpine, command: [echo], volumeMounts: [{name: work, mountPath: /work}]}
          - name: outputs
            container: {image: alpine, command: [sh, -c, "echo 1 > /tmp/p; mkdir /tmp/d"]}
            outputs:
              parameters: [{name: p, valueFrom: {path: /tmp/p}}]
              artifacts: [{name: d, path: /tmp/d}]
          - name: script
            script: {image: python:3.12, command: [python3], source: "print(1)"}
        """
        let (wf, l) = try launches(yaml)
        #expect(l.count == 3)
        let withRepository = PodBuilder(settings: .init(executorImage: "skein:test",
                                                        artifactVolume: ["persistentVolumeClaim": ["claimName": "artifacts"]]))
        for launch in l {
            for b in [builder, withRepository] {
                let pod = try b.pod(for: launch, workflow: wf)
                #expect(PodSchema.problems(pod) == [], "\(launch.displayName)")
            }
        }
    }
}
