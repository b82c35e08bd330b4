/// The syntax tree of a parsed expression. Every node keeps the character offset it started at.
indirect enum Node: Sendable {
    case literal(ExprValue)
    /// A name to resolve in the environment.
    case name(String, offset: Int)
    /// `#`, the element inside a predicate closure.
    case element(offset: Int)
    case member(Node, key: Node, optional: Bool, offset: Int)
    case slice(Node, from: Node?, to: Node?, offset: Int)
    case unary(String, Node, offset: Int)
    case binary(String, Node, Node, offset: Int)
    case ternary(Node, Node, Node, offset: Int)
    case call(String, [Node], offset: Int)
    /// `base.Name(args)`: a method of a date or duration.
    case method(Node, String, [Node], offset: Int)
    case list([Node])
    case map([MapEntry])
    /// `let name = value; body`.
    case letIn(String, Node, Node, offset: Int)

    struct MapEntry: Sendable {
        var key: Node
        var value: Node
    }

    var offset: Int? {
        switch self {
        case .literal, .list, .map: return nil
        case .name(_, let o), .element(let o): return o
        case .member(_, _, _, let o), .slice(_, _, _, let o), .unary(_, _, let o), .binary(_, _, _, let o),
             .ternary(_, _, _, let o), .call(_, _, let o), .letIn(_, _, _, let o), .method(_, _, _, let o):
            return o
        }
    }
}
