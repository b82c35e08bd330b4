import Testing
import WorkflowEngine
import WorkflowModel
import SkeinTestSupport

/// `valueFrom.configMapKeyRef` on input and global parameters, with `valueFrom.default` and
/// Argo's messages when the ConfigMap or key is missing.
@Suite struct ConfigMapParameterTests {
    static let maps = ConfigMapData(["settings": ["msg": "from the map", "empty": ""]])

    /// A template echoing an input parameter read from a ConfigMap key.
    static func input(_ valueFrom: String, argument: String? = nil) -> String {
        let args = argument.map { ", arguments: {parameters: [{name: m, value: \"\($0)\"}]}" } ?? ""
        return workflow("""
        - name: main
          steps:
          - - {name: show, template: show\(args)}
        - name: show
          inputs:
            parameters:
            - name: m
              valueFrom: \(valueFrom)
          container: {image: alpine, command: [echo, "{{inputs.parameters.m}}"]}
        """)
    }

    @Test(arguments: [
        // valueFrom, the argument passed, what the step sees (nil: the node errors with the message).
        ("{configMapKeyRef: {name: settings, key: msg}}", nil, "from the map", nil),
        ("{configMapKeyRef: {name: settings, key: empty}}", nil, "", nil),
        ("{configMapKeyRef: {name: settings, key: msg}}", "given", "given", nil),
        ("{configMapKeyRef: {name: settings, key: nope}, default: fallback}", nil, "fallback", nil),
        ("{configMapKeyRef: {name: absent, key: msg}, default: fallback}", nil, "fallback", nil),
        ("{configMapKeyRef: {name: absent, key: msg, optional: true}}", nil, "", nil),
        ("{configMapKeyRef: {name: absent, key: msg}}", nil, nil,
         "unable to retrieve inputs.parameters.m from ConfigMap: ConfigMap 'absent' does not exist"),
        ("{configMapKeyRef: {name: settings, key: nope}}", nil, nil,
         "unable to retrieve inputs.parameters.m from ConfigMap: ConfigMap 'settings' does not have the key 'nope'"),
    ] as [(String, String?, String?, String?)])
    func inputParameters(_ valueFrom: String, _ argument: String?, _ seen: String?, _ message: String?) throws {
        let h = try EngineHarness(yaml: Self.input(valueFrom, argument: argument), configMaps: Self.maps)
        let phase = h.run()
        if let seen {
            #expect(phase == .succeeded, "\(h)")
            #expect(h.launches.first?.launch.template.container?["command"]?[1]?.stringValue == seen)
        } else {
            #expect(phase == .error, "\(h)")
            #expect(h.launches.isEmpty)
            #expect(h.node("show")?.phase == .error)
            #expect(h.node("show")?.message?.hasPrefix(message ?? "-") == true, "\(h.node("show")?.message ?? "")")
        }
    }

    static func global(_ valueFrom: String) -> String {
        workflow("""
        - name: main
          inputs: {parameters: [{name: message}]}
          container: {image: alpine, command: [echo, "{{inputs.parameters.message}} / {{workflow.parameters.message}}"]}
        """, arguments: """
          arguments:
            parameters:
            - name: message
              valueFrom: \(valueFrom)
        """)
    }

    @Test func globalParametersReachTheEntrypointAndTheWorkflowVariables() throws {
        let h = try EngineHarness(yaml: Self.global("{configMapKeyRef: {name: settings, key: msg}}"), configMaps: Self.maps)
        #expect(h.run() == .succeeded)
        #expect(h.launches.first?.launch.template.container?["command"]?[1]?.stringValue == "from the map / from the map")
        let d = try EngineHarness(yaml: Self.global("{configMapKeyRef: {name: absent, key: msg}, default: dflt}"), configMaps: Self.maps)
        #expect(d.run() == .succeeded)
        #expect(d.launches.first?.launch.template.container?["command"]?[1]?.stringValue == "dflt / dflt")
    }

    @Test func aMissingGlobalConfigMapEndsTheWorkflowInErrorBeforeAnyStep() throws {
        let h = try EngineHarness(yaml: Self.global("{configMapKeyRef: {name: absent, key: msg}}"), configMaps: Self.maps)
        #expect(h.run() == .error)
        #expect(h.launches.isEmpty)
        #expect(h.message?.hasPrefix("failed to set global parameter message from ConfigMap: ConfigMap 'absent' does not exist") == true,
                "\(h.message ?? "")")
    }

    @Test func referencedNamesAreFoundAnywhereInTheSpec() throws {
        let docs = try DocumentLoader.load(text: Self.input("{configMapKeyRef: {name: settings, key: msg}}"), file: "x.yaml")
        #expect(ConfigMapData.referencedNames(in: docs[0].raw["spec"] ?? .null) == ["settings"])
        let none = try DocumentLoader.load(text: workflow("- name: main\n  container: {image: alpine}"), file: "x.yaml")
        #expect(ConfigMapData.referencedNames(in: none[0].raw["spec"] ?? .null).isEmpty)
    }
}
