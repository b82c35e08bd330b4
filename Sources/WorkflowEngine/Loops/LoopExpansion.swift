import WorkflowModel

/// One iteration of a loop: its index, the item, and the label Argo puts in the node name.
struct LoopItem {
    var index: Int
    var value: JSONValue

    /// `(0:value)`; a map item lists `key:value` pairs sorted, a list item is its JSON.
    var label: String {
        "(\(index):\(LoopItem.text(value)))"
    }

    static func text(_ v: JSONValue) -> String {
        switch v {
        case .object(let o):
            return o.map { "\($0.key):\($0.value.scalarText ?? $0.value.compactJSON)" }.sorted().joined(separator: ",")
        case .array: return v.compactJSON
        default: return v.scalarText ?? ""
        }
    }
}

extension WorkflowExecution {
    /// The items of `withItems`, `withParam` or `withSequence`; nil when the step has no loop.
    func loopItems(_ step: WorkflowStep, scope: Scope, field: String) throws(EngineFailure) -> [LoopItem]? {
        if let items = step.withItems {
            var out: [LoopItem] = []
            for (i, item) in items.enumerated() {
                out.append(LoopItem(index: i, value: try substitute(item, scope: scope, field: "\(field).withItems[\(i)]")))
            }
            return out
        }
        if let param = step.withParam {
            let text = try substitute(param, scope: scope, field: "\(field).withParam")
            let parsed: JSONValue
            do {
                parsed = try JSONValue.parseJSON(text)
            } catch {
                throw EngineFailure("withParam value could not be parsed as a JSON list: \(text.prefix(200))")
            }
            guard case .array(let list) = parsed else {
                throw EngineFailure("withParam value must be a JSON list, got \(parsed.kindName): \(text.prefix(200))")
            }
            if list.count > WorkflowExecution.maxLoopItems {
                throw EngineFailure("withParam has \(list.count) items; one loop may have at most \(WorkflowExecution.maxLoopItems)")
            }
            return list.enumerated().map { LoopItem(index: $0.offset, value: $0.element) }
        }
        if let seq = step.withSequence {
            return try sequenceItems(seq, scope: scope, field: "\(field).withSequence")
        }
        return nil
    }

    func sequenceItems(_ seq: Sequence, scope: Scope, field: String) throws(EngineFailure) -> [LoopItem] {
        func number(_ v: AnyString?, _ name: String) throws(EngineFailure) -> Int? {
            guard let v else { return nil }
            let text = try substitute(v.value, scope: scope, field: "\(field).\(name)")
            guard let i = Int(text.trimmingWhitespace) else {
                throw EngineFailure("\(field).\(name) '\(text)' is not a whole number")
            }
            return i
        }
        let count = try number(seq.count, "count")
        let start = try number(seq.start, "start") ?? 0
        let end: Int
        if let c = count {
            if seq.end != nil { throw EngineFailure("\(field): give either count or end, not both") }
            if c < 0 { throw EngineFailure("\(field).count is \(c); it must be 0 or more") }
            if c == 0 { return [] }
            let (e, overflow) = start.addingReportingOverflow(c - 1)
            if overflow { throw EngineFailure("\(field): start + count is out of range") }
            end = e
        } else if let e = try number(seq.end, "end") {
            end = e
        } else {
            throw EngineFailure("\(field) needs count or end")
        }
        let (span, spanOverflow) = end.subtractingReportingOverflow(start)
        if spanOverflow || span.magnitude >= UInt(WorkflowExecution.maxLoopItems) {
            throw EngineFailure("\(field) would make more than \(WorkflowExecution.maxLoopItems) items")
        }
        let values: [Int] = start <= end ? Array(start...end) : Array((end...start).reversed())
        return values.enumerated().map { i, v in
            LoopItem(index: i, value: .string(seq.format.map { Printf.format($0, v) } ?? String(v)))
        }
    }
}

/// The `%d`, `%02d`, `%x`, `%X`, `%o`, `%s` forms `withSequence.format` uses.
enum Printf {
    static func format(_ f: String, _ v: Int) -> String {
        var out = ""
        var chars = Substring(f)
        while let c = chars.first {
            chars = chars.dropFirst()
            guard c == "%" else {
                out.append(c)
                continue
            }
            var zero = false
            var width = 0
            while let d = chars.first, d.isNumber {
                if d == "0" && width == 0 { zero = true } else { width = width * 10 + (d.wholeNumberValue ?? 0) }
                chars = chars.dropFirst()
            }
            guard let verb = chars.first else {
                out.append("%")
                break
            }
            chars = chars.dropFirst()
            var body: String
            switch verb {
            case "d", "s", "v": body = String(v)
            case "x": body = String(v, radix: 16)
            case "X": body = String(v, radix: 16, uppercase: true)
            case "o": body = String(v, radix: 8)
            case "%":
                out.append("%")
                continue
            default: body = String(v)
            }
            if body.count < width { body = String(repeating: zero ? "0" : " ", count: width - body.count) + body }
            out += body
        }
        return out
    }
}
