import Testing
import WorkflowModel

@Suite struct YAMLLoaderTests {
    func one(_ text: String) throws -> JSONValue {
        let docs = try YAMLLoader.load(text, file: "t.yaml")
        try #require(docs.count == 1)
        return docs[0].value
    }

    @Test(arguments: [
        ("a: true", JSONValue.bool(true)), ("a: yes", .bool(true)), ("a: Off", .bool(false)),
        ("a: ~", .null), ("a: null", .null), ("a:", .null),
        ("a: 12", .int(12)), ("a: -3", .int(-3)), ("a: 0x1F", .int(31)), ("a: 0o17", .int(15)), ("a: 1_000", .int(1000)),
        ("a: 1.5", .double(1.5)), ("a: 1e3", .double(1000)), ("a: .inf", .double(.infinity)),
        ("a: '12'", .string("12")), ("a: \"true\"", .string("true")), ("a: !!str 12", .string("12")),
        ("a: !!int \"7\"", .int(7)), ("a: hello world", .string("hello world")), ("a: 1.2.3", .string("1.2.3")),
        ("a: 2024-01-01", .string("2024-01-01")),
    ])
    func scalarsFollowKubernetesRules(_ text: String, _ expected: JSONValue) throws {
        #expect(try one(text)["a"] == expected)
    }

    @Test func blockScalarsKeepTheirText() throws {
        let v = try one("a: |\n  line 1\n  line 2\nb: >-\n  folded\n  text\n")
        #expect(v["a"] == .string("line 1\nline 2\n"))
        #expect(v["b"] == .string("folded text"))
    }

    @Test func anchorsAliasesAndMergeKeys() throws {
        let v = try one("""
        base: &base {image: alpine, command: [sh]}
        other: &other {image: debian, env: prod}
        a: *base
        b:
          <<: [*base, *other]
          image: busybox
        """)
        #expect(v["a"] == v["base"])
        #expect(v["b"]?["image"] == .string("busybox"))  // explicit keys win
        #expect(v["b"]?["command"] == .array([.string("sh")]))
        #expect(v["b"]?["env"] == .string("prod"))
        #expect(v["b"]?["<<"] == nil)
    }

    @Test func multipleDocumentsAndEmptyOnesSkipped() throws {
        let docs = try YAMLLoader.load("a: 1\n---\n---\n# only a comment\n---\nb: 2\n", file: "m.yaml")
        #expect(docs.map(\.value) == [["a": 1], ["b": 2]])
        #expect(docs.map(\.index) == [0, 3])
    }

    @Test func positionsPointAtKeysAndItems() throws {
        let docs = try YAMLLoader.load("spec:\n  templates:\n    - name: a\n    - name: b\n      container: {}\n", file: "p.yaml")
        let pos = docs[0].positions
        #expect(pos.position(of: FieldPath() / "spec" / "templates" / 1 / "container") == SourcePosition(line: 5, column: 7))
        #expect(pos.position(of: FieldPath() / "spec" / "templates" / 0) == SourcePosition(line: 3, column: 7))
        #expect(pos.nearestPosition(of: FieldPath() / "spec" / "templates" / 1 / "container" / "image") == SourcePosition(line: 5, column: 7))
    }

    /// Positions through aliases and `<<` merges point where the content was written.
    @Test func positionsThroughAliasesAndMerges() throws {
        let docs = try YAMLLoader.load("""
        base: &base {image: alpine, command: [sh]}
        &k key: 1
        b:
          <<: *base
          image: busybox
        c: [*base, *k]
        d:
          <<: [{x: 1}, *base]
        """, file: "p.yaml")
        let pos = docs[0].positions
        func at(_ path: FieldPath) -> String? { pos.position(of: path).map { "\($0.line):\($0.column)" } }
        #expect(at(FieldPath() / "b" / "command") == "1:29")
        #expect(at(FieldPath() / "b" / "command" / 0) == "1:39")
        #expect(at(FieldPath() / "b" / "image") == "5:3")
        #expect(at(FieldPath() / "b" / "<<") == nil)
        #expect(pos.nearestPosition(of: FieldPath() / "b" / "<<") == SourcePosition(line: 3, column: 1))
        #expect(at(FieldPath() / "c" / 0) == "1:7")
        #expect(at(FieldPath() / "c" / 0 / "image") == "1:14")
        #expect(at(FieldPath() / "c" / 1) == "2:1")  // an anchored key starts at its anchor
        #expect(at(FieldPath() / "c" / 2) == nil)
        #expect(at(FieldPath() / "d" / "x") == "8:9")
        #expect(at(FieldPath() / "d" / "image") == "1:14")
        #expect(at(FieldPath() / "key") == "2:1")
        #expect(pos.nearestPosition(of: FieldPath() / "b" / "command" / 3) == SourcePosition(line: 1, column: 29))
    }

    @Test(arguments: [
        ("a: 1\na: 2\n", "duplicate key 'a'", 2, nil as String?),
        ("a:\n\t- b\n", "malformed YAML", 2, "tabs"),
        ("a: [1, 2\n", "malformed YAML", 2, nil),
        ("a: *nowhere\n", "refers to no anchor", 1, nil),
        ("a: b: c\n", "mapping values are not allowed", 1, "quote"),
        ("a: !!int abc\n", "not a valid !!int", 1, nil),
        ("b: &x [1]\na:\n  <<: *x\n", "'<<' merges mappings", 3, nil),
    ])
    func badYAMLNamesTheLine(_ text: String, _ message: String, _ line: Int, _ fix: String?) {
        #expect {
            _ = try YAMLLoader.load(text, file: "bad.yaml")
        } throws: { error in
            guard let d = error as? Diagnostic else { return false }
            return d.message.contains(message) && d.location.file == "bad.yaml" && d.location.position?.line == line
                && (fix == nil || d.fix?.contains(fix!) == true)
        }
    }

    @Test func writerOutputReadsBackTheSame() throws {
        let value: JSONValue = [
            "name": "x", "n": 3, "pi": 1.5, "flag": true, "nothing": .null, "empty": [:], "list": [],
            "tricky": ["yes", "012", "a: b", " padded", "#hash", "", "- dash", "true", "1e3", "null", "x #y"],
            "script": "echo one\n  indented\necho two\n", "noNewline": "a\nb",
            "nested": ["deep": [["k": "v", "l": [1, 2]], [[1], [2]]]],
        ]
        let text = value.yamlText()
        let back = try YAMLLoader.load(text, file: "w.yaml")
        #expect(back.first?.value == value, "\(text)")
        #expect(text.contains("script: |\n"))
    }
}
