/// A precedence-climbing parser shared by both dialects; the dialect decides which words are operators.
struct Parser {
    let tokens: [Token]
    let source: String
    let dialect: ExpressionDialect
    var index = 0
    var depth = 0

    init(source: String, dialect: ExpressionDialect) throws(ExpressionError) {
        var lexer = Lexer(source, dialect: dialect)
        tokens = try lexer.tokenize()
        self.source = source
        self.dialect = dialect
    }

    static let closureFunctions: Set<String> = [
        "filter", "map", "any", "all", "none", "one", "count", "find", "findIndex", "findLast", "findLastIndex",
        "sortBy", "groupBy", "sum", "reduce",
    ]

    var current: Token { tokens[min(index, tokens.count - 1)] }

    func fail(_ message: String, at offset: Int, fix: String? = nil) -> ExpressionError {
        .at(offset, "\(message) at offset \(offset)", fix: fix, source: source)
    }

    func unexpected(_ t: Token) -> ExpressionError {
        if t.kind == .end { return fail("unexpected end of expression", at: t.offset) }
        return fail("unexpected \(t.display)", at: t.offset)
    }

    mutating func parseAll() throws(ExpressionError) -> Node {
        if current.kind == .end { throw fail("empty expression", at: 0) }
        let node = try parseProgram()
        guard current.kind == .end else {
            if current.kind == .op(")") {
                throw fail("unexpected ')'", at: current.offset, fix: "remove the ')' or add a matching '('")
            }
            throw unexpected(current)
        }
        return node
    }

    private func isOp(_ s: String) -> Bool { current.kind == .op(s) }

    private mutating func expect(_ s: String, fix: String? = nil) throws(ExpressionError) {
        guard isOp(s) else {
            if current.kind == .end {
                throw fail("expected '\(s)' but found end of expression", at: current.offset, fix: fix ?? "add '\(s)'")
            }
            throw fail("expected '\(s)' but found \(current.display)", at: current.offset, fix: fix)
        }
        index += 1
    }

    // MARK: binary operators

    /// The operator at the current token with its precedence and token count, if any.
    private func binaryOperator() -> (name: String, precedence: Int, rightAssoc: Bool, width: Int)? {
        let t = current
        switch dialect {
        case .expr:
            switch t.kind {
            case .op(let o):
                switch o {
                case "||": return ("||", 10, false, 1)
                case "&&": return ("&&", 15, false, 1)
                case "==", "!=", "<", "<=", ">", ">=": return (o, 20, false, 1)
                case "..": return ("..", 25, false, 1)
                case "+", "-": return (o, 30, false, 1)
                case "*", "/", "%": return (o, 60, false, 1)
                case "**", "^": return ("**", 100, true, 1)
                case "??": return ("??", 500, false, 1)
                default: return nil
                }
            case .word(let w):
                switch w {
                case "or": return ("||", 10, false, 1)
                case "and": return ("&&", 15, false, 1)
                case "in", "matches", "contains", "startsWith", "endsWith": return (w, 20, false, 1)
                case "not":
                    let next = tokens[min(index + 1, tokens.count - 1)]
                    if case .word(let n) = next.kind, ["in", "matches", "contains", "startsWith", "endsWith"].contains(n) {
                        return ("not " + n, 20, false, 2)
                    }
                    return nil
                default: return nil
                }
            default: return nil
            }
        case .govaluate:
            switch t.kind {
            case .op(let o):
                switch o {
                case "??": return ("??", 5, false, 1)
                case "||": return ("||", 10, false, 1)
                case "&&": return ("&&", 15, false, 1)
                case "==", "!=", "<", "<=", ">", ">=", "=~", "!~": return (o, 20, false, 1)
                case "+", "-": return (o, 30, false, 1)
                case "*", "/", "%": return (o, 60, false, 1)
                case "**": return ("**", 100, true, 1)
                // Bitwise, as govaluate ranks them: below + and -, above the comparisons.
                case "<<", ">>": return (o, 27, false, 1)
                case "&", "|", "^": return (o, 25, false, 1)
                default: return nil
                }
            case .word("in"): return ("in", 20, false, 1)
            default: return nil
            }
        }
    }

