import Foundation
import SkeinTestSupport
import Testing
@testable import WorkflowModel

/// The model types are read by hand (`ValueDecodable`) for speed; their synthesized `Decodable`
/// conformances stay and define what reading means. These tests read the same values both
/// ways, valid and broken, and require the same result: the same value, or the same error
/// (same field path, same message).
@Suite struct HandDecodingTests {
    enum Outcome<T: Equatable>: Equatable, CustomStringConvertible {
        case value(T)
        case failure(String)

        var description: String {
            switch self {
            case .value: return "a value"
            case .failure(let e): return "error \(e)"
            }
        }
    }

    static func both<T: Decodable & Equatable>(_ type: T.Type, _ value: JSONValue) -> (hand: Outcome<T>, codable: Outcome<T>) {
        func run(_ body: () throws(ModelDecodingError) -> T) -> Outcome<T> {
            do {
                return .value(try body())
            } catch {
                return .failure("\(error.path): \(error.message)")
            }
        }
        let decoder = JSONValueDecoder()
        return (run { () throws(ModelDecodingError) in try decoder.decode(T.self, from: value) },
                run { () throws(ModelDecodingError) in try decoder.decodeCodable(T.self, from: value) })
    }

    static func expectSame<T: Decodable & Equatable>(_ type: T.Type, _ value: JSONValue, _ what: @autoclosure () -> String,
                                                     sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let (hand, codable) = both(type, value)
        #expect(hand == codable, "\(T.self) from \(what()): read by hand gives \(hand), through Codable \(codable)",
                sourceLocation: sourceLocation)
    }

    /// A map that satisfies every required field of every model type.
    static let full: [String: JSONValue] = [
        "name": "n", "template": "t", "url": "u", "data": "d", "value": "v", "tasks": [],
        "apiVersion": "a", "kind": "k", "metadata": [:], "spec": ["workflowSpec": [:]], "workflowSpec": [:],
    ]

    /// One value of every shape the fields take, and a few that are wrong for most of them.
    static let candidates: [JSONValue] = [
        "s", 7, -1, 2.0, 1e15, 2.5, .double(.infinity), true, false, .null, [], ["s"], [1, "x", true], [.object(full)],
        [[.object(full)]], [["s"]], .object(full), ["k": "v"], ["k": .object(full)], ["k": 1], ["k": ["s"]],
    ]

    static func checkEveryField<T: Decodable & Equatable>(_ type: T.Type) throws {
        let base = try JSONValueDecoder().decodeCodable(T.self, from: .object(full))
        let names = Mirror(reflecting: base).children.compactMap(\.label)
        #expect(!names.isEmpty)
        for name in names {
            var without = full
            without[name] = nil
            expectSame(T.self, JSONValue.object(without), "the required map without '\(name)'")
            for c in candidates {
                var with = full
                with[name] = c
                expectSame(T.self, JSONValue.object(with), "'\(name)' set to \(c.compactJSON)")
            }
        }
        // Every field wrong at once: the first one in declaration order is reported. Putting
        // that one right and reading again walks the whole order.
        for bad in [JSONValue.array([[1]]), "s"] {
            var object = full
            for name in names { object[name] = bad }
            for _ in 0...names.count {
                let (hand, codable) = both(T.self, .object(object))
                #expect(hand == codable, "\(T.self) with every field \(bad.compactJSON): read by hand gives \(hand), through Codable \(codable)")
                guard hand == codable, case .failure(let text) = codable,
                      let name = names.first(where: { text.hasPrefix($0 + ":") || text.hasPrefix($0 + ".") || text.hasPrefix($0 + "[") })
                else { break }
                object[name] = full[name]
            }
        }
        // Not a map at all.
        for c in candidates where c.objectValue == nil { expectSame(T.self, c, c.compactJSON) }
    }

    /// Every stored field, set to values of every shape: a field the hand-written reader
    /// forgot, or reads with other rules, shows up here.
    @Test func everyFieldReadsAsThroughCodable() throws {
        try Self.checkEveryField(Workflow.self)
        try Self.checkEveryField(WorkflowTemplate.self)
        try Self.checkEveryField(CronWorkflow.self)
        try Self.checkEveryField(CronWorkflowSpec.self)
        try Self.checkEveryField(WorkflowSpec.self)
        try Self.checkEveryField(WorkflowTemplateRef.self)
        try Self.checkEveryField(ObjectMeta.self)
        try Self.checkEveryField(Template.self)
        try Self.checkEveryField(SuspendTemplate.self)
        try Self.checkEveryField(Parameter.self)
        try Self.checkEveryField(ValueFrom.self)
        try Self.checkEveryField(Arguments.self)
        try Self.checkEveryField(Inputs.self)
        try Self.checkEveryField(Outputs.self)
        try Self.checkEveryField(RetryStrategy.self)
        try Self.checkEveryField(RetryStrategy.Backoff.self)
        try Self.checkEveryField(TemplateRef.self)
        try Self.checkEveryField(ContinueOn.self)
        try Self.checkEveryField(WorkflowModel.Sequence.self)
        try Self.checkEveryField(LifecycleHook.self)
        try Self.checkEveryField(WorkflowStep.self)
        try Self.checkEveryField(DAGTemplate.self)
        try Self.checkEveryField(Artifact.self)
        try Self.checkEveryField(ArchiveStrategy.self)
        try Self.checkEveryField(ArchiveStrategy.TarStrategy.self)
        try Self.checkEveryField(RawArtifact.self)
        try Self.checkEveryField(HTTPArtifact.self)
        try Self.checkEveryField(HTTPArtifact.Header.self)
        for c in Self.candidates {
            Self.expectSame(StepGroup.self, c, c.compactJSON)
            Self.expectSame([StepGroup].self, JSONValue.array([c]), "[\(c.compactJSON)]")
            Self.expectSame(AnyString.self, c, c.compactJSON)
            Self.expectSame([AnyString].self, JSONValue.array([c, c]), "[\(c.compactJSON)]")
            Self.expectSame(IntOrString.self, c, c.compactJSON)
        }
    }

    /// A status whose enum holds an unknown phase fails inside Codable's own machinery; the
    /// message is Codable's, from the document root, as before.
    @Test func aStatusErrorIsReportedAsBefore() {
        let doc: JSONValue = ["apiVersion": "a", "kind": "Workflow", "metadata": [:], "spec": [:],
                              "status": ["phase": "Sideways", "nodes": ["x": ["id": "x"]]]]
        Self.expectSame(Workflow.self, doc, "a workflow with a bad status phase")
        var good = doc
        if case .object(var o) = doc {
            o["status"] = ["phase": "Running", "startedAt": "2026-01-02T15:04:05Z"]
            good = .object(o)
        }
        Self.expectSame(Workflow.self, good, "a workflow with a status")
        if case .value(let w) = Self.both(Workflow.self, good).hand { #expect(w.status?.phase == .running) }
    }

    static var documents: [(String, SourceDocument)] {
        var files: [String] = []
        for dir in [Binaries.packageRoot + "/examples", Binaries.packageRoot + "/../shared/argo-examples"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            files += names.filter { $0.hasSuffix(".yaml") }.sorted().map { dir + "/" + $0 }
        }
        var out: [(String, SourceDocument)] = []
        for f in files {
            guard let docs = try? DocumentLoader.load(file: f) else { continue }
            out += docs.map { (URL(fileURLWithPath: f).lastPathComponent, $0) }
        }
        return out
    }

    static func checkDocument(_ raw: JSONValue, kind: SourceDocument.Kind, _ what: @autoclosure () -> String) {
        switch kind {
        case .workflow: expectSame(Workflow.self, raw, what())
        case .workflowTemplate, .clusterWorkflowTemplate: expectSame(WorkflowTemplate.self, raw, what())
        case .cronWorkflow: expectSame(CronWorkflow.self, raw, what())
        }
        expectSame(WorkflowSpec.self, raw["spec"] ?? .null, what() + " (spec)")
    }

    /// Real documents, then the same documents with one value replaced by another shape or
    /// one key removed, a few hundred times over (a fixed seed, so failures repeat).
    @Test func documentsAndBrokenDocumentsReadAsThroughCodable() {
        let docs = Self.documents
        #expect(docs.count >= 10)
        var rng = SplitMix(seed: 2026)
        for (file, d) in docs {
            Self.checkDocument(d.raw, kind: d.kind, file)
            let paths = Self.paths(in: d.raw)
            for _ in 0..<8 {
                let path = paths[Int(rng.next() % UInt64(paths.count))]
                let roll = Int(rng.next() % UInt64(Self.candidates.count + 1))
                let replacement: JSONValue? = roll < Self.candidates.count ? Self.candidates[roll] : nil
                let broken = Self.replacing(d.raw, at: path[...], with: replacement)
                Self.checkDocument(broken, kind: d.kind,
                                   "\(file) with \(FieldPath(path)) \(replacement.map { "set to \($0.compactJSON)" } ?? "removed")")
            }
        }
    }

    static func paths(in v: JSONValue, _ prefix: [FieldPath.Component] = []) -> [[FieldPath.Component]] {
        var out = prefix.isEmpty ? [] : [prefix]
        switch v {
        case .object(let o):
            for k in o.keys.sorted() { out += paths(in: o[k]!, prefix + [.key(k)]) }
        case .array(let a):
            for (i, item) in a.enumerated() { out += paths(in: item, prefix + [.index(i)]) }
        default:
            break
        }
        return out
    }

    /// The value with the node at `path` replaced (or, with nil, removed from its map or list).
    static func replacing(_ v: JSONValue, at path: ArraySlice<FieldPath.Component>, with new: JSONValue?) -> JSONValue {
        guard let first = path.first else { return new ?? .null }
        let rest = path.dropFirst()
        switch (first, v) {
        case (.key(let k), .object(var o)):
            if rest.isEmpty, new == nil {
                o[k] = nil
            } else if let child = o[k] {
                o[k] = replacing(child, at: rest, with: new)
            }
            return .object(o)
        case (.index(let i), .array(var a)) where a.indices.contains(i):
            if rest.isEmpty, new == nil {
                a.remove(at: i)
            } else {
                a[i] = replacing(a[i], at: rest, with: new)
            }
            return .array(a)
        default:
            return v
        }
    }
}

/// A small fixed-seed generator (SplitMix64), so a failing case repeats.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
