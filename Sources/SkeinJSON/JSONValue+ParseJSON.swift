import Foundation

extension JSONValue {
    /// Parse JSON text (used for `withParam` lists and loop results).
    public static func parseJSON(_ text: String) throws -> JSONValue {
        let obj = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        return JSONValue(foundation: obj)
    }

    public init(foundation o: Any) {
        switch o {
        case let b as Bool where type(of: o) == Bool.self || "\(type(of: o))".contains("Bool"):
            self = .bool(b)
        case let n as NSNumber:
            if String(cString: n.objCType) == "c" { self = .bool(n.boolValue) }
            else if let i = Int(exactly: n.doubleValue), !"\(n)".contains(".") { self = .int(i) }
            else { self = .double(n.doubleValue) }
        case let s as String: self = .string(s)
        case let a as [Any]: self = .array(a.map(JSONValue.init(foundation:)))
        case let d as [String: Any]: self = .object(d.mapValues(JSONValue.init(foundation:)))
        default: self = .null
        }
    }
}
