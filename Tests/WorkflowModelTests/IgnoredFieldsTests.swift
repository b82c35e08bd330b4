import Foundation
import Testing
import WorkflowModel

/// Fields Skein accepts but does not act on yet: a warning each, with the field's path and
/// what happens instead; never an error (an Argo workflow must still run).
@Suite struct IgnoredFieldsTests {
    func warnings(_ yaml: String, runtime: IgnoredFields.Runtime = .local) throws -> [String] {
        let docs = try DocumentLoader.load(text: yaml, file: "wf.yaml")
        #expect(Linter.lint(docs).isEmpty, "an ignored field must not be a lint error")
        return IgnoredFields.warnings(docs, runtime: runtime).map { "\($0.location.path.map { "\($0)" } ?? ""): \($0.message)" }
    }

    @Test(arguments: [
        ("", "- name: main\n  memoize: {key: k, cache: {configMap: {name: c}}}\n  container: {image: alpine, command: [echo]}",
         "spec.templates[0].memoize: 'memoize' has no effect in Skein yet: memoization is not implemented: the step runs every time"),
        ("", "- name: main\n  daemon: true\n  container: {image: alpine, command: [echo]}",
         "spec.templates[0].daemon: 'daemon' has no effect in Skein yet: daemon steps are not implemented: the step runs as a normal step and must exit"),
        ("  synchronization: {mutex: {name: m}}", leaf.replacingOccurrences(of: "name: t", with: "name: main"),
         "spec.synchronization: 'synchronization' has no effect in Skein yet: semaphores and mutexes are not implemented; the workflow does not wait for them"),
        ("  priority: 5", leaf.replacingOccurrences(of: "name: t", with: "name: main"),
         "spec.priority: 'priority' has no effect in Skein yet: only {{workflow.priority}} sees it; workflows are not ordered by it"),
        ("", "- name: main\n  container: {image: alpine, command: [echo]}\n  outputs: {artifacts: [{name: a, path: /tmp/a, archive: {zip: {}}}]}",
         "spec.templates[0].outputs.artifacts[0].archive.zip: 'zip' has no effect in Skein yet: artifacts are stored as tar.gz"),
        ("", "- name: main\n  resource: {action: create, flags: [--validate=false], manifest: 'kind: ConfigMap'}",
         "spec.templates[0].resource.flags: 'flags' has no effect in Skein yet: the resource is acted on without kubectl flags"),
    ])
    func eachIgnoredFieldIsNamed(_ spec: String, _ templates: String, _ expected: String) throws {
        #expect(try warnings(wf(templates, spec: spec)) == [expected])
    }

    @Test func sidecarsAreOnlyIgnoredBySkeinRun() throws {
        let yaml = wf("- name: main\n  container: {image: alpine, command: [echo]}\n  sidecars: [{name: db, image: postgres}]")
        #expect(try warnings(yaml, runtime: .local).count == 1)
        #expect(try warnings(yaml, runtime: .cluster).isEmpty)
    }

    @Test func ofArchiveLocationOnlyArchiveLogsIsActedOn() throws {
        let acted = wf("- name: main\n  archiveLocation: {archiveLogs: false}\n  container: {image: alpine, command: [echo]}", spec: "  archiveLogs: true")
        #expect(try warnings(acted).isEmpty)
        let other = wf("- name: main\n  archiveLocation: {archiveLogs: true, s3: {key: k}}\n  container: {image: alpine, command: [echo]}")
        #expect(try warnings(other) == ["spec.templates[0].archiveLocation.s3: 's3' has no effect in Skein yet: artifacts go to the repository the run or the controller was given"])
    }

    @Test func aWorkflowWithoutThemHasNone() throws {
        #expect(try warnings(wf("- name: main\n  container: {image: alpine, command: [echo]}")).isEmpty)
    }
}
