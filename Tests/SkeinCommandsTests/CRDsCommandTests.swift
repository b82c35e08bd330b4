import Foundation
import SkeinTestSupport
import Testing
import WorkflowModel

@Suite struct CRDsCommandTests {
    @Test func crdsFolderIsWhatTheCommandWrites() throws {
        let cli = try SkeinCLI()
        let out = cli.workDirectory + "/generated"
        let r = try cli.run(["crds", "--write", out])
        #expect(r.status == 0, "\(r.stderr)")
        let repo = Binaries.packageRoot + "/crds"
        let committed = try FileManager.default.contentsOfDirectory(atPath: repo).sorted()
        let generated = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(committed == generated)
        for f in generated {
            let a = try String(contentsOfFile: "\(repo)/\(f)", encoding: .utf8)
            let b = try String(contentsOfFile: "\(out)/\(f)", encoding: .utf8)
            #expect(a == b, "crds/\(f) is out of date: run `swift run skein crds --write crds`")
        }
    }

    @Test func printsEveryKindWithShortNamesStatusAndColumns() throws {
        let r = try SkeinCLI().run(["crds", "--group", "example.org"])
        #expect(r.status == 0)
        let docs = try YAMLLoader.load(r.stdout, file: "crds")
        let byKind = Dictionary(uniqueKeysWithValues: docs.map { ($0.value["spec"]?["names"]?["kind"]?.stringValue ?? "", $0.value) })
        #expect(Set(byKind.keys) == ["Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow", "WorkflowTaskResult"])
        let wf = try #require(byKind["Workflow"])
        #expect(wf["metadata"]?["name"] == "workflows.example.org")
        #expect(wf["spec"]?["group"] == "example.org")
        #expect(wf["spec"]?["names"]?["shortNames"] == ["wf"])
        let v = try #require(wf["spec"]?["versions"]?[0])
        #expect(v["subresources"]?["status"] == [:])
        let columns = v["additionalPrinterColumns"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(columns == ["Status", "Age", "Duration", "Progress", "Message"])
        #expect(byKind["ClusterWorkflowTemplate"]?["spec"]?["scope"] == "Cluster")
        #expect(byKind["WorkflowTemplate"]?["spec"]?["names"]?["shortNames"] == ["wftmpl"])
        #expect(byKind["CronWorkflow"]?["spec"]?["names"]?["shortNames"]?[0] == "cwf")
        // Structural: every object level has a type.
        func checkTyped(_ s: JSONValue, _ path: String) {
            #expect(s["type"] != nil || s["x-kubernetes-preserve-unknown-fields"] == true, "untyped schema at \(path)")
            for (k, p) in s["properties"]?.objectValue ?? [:] { checkTyped(p, path + "." + k) }
            if let items = s["items"] { checkTyped(items, path + "[]") }
        }
        for (kind, d) in byKind { checkTyped(d["spec"]?["versions"]?[0]?["schema"]?["openAPIV3Schema"] ?? .null, kind) }
    }
}
