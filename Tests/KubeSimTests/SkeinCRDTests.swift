import Foundation
import KubeSim
import SkeinJSON
import SkeinTestSupport
import Testing

/// Skein's own CRDs (`crds/`) through real kubectl: they install, Workflows are stored with
/// their short name, and `kubectl get wf` prints the columns with the status values.
@Suite(.serialized) struct SkeinCRDTests {
    @Test func crdsInstallAndPrinterColumnsShowStatus() async throws {
        guard kubectlAvailable() else { return }
        try await withCluster { c in
            let applied = try await c.kubectl(["apply", "-f", Binaries.packageRoot + "/crds/"])
            #expect(applied.status == 0, "\(applied.stderr)")
            for plural in ["workflows", "workflowtemplates", "clusterworkflowtemplates", "cronworkflows", "workflowtaskresults"] {
                #expect(applied.stdout.contains("customresourcedefinition.apiextensions.k8s.io/\(plural).skein.dev created"))
            }
            let wf = try await c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: skein.dev/v1alpha1
                kind: Workflow
                metadata: {name: hello}
                spec:
                  entrypoint: main
                  templates:
                  - name: main
                    container: {image: alpine, command: [echo, hi]}
                """)
            #expect(wf.status == 0, "\(wf.stderr)")
            let patched = try await c.kubectl(["patch", "wf", "hello", "--subresource=status", "--type=merge", "-p",
                                               #"{"status":{"phase":"Failed","duration":"12s","progress":"0/1","message":"child 'main' failed"}}"#])
            #expect(patched.status == 0, "\(patched.stderr)")
            let table = try await c.kubectl(["get", "wf"])
            #expect(table.status == 0, "\(table.stderr)")
            let lines = table.stdout.split(separator: "\n").map(String.init)
            let header = lines.first?.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            #expect(header == ["NAME", "STATUS", "AGE", "DURATION", "PROGRESS", "MESSAGE"], "\(table.stdout)")
            let row = lines.dropFirst().first ?? ""
            #expect(row.hasPrefix("hello") && row.contains("Failed") && row.contains("12s") && row.contains("0/1")
                    && row.contains("child 'main' failed"), "\(table.stdout)")
            // The other kinds answer to their short names.
            #expect(try await c.kubectl(["get", "wftmpl"]).status == 0)
            #expect(try await c.kubectl(["get", "cwftmpl"]).status == 0)
            #expect(try await c.kubectl(["get", "cwf"]).status == 0)
        }
    }
}
