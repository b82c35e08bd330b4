@testable import WorkflowExpressions

let sampleEnv = ExprEnvironment(flat: [
    "inputs.parameters.x": .string("5"),
    "inputs.parameters.my-param": .string("hello"),
    "steps.a.outputs.result": .string("heads"),
    "workflow.name": .string("wf-1"),
    "item": .map(["name": .string("n1"), "n": .int(2)]),
    "nums": .list([.int(1), .int(2), .int(3)]),
    "people": .list([
        .map(["name": .string("ann"), "age": .int(30)]),
        .map(["name": .string("bob"), "age": .int(17)]),
    ]),
    "payload": .string(#"{"a":{"b":[10,20]},"k-1":"v"}"#),
    "staff": .string(#"{"employees": [{"name": "Baris", "age":43},{"name": "Mo", "age": 42}, {"name": "Jai", "age" :44}]}"#),
])

func evaluate(_ source: String, _ dialect: ExpressionDialect = .expr,
              env: ExprEnvironment = sampleEnv) throws(ExpressionError) -> ExprValue
{
    try Expression.parse(source, dialect: dialect).evaluate(in: env)
}

/// The error raised while parsing or evaluating `source`, or nil when it succeeds.
func failure(_ source: String, _ dialect: ExpressionDialect = .expr, env: ExprEnvironment = sampleEnv) -> ExpressionError? {
    do {
        _ = try evaluate(source, dialect, env: env)
        return nil
    } catch {
        return error
    }
}