    /// `let a = 1; let b = a + 1; a * b`: names bound by `let`, then the expression that uses them.
    mutating func parseProgram() throws(ExpressionError) -> Node {
        guard dialect == .expr, case .word("let") = current.kind, index + 1 < tokens.count,
              case .word(let name) = tokens[index + 1].kind
        else { return try parseExpression() }
        let offset = current.offset
        depth += 1
        defer { depth -= 1 }
        guard depth < 200 else { throw fail("expression nested too deeply", at: offset) }
        index += 2
        try expect("=", fix: "write 'let \(name) = value; ...'")
        let value = try parseExpression()
        try expect(";", fix: "end 'let \(name) = ...' with ';' before the expression that uses it")
        guard current.kind != .end else { throw fail("expected an expression after 'let \(name) = ...;'", at: current.offset) }
        let body = try parseProgram()
        return .letIn(name, value, body, offset: offset)
    }

    mutating func parseExpression() throws(ExpressionError) -> Node {
        depth += 1
        defer { depth -= 1 }
        guard depth < 200 else { throw fail("expression nested too deeply", at: current.offset) }
        var condition = try parseBinary(0)
        // `value | f(a)` is `f(value, a)`; pipes bind loosest of all binary operators.
        while dialect == .expr, isOp("|") {
            let bar = current.offset
            index += 1
            guard case .word(var name) = current.kind else {
                throw fail("expected a function call after '|'", at: bar, fix: "write 'value | function(...)', or '||' for or")
            }
            let nameOffset = current.offset
            index += 1
            if name == "sprig", isOp(".") {
                index += 1
                guard case .word(let w) = current.kind else { throw unexpected(current) }
                index += 1
                name = "sprig." + w
            }
            guard isOp("(") else { throw fail("expected '(' after '\(name)' in a pipe", at: current.offset, fix: "write '| \(name)()'") }
            condition = try parseCall(name, offset: nameOffset, first: condition)
        }
        guard isOp("?") else { return condition }
        let offset = current.offset
        index += 1
        // expr-lang allows `a ?: b` as a shorthand for `a ? a : b`.
        if dialect == .expr, isOp(":") {
            index += 1
            let other = try parseExpression()
            return .binary("?:", condition, other, offset: offset)
        }
        let then = try parseExpression()
        try expect(":", fix: "a ternary needs 'condition ? a : b'")
        let otherwise = try parseExpression()
        return .ternary(condition, then, otherwise, offset: offset)
    }

    private mutating func parseBinary(_ minPrecedence: Int) throws(ExpressionError) -> Node {
        var left = try parseUnary()
        let savedDepth = depth
        defer { depth = savedDepth }
        while let op = binaryOperator(), op.precedence >= minPrecedence {
            let offset = current.offset
            // Each operator deepens the tree; count it so evaluation recursion stays bounded.
            depth += 1
            guard depth < 200 else { throw fail("expression nested too deeply", at: offset) }
            index += op.width
            let right = try parseBinary(op.rightAssoc ? op.precedence : op.precedence + 1)
            left = .binary(op.name, left, right, offset: offset)
        }
        return left
    }

