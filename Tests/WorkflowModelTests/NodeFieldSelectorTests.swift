import Testing
import WorkflowModel

@Suite struct NodeFieldSelectorTests {
    static func node() -> NodeStatus {
        var n = NodeStatus(id: "wf-123", name: "wf[0].approve", displayName: "approve", type: .suspend, phase: .running)
        n.templateName = "gate"
        n.templateRef = TemplateRef(name: "lib", template: "gate")
        var inputs = Inputs()
        inputs.parameters = [Parameter(name: "who", value: "ops")]
        n.inputs = inputs
        return n
    }

    @Test func termsAreAndedAndNegatable() throws {
        let n = Self.node()
        #expect(try NodeFieldSelector("displayName=approve").matches(n))
        #expect(try NodeFieldSelector("displayName=approve,phase=Running,type=Suspend").matches(n))
        #expect(try !NodeFieldSelector("displayName=approve,phase=Succeeded").matches(n))
        #expect(try NodeFieldSelector("phase!=Succeeded").matches(n))
        #expect(try NodeFieldSelector("templateName==gate, id=wf-123").matches(n))
        #expect(try NodeFieldSelector("name=wf[0].approve").matches(n))
        #expect(try NodeFieldSelector("templateRef.name=lib,templateRef.template=gate").matches(n))
        #expect(try NodeFieldSelector("inputs.parameters.who.value=ops").matches(n))
        #expect(try !NodeFieldSelector("inputs.parameters.other.value=ops").matches(n))
        #expect(try NodeFieldSelector("").matches(n), "no terms: everything")
    }

    @Test func badSelectorsSayWhatIsWrong() {
        #expect(throws: NodeFieldSelector.SelectorError.self) { try NodeFieldSelector("color=red") }
        #expect(throws: NodeFieldSelector.SelectorError.self) { try NodeFieldSelector("displayName") }
        do {
            _ = try NodeFieldSelector("colour=red")
        } catch {
            #expect(error.description.contains("unknown key 'colour'") && error.description.contains("displayName"))
        }
    }
}
