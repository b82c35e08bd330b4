/// One lexical token with its character offset in the source.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        case number(ExprValue)
        case string(String)
        /// An identifier (expr) or a bare word (govaluate).
        case word(String)
        case op(String)
        case end
    }

    var kind: Kind
    var offset: Int

    /// The token as quoted in error messages: `'x'`, or `end of expression`.
    var display: String {
        switch kind {
        case .number(let v): return "'\(v.text)'"
        case .string(let s): return "'\(s)'"
        case .word(let w): return "'\(w)'"
        case .op(let o): return "'\(o)'"
        case .end: return "end of expression"
        }
    }
}

/// Splits expression source into tokens. Offsets count `Character`s.
struct Lexer {
    let chars: [Character]
    let source: String
    let dialect: ExpressionDialect
    var pos = 0

    init(_ source: String, dialect: ExpressionDialect) {
        self.source = source
        self.chars = Array(source)
        self.dialect = dialect
    }

    // Longest operators first so that `**` wins over `*`, `?.` over `?`, and so on.
    private static let operators: [[Character]] = [
        "&&", "||", "==", "!=", "<=", ">=", "**", "??", "?.", "=~", "!~", "..", "<<", ">>",
        "+", "-", "*", "/", "%", "<", ">", "!", "(", ")", "[", "]", "{", "}", ",", ":", "?", ".", "#", "=", "^", "|", ";",
        "&", "~",
    ].map { (op: String) in Array(op) }

    /// True while the next token may be the `=` of `let name = value;`.
    private var assignmentAllowed = false

    mutating func tokenize() throws(ExpressionError) -> [Token] {
        var tokens: [Token] = []
        while true {
            if dialect == .expr, tokens.count >= 2, case .word("let") = tokens[tokens.count - 2].kind,
               case .word = tokens[tokens.count - 1].kind {
                assignmentAllowed = true
            } else {
                assignmentAllowed = false
            }
            let t = try next()
            tokens.append(t)
            if t.kind == .end { return tokens }
        }
    }

    /// Skips `// ...` and `/* ... */` comments (expr only).
    private mutating func skipComment() throws(ExpressionError) -> Bool {
        guard dialect == .expr, peek() == "/" else { return false }
        if peek(1) == "/" {
            while let c = peek(), c != "\n" { pos += 1 }
            return true
        }
        if peek(1) == "*" {
            let start = pos
            pos += 2
            while pos < chars.count {
                if chars[pos] == "*", peek(1) == "/" { pos += 2; return true }
                pos += 1
            }
            throw fail("unterminated comment", at: start, fix: "close the comment with */")
        }
        return false
    }

    private func peek(_ ahead: Int = 0) -> Character? {
        pos + ahead < chars.count ? chars[pos + ahead] : nil
    }

    private func fail(_ message: String, at offset: Int, fix: String? = nil) -> ExpressionError {
        .at(offset, "\(message) at offset \(offset)", fix: fix, source: source)
    }

