/// A parsed expression, ready to evaluate against any number of environments.
public struct Expression: Sendable {
    public var source: String
    let root: Node
    let dialect: ExpressionDialect

    public static func parse(_ source: String, dialect: ExpressionDialect) throws(ExpressionError) -> Expression {
        var parser = try Parser(source: source, dialect: dialect)
        let root = try parser.parseAll()
        return Expression(source: source, root: root, dialect: dialect)
    }

    public func evaluate(in env: ExprEnvironment) throws(ExpressionError) -> ExprValue {
        let evaluator = Evaluator(env: env, source: source, dialect: dialect)
        return try evaluator.eval(root, element: nil)
    }
}
