import Foundation
import KubeAPI
import SkeinJSON

/// Request bodies in Kubernetes' protobuf encoding, as typed clients send them (kubectl's
/// `create namespace`, `create configmap`, `create secret generic`, `create serviceaccount`),
/// turned into the JSON object they stand for. Only these kinds and the ObjectMeta fields a
/// create carries are read; anything else is refused with 415.
///
/// The envelope: the magic `k8s\0`, then a `runtime.Unknown` message (1: typeMeta {1:
/// apiVersion, 2: kind}, 2: raw, the object's own message). Field numbers are those of
/// k8s.io/api's generated.proto.
enum ProtobufBody {
    static func decode(_ body: [UInt8]) throws(Status) -> JSONValue {
        guard body.count >= 4, body[0] == 0x6B, body[1] == 0x38, body[2] == 0x73, body[3] == 0 else {
            throw unsupported("the body does not start with Kubernetes' protobuf magic (k8s\\0)")
        }
        do {
            let envelope = try Message(Array(body[4...]))
            let typeMeta = try Message(envelope.bytes(1) ?? [])
            let apiVersion = typeMeta.string(1) ?? ""
            let kind = typeMeta.string(2) ?? ""
            let raw = try Message(envelope.bytes(2) ?? [])
            var o: [String: JSONValue] = ["apiVersion": .string(apiVersion), "kind": .string(kind)]
            o["metadata"] = try objectMeta(Message(raw.bytes(1) ?? []))
            switch (apiVersion, kind) {
            case ("v1", "ConfigMap"):
                if let d = try raw.map(2) { o["data"] = .object(d.mapValues { .string(String(decoding: $0, as: UTF8.self)) }) }
                if let d = try raw.map(3) { o["binaryData"] = .object(d.mapValues { .string(Data($0).base64EncodedString()) }) }
                if let b = raw.varint(4) { o["immutable"] = .bool(b != 0) }
            case ("v1", "Secret"):
                if let d = try raw.map(2) { o["data"] = .object(d.mapValues { .string(Data($0).base64EncodedString()) }) }
                if let t = raw.string(3), !t.isEmpty { o["type"] = .string(t) }
                if let d = try raw.map(4) { o["stringData"] = .object(d.mapValues { .string(String(decoding: $0, as: UTF8.self)) }) }
                if let b = raw.varint(5) { o["immutable"] = .bool(b != 0) }
            case ("v1", "Namespace"):
                let spec = try Message(raw.bytes(2) ?? [])
                let finalizers = spec.strings(1)
                if !finalizers.isEmpty { o["spec"] = ["finalizers": .array(finalizers.map { .string($0) })] }
            case ("v1", "ServiceAccount"):
                let pulls = try raw.messages(3).compactMap { $0.string(1) }
                if !pulls.isEmpty { o["imagePullSecrets"] = .array(pulls.map { ["name": .string($0)] }) }
                if let b = raw.varint(4) { o["automountServiceAccountToken"] = .bool(b != 0) }
            default:
                throw unsupported("skein-sim reads protobuf bodies of v1 ConfigMap, Secret, Namespace and ServiceAccount only, not \\(apiVersion) \\(kind)")
            }
            return .object(o)
        } catch let e as Status {
            throw e
        } catch {
            throw Status.badRequest("the protobuf body cannot be read: \\(error)")
        }
    }

    static func unsupported(_ message: String) -> Status {
        Status(code: 415, reason: "UnsupportedMediaType", message: message + " (with kubectl, use apply -f or create -f)")
    }

    static func objectMeta(_ m: Message) throws -> JSONValue {
        var o: [String: JSONValue] = [:]
        for (field, key) in [(1, "name"), (2, "generateName"), (3, "namespace")] {
            if let s = m.string(field), !s.isEmpty { o[key] = .string(s) }
        }
        if let l = try m.map(11), !l.isEmpty { o["labels"] = .object(l.mapValues { .string(String(decoding: $0, as: UTF8.self)) }) }
        if let a = try m.map(12), !a.isEmpty { o["annotations"] = .object(a.mapValues { .string(String(decoding: $0, as: UTF8.self)) }) }
        let owners = try m.messages(13).map { r -> JSONValue in
            var ref: [String: JSONValue] = [:]
            for (field, key) in [(1, "kind"), (3, "name"), (4, "uid"), (5, "apiVersion")] {
                if let s = r.string(field) { ref[key] = .string(s) }
            }
            if let b = r.varint(6) { ref["controller"] = .bool(b != 0) }
            if let b = r.varint(7) { ref["blockOwnerDeletion"] = .bool(b != 0) }
            return .object(ref)
        }
        if !owners.isEmpty { o["ownerReferences"] = .array(owners) }
        let finalizers = m.strings(14)
        if !finalizers.isEmpty { o["finalizers"] = .array(finalizers.map { .string($0) }) }
        return .object(o)
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    /// One protobuf message's fields: number → the values written for it, in order.
    struct Message {
        enum Value {
            case varint(UInt64)
            case bytes([UInt8])
        }
        var fields: [Int: [Value]] = [:]

        init(_ b: [UInt8]) throws {
            var i = 0
            func varint() throws -> UInt64 {
                var v: UInt64 = 0
                var shift: UInt64 = 0
                while true {
                    guard i < b.count, shift < 64 else { throw Malformed(description: "a varint runs past the end") }
                    let byte = b[i]
                    i += 1
                    v |= UInt64(byte & 0x7F) << shift
                    if byte & 0x80 == 0 { return v }
                    shift += 7
                }
            }
            while i < b.count {
                let key = try varint()
                let field = Int(truncatingIfNeeded: key >> 3)
                switch key & 7 {
                case 0: fields[field, default: []].append(.varint(try varint()))
                case 1: i += 8
                case 5: i += 4
                case 2:
                    let n = try varint()
                    guard n <= UInt64(b.count - i) else { throw Malformed(description: "field \(field) runs past the end") }
                    fields[field, default: []].append(.bytes(Array(b[i..<i + Int(n)])))
                    i += Int(n)
                default:
                    throw Malformed(description: "wire type \(key & 7) of field \(field) is not supported")
                }
            }
            guard i == b.count else { throw Malformed(description: "a fixed-size field runs past the end") }
        }

        func bytes(_ f: Int) -> [UInt8]? {
            if case .bytes(let b)? = fields[f]?.last { return b }
            return nil
        }

        func string(_ f: Int) -> String? { bytes(f).map { String(decoding: $0, as: UTF8.self) } }

        func strings(_ f: Int) -> [String] {
            (fields[f] ?? []).compactMap { if case .bytes(let b) = $0 { String(decoding: b, as: UTF8.self) } else { nil } }
        }

        func varint(_ f: Int) -> UInt64? {
            if case .varint(let v)? = fields[f]?.last { return v }
            return nil
        }

        func messages(_ f: Int) throws -> [Message] {
            try (fields[f] ?? []).compactMap { if case .bytes(let b) = $0 { try Message(b) } else { nil } }
        }

        /// A `map<string, string|bytes>` field: entries with key 1 and value 2.
        func map(_ f: Int) throws -> [String: [UInt8]]? {
            guard fields[f] != nil else { return nil }
            var out: [String: [UInt8]] = [:]
            for entry in try messages(f) { out[entry.string(1) ?? ""] = entry.bytes(2) ?? [] }
            return out
        }
    }
}
