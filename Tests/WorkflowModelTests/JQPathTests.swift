import Testing
import WorkflowModel

/// `valueFrom.jqFilter` of resource outputs: jq's paths, as `jq -rc` prints them.
@Suite struct JQPathTests {
    let object: JSONValue = [
        "metadata": ["name": "job-1", "labels": ["app.kubernetes.io/name": "batch"]],
        "spec": ["completions": 3],
        "items": [["n": 1], ["n": 2]],
        "status": ["succeeded": 1, "conditions": [["type": "Complete"]]],
    ]

    func run(_ filter: String) throws -> String { try JQPath(parsing: filter).evaluate(object) }

    @Test func pathsPrintAsJQDoes() throws {
        #expect(try run(".metadata.name") == "job-1")
        #expect(try run(".spec.completions") == "3")
        #expect(try run(".metadata.labels[\"app.kubernetes.io/name\"]") == "batch")
        #expect(try run(".metadata.\"labels\"") == #"{"app.kubernetes.io/name":"batch"}"#)
        #expect(try run(".items[1].n") == "2")
        #expect(try run(".items[-1]") == #"{"n":2}"#)
        #expect(try run(".status.conditions[0].type") == "Complete")
        #expect(try run(".status.missing") == "null")
        #expect(try run(".items | length") == "2")
        #expect(try run(".metadata | keys") == #"["labels","name"]"#)
        #expect(try run(".") == object.compactJSON)
        #expect(try run(".metadata.name.first?") == "")
    }

    @Test func unsupportedFiltersAndBadTypesSayWhy() {
        func failure(_ f: String) -> String {
            do {
                return try run(f)
            } catch {
                return "\(error)"
            }
        }
        #expect(failure("metadata.name").contains("a filter starts with '.'"))
        #expect(failure(".items | map(.n)").contains("'| map(.n)' is not supported"))
        #expect(failure(".items[x]").contains("expected an index like [0]"))
        #expect(failure(".metadata.name.first").contains("cannot index string with \"first\""))
        #expect(failure(".spec.completions | keys").contains("number has no keys"))
        // Lint reports it at its field.
        let problems = lint("""
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata: {generateName: jq-}
            spec:
              entrypoint: main
              templates:
                - name: main
                  resource:
                    action: get
                    manifest: "apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: x}"
                  outputs:
                    parameters:
                      - name: data
                        valueFrom: {jqFilter: ".data | to_entries"}
            """)
        #expect(problems.count == 1 && problems.first?.message.contains("'| to_entries' is not supported") == true, "\(problems)")
        #expect(problems.first?.description.contains("valueFrom.jqFilter") == true, "\(problems)")
    }
}