    private mutating func parseUnary() throws(ExpressionError) -> Node {
        let t = current
        let unaryName: String?
        let precedence: Int
        switch t.kind {
        case .op("!"): unaryName = "!"; precedence = dialect == .expr ? 50 : 90
        case .word("not") where dialect == .expr: unaryName = "!"; precedence = 50
        case .op("-"): unaryName = "-"; precedence = 90
        case .op("+"): unaryName = "+"; precedence = 90
        case .op("~") where dialect == .govaluate: unaryName = "~"; precedence = 90
        default: unaryName = nil; precedence = 0
        }
        if let unaryName {
            index += 1
            depth += 1
            defer { depth -= 1 }
            guard depth < 200 else { throw fail("expression nested too deeply", at: t.offset) }
            let operand = try parseBinary(precedence)
            if unaryName == "-", case .literal(.int(let i)) = operand {
                let (neg, overflow) = (0 as Int).subtractingReportingOverflow(i)
                if !overflow { return .literal(.int(neg)) }
            }
            if unaryName == "-", case .literal(.double(let d)) = operand { return .literal(.double(-d)) }
            return .unary(unaryName, operand, offset: t.offset)
        }
        return try parsePostfix(try parsePrimary())
    }

    // MARK: primaries

    private mutating func parsePrimary() throws(ExpressionError) -> Node {
        let t = current
        switch t.kind {
        case .number(let v):
            index += 1
            return .literal(v)
        case .string(let s):
            index += 1
            // govaluate reads a quoted literal that is a date as the date, in Unix seconds.
            if dialect == .govaluate, let t = Self.govaluateDate(s) { return .literal(.double(t.unix)) }
            return .literal(.string(s))
        case .word(let w):
            index += 1
            return try parseWord(w, offset: t.offset)
        case .op("("):
            index += 1
            if dialect == .govaluate, isOp(")") {
                index += 1
                return .list([])
            }
            let inner = dialect == .expr ? try parseProgram() : try parseExpression()
            if dialect == .govaluate, isOp(",") {
                // Govaluate tuples: `x in (a, b, c)`.
                var items = [inner]
                while isOp(",") {
                    index += 1
                    items.append(try parseExpression())
                }
                try expect(")", fix: "close the list with ')'")
                return .list(items)
            }
            try expect(")", fix: "add a matching ')'")
            return inner
        case .op("[") where dialect == .expr:
            index += 1
            var items: [Node] = []
            while !isOp("]") {
                items.append(try parseExpression())
                if isOp(",") { index += 1; continue }
                guard isOp("]") else { throw fail("expected ',' or ']' but found \(current.display)", at: current.offset) }
            }
            index += 1
            return .list(items)
        case .op("{") where dialect == .expr:
            index += 1
            var entries: [Node.MapEntry] = []
            while !isOp("}") {
                let keyToken = current
                let key: Node
                switch keyToken.kind {
                case .word(let w): index += 1; key = .literal(.string(w))
                case .string(let s): index += 1; key = .literal(.string(s))
                case .number(let n): index += 1; key = .literal(.string(n.text))
                case .op("("):
                    index += 1
                    key = try parseExpression()
                    try expect(")")
                default: throw unexpected(keyToken)
                }
                try expect(":", fix: "map entries are written 'key: value'")
                entries.append(Node.MapEntry(key: key, value: try parseExpression()))
                if isOp(",") { index += 1; continue }
                guard isOp("}") else { throw fail("expected ',' or '}' but found \(current.display)", at: current.offset) }
            }
            index += 1
            return .map(entries)
        case .op("#") where dialect == .expr:
            index += 1
            return .element(offset: t.offset)
        case .op(".") where dialect == .expr:
            // `.name` inside a closure is short for `#.name`.
            index += 1
            guard case .word(let w) = current.kind else { throw unexpected(current) }
            index += 1
            return .member(.element(offset: t.offset), key: .literal(.string(w)), optional: false, offset: t.offset)
        default:
            throw unexpected(t)
        }
    }

    private mutating func parseWord(_ w: String, offset: Int) throws(ExpressionError) -> Node {
        switch dialect {
        case .govaluate:
            switch w {
            case "true": return .literal(.bool(true))
            case "false": return .literal(.bool(false))
            default:
                if isOp("(") {
                    throw fail("function calls are not supported in 'when' expressions ('\(w)(')", at: offset)
                }
                // Any other bare word is a string literal.
                return .literal(.string(w))
            }
        case .expr:
            switch w {
            case "true": return .literal(.bool(true))
            case "false": return .literal(.bool(false))
            case "nil", "null": return .literal(.null)
            default: break
            }
            if isOp("(") { return try parseCall(w, offset: offset) }
            return .name(w, offset: offset)
        }
    }

