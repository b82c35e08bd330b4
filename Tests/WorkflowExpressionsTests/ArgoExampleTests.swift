import Testing
@testable import WorkflowExpressions

/// Expressions as they appear in Argo's example workflows, after `{{...}}` substitution where Argo does it first.
@Suite struct ArgoExampleTests {
    static let env = ExprEnvironment(flat: [
        "inputs.parameters.num": .string("3"),
        "inputs.parameters.should-print": .string("true"),
        "steps.fibonacci-helper.outputs.parameters.result": .string("2"),
        "steps.flip-coin.outputs.result": .string("tails"),
        "steps.heads.outputs.result": .string("H"),
        "steps.tails.outputs.result": .string("T"),
        "steps.step-1.status": .string("Running"),
        "workflow.status": .string("Succeeded"),
        "workflow.parameters.json": .string(#"[{"value": "true"}]"#),
        "lastRetry.exitCode": .string("2"),
        "lastRetry.status": .string("Failed"),
        "lastRetry.duration": .string("12.5"),
        "lastRetry.message": .string("pod deleted"),
        "data": .list([.string("a/main.log"), .string("b/other.txt")]),
    ])

    @Test(arguments: [
        ("asInt(inputs.parameters.num) == 1? 1: asInt(inputs.parameters.num) == 2? 1: steps['fibonacci-helper'].outputs.parameters.result", "2"),
        ("filter(data, {# endsWith \"main.log\"})", #"["a/main.log"]"#),
        ("steps['flip-coin'].outputs.result == 'heads' ? steps.heads.outputs.result : steps.tails.outputs.result", "T"),
        ("tasks.producer.outputs.parameters.msg ?? 'expr-fallback'", "expr-fallback"),
        ("steps[\"step-1\"].status == \"Running\"", "true"),
        ("workflow.status == \"Running\"", "false"),
        ("inputs.parameters[\"should-print\"] == 'true'", "true"),
        ("jsonpath(workflow.parameters.json, '$[0].value') == 'true'", "true"),
        ("asInt(inputs.parameters.num) * 10", "30"),
        ("""
         asInt(lastRetry.exitCode) > 1 &&
         lastRetry.status != "Error" &&
         asInt(lastRetry.duration) < 120 &&
         (false == true || lastRetry.message matches 'imminent node shutdown|pod deleted')
         """, "true"),
    ])
    func exprForm(source: String, text: String) throws {
        let value = try Expression.parse(source, dialect: .expr).evaluate(in: Self.env)
        #expect(value.text == text)
    }

    @Test(arguments: [
        ("heads == heads", true),
        ("tails == heads", false),
        ("3 != 1 && 3 != 2", true),
        ("true == true", true),
        ("even == even", true),
        ("Succeeded == Succeeded", true),
        ("Failed != Succeeded", true),
        ("heads =~ hea", true),
        ("tails =~ hea", false),
        ("3 < 10", true),
        ("12 < 10", false),
        ("YES == YES", true),
        ("( heads == heads &&\n  tails == tails\n) ||\n( tails == tails &&\n  tails == tails )", true),
        ("( tails == heads && tails == tails ) || ( heads == tails && tails == tails )", false),
    ])
    func govaluateForm(source: String, expected: Bool) throws {
        let value = try Expression.parse(source, dialect: .govaluate).evaluate(in: ExprEnvironment(flat: [:]))
        #expect(value == .bool(expected))
    }

    @Test(arguments: [
        ("A && (C.Succeeded || C.Failed)", ["A", "C"]),
        ("B.Failed && C", ["B", "C"]),
        ("producer.Succeeded || producer.Skipped", ["producer"]),
        ("should-execute-2.Succeeded || should-not-execute", ["should-execute-2", "should-not-execute"]),
        ("producer-1 && producer-2 && producer-3", ["producer-1", "producer-2", "producer-3"]),
    ])
    func dependsForm(source: String, names: [String]) throws {
        let e = try DependsExpression.parse(source)
        #expect(e.taskNames == names)
        let allGood = e.evaluate { _ in TaskOutcome(phase: .succeeded, daemoned: false, childPhases: []) }
        #expect(allGood == !source.contains(".Failed &&"))
    }
}
