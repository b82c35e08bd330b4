import Artifacts
import Foundation
import KubeAPI
public import SkeinJSON

/// Large node maps go into `status.compressedNodes` (base64 of gzipped JSON, as Argo
/// stores them) so that a workflow of thousands of steps stays well under etcd's object
/// size limit (1.5 MiB by default). Readers put `nodes` back before using the status.
public enum NodeCompression {
    /// Node maps whose JSON is larger than this are compressed.
    static let threshold = 256 * 1024

    static func compress(_ status: JSONValue) -> JSONValue {
        guard case .object(var o) = status, let nodes = o["nodes"] else { return status }
        let text = nodes.compactJSON
        guard text.utf8.count > threshold, let packed = try? Gzip.compress(Array(text.utf8)) else { return status }
        o["nodes"] = nil
        o["compressedNodes"] = .string(Data(packed).base64EncodedString())
        return .object(o)
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The object with `status.nodes` restored from `status.compressedNodes`.
    public static func expand(_ object: JSONValue) throws(Failure) -> JSONValue {
        guard let packed = object["status"]?["compressedNodes"]?.stringValue else { return object }
        guard let data = Data(base64Encoded: packed) else { throw Failure(description: "status.compressedNodes is not base64") }
        let nodes: JSONValue
        do {
            nodes = try JSONValue.parseJSON(String(decoding: try Gzip.decompress(Array(data)), as: UTF8.self))
        } catch {
            throw Failure(description: "status.compressedNodes cannot be read: \(error)")
        }
        var out = object
        out.set(path: ["status", "compressedNodes"], to: nil)
        out.set(path: ["status", "nodes"], to: nodes)
        return out
    }
}