    private static func isWordStart(_ c: Character) -> Bool { c.isLetter || c == "_" || c == "$" }
    private static func isWordChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "$" }

    private mutating func next() throws(ExpressionError) -> Token {
        repeat {
            while let c = peek(), c.isWhitespace { pos += 1 }
        } while try skipComment()
        let start = pos
        guard let c = peek() else { return Token(kind: .end, offset: pos) }
        if c.isASCII && c.isNumber || (c == "." && (peek(1)?.isASCII ?? false) && (peek(1)?.isNumber ?? false)) {
            return try number(start)
        }
        if c == "'" || c == "\"" || (c == "`" && dialect == .expr) {
            return Token(kind: .string(try string(quote: c)), offset: start)
        }
        if c == "#", dialect == .expr, let w = peek(1), Self.isWordStart(w) {
            // `#acc` and `#index`, the accumulator and the position inside a predicate.
            pos += 1
            var word = "#"
            while let d = peek(), Self.isWordChar(d) { word.append(d); pos += 1 }
            return Token(kind: .word(word), offset: start)
        }
        if Self.isWordStart(c) {
            var word = ""
            while let d = peek() {
                if Self.isWordChar(d) {
                    word.append(d)
                    pos += 1
                } else if dialect == .govaluate, d == "." || d == "-", let e = peek(1), Self.isWordChar(e) {
                    // Govaluate bare words such as `my-value` or `a.b` stay one word.
                    word.append(d)
                    pos += 1
                } else {
                    break
                }
            }
            return Token(kind: .word(word), offset: start)
        }
        for opChars in Self.operators where pos + opChars.count <= chars.count && chars[pos..<pos + opChars.count].elementsEqual(opChars) {
            let op = String(opChars)
            // `?.` followed by a digit is a ternary with a fraction (`a ?.5 : 1`).
            if op == "?.", dialect == .govaluate || (peek(2)?.isNumber ?? false) { continue }
            // Bitwise operators are govaluate's; expr has functions for them (bitand, bitshl, ...).
            if dialect == .expr, op == "<<" || op == ">>" || op == "&" || op == "~" { continue }
            pos += opChars.count
            if op == "=", !assignmentAllowed {
                throw fail("unexpected '='", at: start, fix: "use '==' to compare")
            }
            if op == ";", dialect != .expr {
                throw fail("unexpected ';'", at: start)
            }
            return Token(kind: .op(op), offset: start)
        }
        if c == "&" { throw fail("unexpected '&'", at: start, fix: "use '&&'") }
        throw fail("unexpected character '\(c)'", at: start)
    }

    private mutating func number(_ start: Int) throws(ExpressionError) -> Token {
        var text = ""
        var isInt = true
        if peek() == "0", let x = peek(1), let radix = ["x": 16, "X": 16, "o": 8, "O": 8, "b": 2, "B": 2][x],
           dialect == .expr || radix == 16 {
            pos += 2
            while let d = peek(), d.isHexDigit || d == "_" { if d != "_" { text.append(d) }; pos += 1 }
            guard let v = Int(text, radix: radix) else { throw fail("invalid number", at: start) }
            return Token(kind: .number(.int(v)), offset: start)
        }
        while let d = peek(), d.isASCII && d.isNumber || d == "_" { if d != "_" { text.append(d) }; pos += 1 }
        if peek() == ".", let d = peek(1), d.isASCII && d.isNumber {
            isInt = false
            text.append(".")
            pos += 1
            while let d = peek(), d.isASCII && d.isNumber || d == "_" { if d != "_" { text.append(d) }; pos += 1 }
        } else if peek() == ".", dialect == .govaluate, !(peek(1).map(Self.isWordStart) ?? false), peek(1) != "." {
            // `5.` is a float in govaluate.
            isInt = false
            pos += 1
        }
        if let e = peek(), e == "e" || e == "E" {
            var ahead = 1
            if let s = peek(1), s == "+" || s == "-" { ahead = 2 }
            if let d = peek(ahead), d.isASCII && d.isNumber {
                isInt = false
                text.append("e")
                if ahead == 2, let s = peek(1) { text.append(s) }
                pos += ahead
                while let d = peek(), d.isASCII && d.isNumber { text.append(d); pos += 1 }
            }
        }
        if dialect == .govaluate, let d = peek(),
           Self.isWordStart(d) || (d == "." && (peek(1).map(Self.isWordChar) ?? false)) {
            // Something like `1abc` after substitution: treat the whole run as a bare word.
            while let d = peek(), Self.isWordChar(d) || d == "." || d == "-" { pos += 1 }
            return Token(kind: .word(String(chars[start..<pos])), offset: start)
        }
        if let d = peek(), Self.isWordStart(d) {
            throw fail("invalid number '\(text)\(d)'", at: start)
        }
        if text.hasPrefix(".") { text = "0" + text }
        if isInt {
            guard let v = Int(text) else { throw fail("integer literal '\(text)' is too large", at: start) }
            return Token(kind: .number(.int(v)), offset: start)
        }
        guard let v = Double(text) else { throw fail("invalid number '\(text)'", at: start) }
        return Token(kind: .number(.double(v)), offset: start)
    }

    private mutating func string(quote: Character) throws(ExpressionError) -> String {
        let start = pos
        pos += 1
        var out = ""
        while let c = peek() {
            pos += 1
            if c == quote { return out }
            if c != "\\" || quote == "`" { out.append(c); continue }
            guard let e = peek() else { break }
            pos += 1
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "0": out.append("\0")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "v": out.append("\u{0B}")
            case "\\", "'", "\"", "`", "/": out.append(e)
            case "x", "u", "U":
                let width = e == "x" ? 2 : (e == "u" ? 4 : 8)
                guard pos + width <= chars.count,
                      let code = UInt32(String(chars[pos..<pos + width]), radix: 16),
                      let scalar = Unicode.Scalar(code)
                else { throw fail("invalid escape '\\\(e)' in string", at: pos - 2) }
                pos += width
                out.unicodeScalars.append(scalar)
            default:
                throw fail("invalid escape '\\\(e)' in string", at: pos - 2)
            }
        }
        throw fail("unterminated string", at: start, fix: "close the string with \(quote)")
    }
}
