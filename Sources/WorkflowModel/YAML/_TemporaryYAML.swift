// Temporary: the agreed API, replaced when the YAML loader merges.
public struct PositionTable: Sendable {
    public func position(of path: FieldPath) -> SourcePosition? { nil }
    public func nearestPosition(of path: FieldPath) -> SourcePosition? { nil }
}
public struct YAMLDocument: Sendable { public var value: JSONValue; public var positions: PositionTable; public var index: Int }
public enum YAMLLoader {
    public static func load(_ text: String, file: String) throws(Diagnostic) -> [YAMLDocument] { [] }
    public static func load(bytes: [UInt8], file: String) throws(Diagnostic) -> [YAMLDocument] { [] }
}
extension JSONValue { public func yamlText(indent: Int = 0) -> String { compactJSON } }
