import Testing
@testable import WorkflowExpressions

@Suite struct EnvironmentTests {
    @Test func flatLookup() {
        #expect(sampleEnv.lookup("inputs.parameters.x") == .string("5"))
        #expect(sampleEnv.lookup("inputs.parameters") == .map(["x": .string("5"), "my-param": .string("hello")]))
        #expect(sampleEnv.lookup("item.name") == .string("n1"))
        #expect(sampleEnv.lookup("missing") == nil)
        #expect(sampleEnv.lookup("inputs.parameters.nope") == nil)
    }

    @Test func nestedLookup() {
        let env = ExprEnvironment(nested: ["inputs": .map(["parameters": .map(["x": .int(3)])]), "l": .list([.int(7)])])
        #expect(env.lookup("inputs.parameters.x") == .int(3))
        #expect(env.lookup("l.0") == .int(7))
        #expect(env.lookup("inputs.nope") == nil)
    }

    @Test(arguments: [
        ("inputs.parameters.x", ExprValue.string("5")),
        ("inputs.parameters['my-param']", .string("hello")),
        ("inputs['parameters'].x", .string("5")),
        ("steps.a.outputs.result", .string("heads")),
        ("len(inputs.parameters)", .int(2)),
        ("item.name", .string("n1")),
        ("item['n'] + 1", .int(3)),
        ("item.missing", .null),
        ("item?.missing?.deeper", .null),
        ("workflow.name + '!'", .string("wf-1!")),
        ("nums[0]", .int(1)),
    ])
    func flatNamesInExpressions(source: String, expected: ExprValue) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test(arguments: [
        ("inputs.parameters.x * 2", ExprValue.int(6)),
        ("inputs.parameters['x']", .int(3)),
        ("inputs.parameters", .map(["x": .int(3)])),
    ])
    func nestedNamesInExpressions(source: String, expected: ExprValue) throws {
        let env = ExprEnvironment(nested: ["inputs": .map(["parameters": .map(["x": .int(3)])])])
        #expect(try evaluate(source, env: env) == expected)
    }

    @Test func unknownNames() {
        #expect(failure("nope")?.message == "unknown name 'nope'")
        #expect(failure("inputs.parameters.nope")?.message == "unknown name 'inputs.parameters.nope'")
        #expect(failure("1 + nope")?.offset == 4)
        #expect((try? evaluate("nope ?? 'dflt'")) == .string("dflt"))
        #expect((try? evaluate("inputs.parameters.nope ?? 7")) == .int(7))
    }
}
