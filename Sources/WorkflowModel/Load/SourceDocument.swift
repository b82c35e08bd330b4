import Foundation

/// One YAML/JSON document from a user's file, with the positions of its fields.
public struct SourceDocument: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case workflow = "Workflow"
        case workflowTemplate = "WorkflowTemplate"
        case clusterWorkflowTemplate = "ClusterWorkflowTemplate"
        case cronWorkflow = "CronWorkflow"
    }

    public var file: String
    public var index: Int
    public var raw: JSONValue
    public var positions: PositionTable
    public var kind: Kind

    /// Where a field is, for diagnostics.
    public func location(_ path: FieldPath) -> SourceLocation {
        SourceLocation(file: file, position: positions.nearestPosition(of: path), path: path)
    }

    public func diagnostic(_ path: FieldPath, _ message: String, fix: String? = nil) -> Diagnostic {
        Diagnostic(location(path), message, fix: fix)
    }

    /// Decode the document as a model type; a shape error names the field and its line.
    public func decode<T: Decodable>(_ type: T.Type) throws(Diagnostic) -> T {
        do {
            return try JSONValueDecoder().decode(T.self, from: raw)
        } catch {
            throw diagnostic(error.path, error.message)
        }
    }

    public var name: String {
        raw["metadata"]?["name"]?.stringValue ?? raw["metadata"]?["generateName"]?.stringValue ?? "(unnamed)"
    }
}

/// Reads workflow files: YAML (several documents per file) or JSON, any of the five kinds,
/// in `skein.dev/v1alpha1` or Argo's `argoproj.io/v1alpha1`.
public enum DocumentLoader {
    public static func load(file: String) throws(Diagnostics) -> [SourceDocument] {
        do {
            return try load(text: try readText(file), file: file)
        } catch let d as Diagnostic {
            throw Diagnostics([d])
        } catch let d as Diagnostics {
            throw d
        } catch {
            throw Diagnostics([Diagnostic(SourceLocation(file: file), "cannot read the file: \(error)")])
        }
    }

    /// A file's text: at most `YAMLLoader.sizeLimit` bytes of UTF-8. What is wrong names the
    /// file and, for bytes that are not UTF-8, the byte offset, line and column.
    public static func readText(_ file: String) throws(Diagnostic) -> String {
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
            defer { try? handle.close() }
            data = try handle.read(upToCount: YAMLLoader.sizeLimit + 1) ?? Data()
        } catch {
            throw Diagnostic(SourceLocation(file: file), "cannot read the file: \(DocumentLoader.reason(error))",
                             fix: "check the path and that the file is readable")
        }
        guard data.count <= YAMLLoader.sizeLimit else {
            throw Diagnostic(SourceLocation(file: file), "the file is larger than \(YAMLLoader.sizeLimit >> 20) MiB",
                             fix: "split it into several files")
        }
        let bytes = [UInt8](data)
        if let bad = UTF8Check.firstInvalidByte(bytes) {
            let (line, column) = UTF8Check.lineAndColumn(of: bad, in: bytes)
            throw Diagnostic(SourceLocation(file: file, position: SourcePosition(line: line, column: column)),
                             "byte \(bad) (0x\(String(bytes[bad], radix: 16, uppercase: true))) is not UTF-8 text",
                             fix: "save the file as UTF-8 (iconv -f LATIN1 -t UTF-8 converts Latin-1)")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain, ns.code == NSFileReadNoSuchFileError || ns.code == 260 { return "no such file" }
        return ns.localizedDescription
    }

    public static func load(text: String, file: String) throws(Diagnostics) -> [SourceDocument] {
        let docs: [YAMLDocument]
        do {
            docs = try YAMLLoader.load(text, file: file)
        } catch {
            throw Diagnostics([error])
        }
        var out: [SourceDocument] = []
        var problems: [Diagnostic] = []
        for d in docs {
            if d.value.isNull { continue }
            let loc = SourceLocation(file: file, position: d.positions.position(of: .root), path: nil)
            guard case .object = d.value else {
                problems.append(Diagnostic(loc, "document \(d.index + 1) is a \(d.value.kindName), not a Kubernetes object",
                                           fix: "start the document with apiVersion, kind, metadata and spec"))
                continue
            }
            let apiVersion = d.value["apiVersion"]?.stringValue
            let kindText = d.value["kind"]?.stringValue
            guard let apiVersion else {
                problems.append(Diagnostic(SourceLocation(file: file, position: d.positions.position(of: .root), path: FieldPath([.key("apiVersion")])),
                                           "apiVersion is missing", fix: "add `apiVersion: \(APIGroup.skein)`"))
                continue
            }
            // Other Kubernetes objects (a PVC or ConfigMap next to a workflow, as `kubectl apply -f`
            // takes them) are not Skein's to check.
            let group = apiVersion.contains("/") ? String(apiVersion.prefix { $0 != "/" }) : ""
            let ours = ["argoproj.io", "skein.dev"].contains(group) || SourceDocument.Kind(rawValue: kindText ?? "") != nil
            if !ours { continue }
            guard APIGroup.accepted.contains(apiVersion) else {
                problems.append(Diagnostic(SourceLocation(file: file, position: d.positions.position(of: FieldPath([.key("apiVersion")])),
                                                          path: FieldPath([.key("apiVersion")])),
                                           "apiVersion '\(apiVersion)' is not one Skein reads",
                                           fix: "use \(APIGroup.skein) (or Argo's \(APIGroup.argo))"))
                continue
            }
            guard let kindText, let kind = SourceDocument.Kind(rawValue: kindText) else {
                problems.append(Diagnostic(SourceLocation(file: file, position: d.positions.nearestPosition(of: FieldPath([.key("kind")])),
                                                          path: FieldPath([.key("kind")])),
                                           "kind '\(kindText ?? "")' is not a Skein kind",
                                           fix: "use one of \(SourceDocument.Kind.allCases.map(\.rawValue).joined(separator: ", "))"))
                continue
            }
            out.append(SourceDocument(file: file, index: d.index, raw: d.value, positions: d.positions, kind: kind))
        }
        if !problems.isEmpty { throw Diagnostics(problems) }
        return out
    }
}

extension SourceDocument {
    /// A document that did not come from a file: an object read from the API server. It has
    /// no positions, so its problems name the field only; `file` says where it came from.
    public init(object: JSONValue, file: String, kind: Kind) {
        self.init(file: file, index: 0, raw: object, positions: PositionTable(entries: []), kind: kind)
    }
}