    private mutating func parseCall(_ name: String, offset: Int, first: Node? = nil) throws(ExpressionError) -> Node {
        try expect("(")
        var args: [Node] = first.map { [$0] } ?? []
        while !isOp(")") {
            if Self.closureFunctions.contains(name), args.count == 1, isOp("{") {
                // `filter(xs, {# > 1})`: braces delimit the predicate.
                index += 1
                args.append(try parseExpression())
                try expect("}", fix: "close the predicate with '}'")
            } else {
                args.append(try parseExpression())
            }
            if isOp(",") { index += 1; continue }
            guard isOp(")") else {
                if current.kind == .end {
                    throw fail("expected ')' but found end of expression", at: current.offset, fix: "close the call to \(name)( with ')'")
                }
                throw fail("expected ',' or ')' but found \(current.display)", at: current.offset)
            }
        }
        index += 1
        return .call(name, args, offset: offset)
    }

    private mutating func parsePostfix(_ base: Node) throws(ExpressionError) -> Node {
        var node = base
        while true {
            let t = current
            switch t.kind {
            case .op(".") where dialect == .expr, .op("?.") where dialect == .expr:
                index += 1
                let optional = t.kind == .op("?.")
                if optional, isOp("[") {
                    node = try parseIndex(node, optional: true)
                    continue
                }
                guard case .word(let w) = current.kind else {
                    throw fail("expected a name after \(t.display)", at: current.offset)
                }
                index += 1
                if isOp("("), case .name("sprig", _) = node {
                    node = try parseCall("sprig." + w, offset: t.offset)
                    continue
                }
                if isOp("(") {
                    guard case .call(_, let args, _) = try parseCall(w, offset: t.offset) else { continue }
                    node = .method(node, w, args, offset: t.offset)
                    continue
                }
                node = .member(node, key: .literal(.string(w)), optional: optional, offset: t.offset)
            case .op("[") where dialect == .expr:
                node = try parseIndex(node, optional: false)
            default:
                return node
            }
        }
    }

    private mutating func parseIndex(_ base: Node, optional: Bool) throws(ExpressionError) -> Node {
        let offset = current.offset
        try expect("[")
        if isOp(":") {
            index += 1
            let to: Node? = isOp("]") ? nil : try parseExpression()
            try expect("]")
            return .slice(base, from: nil, to: to, offset: offset)
        }
        let key = try parseExpression()
        if isOp(":") {
            index += 1
            let to: Node? = isOp("]") ? nil : try parseExpression()
            try expect("]")
            return .slice(base, from: key, to: to, offset: offset)
        }
        try expect("]", fix: "add a matching ']'")
        return .member(base, key: key, optional: optional, offset: offset)
    }
}

extension Parser {
    /// The layouts govaluate tries on a quoted literal, in its order.
    static let govaluateDateLayouts = [
        "Mon Jan _2 15:04:05 2006", "Mon Jan _2 15:04:05 MST 2006", "Mon Jan 02 15:04:05 -0700 2006", "3:04PM",
        "2006-01-02T15:04:05Z07:00", "2006-01-02", "2006-01-02 15:04", "2006-01-02 15:04:05",
        "2006-01-02 15:04:05-07:00", "2006-01-02T15Z0700", "2006-01-02T15:04Z0700", "2006-01-02T15:04:05Z0700",
    ]

    static func govaluateDate(_ s: String) -> ExprTime? {
        // Cheap filter: every layout has a digit and a ':' or '-'.
        guard s.count >= 6, s.contains(where: \.isNumber), s.contains(where: { $0 == ":" || $0 == "-" }) else { return nil }
        for layout in govaluateDateLayouts {
            if let t = GoTime.parse(s, layout: layout) { return t }
        }
        return nil
    }
}

