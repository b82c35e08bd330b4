import KubeAPI
import SkeinJSON
import Testing

private func json(_ s: String) throws -> JSONValue { try JSONValue.parseJSON(s) }

@Suite struct MergePatchTests {
    // The examples of RFC 7386, appendix A.
    @Test(arguments: [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, #"null"#, #"null"#),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"a":1,"e":null}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ])
    func rfcExamples(target: String, patch: String, result: String) throws {
        #expect(MergePatch.apply(try json(patch), to: try json(target)).compactJSON == result)
    }

    @Test func diffRoundTrips() throws {
        let a = try json(#"{"a":1,"b":{"c":2,"d":3},"e":[1]}"#)
        let b = try json(#"{"a":1,"b":{"c":5},"e":[2],"f":true}"#)
        let d = MergePatch.diff(from: a, to: b)
        #expect(d.compactJSON == #"{"b":{"c":5,"d":null},"e":[2],"f":true}"#)
        #expect(MergePatch.apply(d, to: a) == b)
    }
}

@Suite struct JSONPatchTests {
    func apply(_ patch: String, _ doc: String) throws -> String {
        try JSONPatch.apply(try json(patch), to: try json(doc)).compactJSON
    }

    @Test func operations() throws {
        #expect(try apply(#"[{"op":"add","path":"/baz","value":"qux"}]"#, #"{"foo":"bar"}"#) == #"{"baz":"qux","foo":"bar"}"#)
        #expect(try apply(#"[{"op":"add","path":"/foo/1","value":"qux"}]"#, #"{"foo":["bar","baz"]}"#) == #"{"foo":["bar","qux","baz"]}"#)
        #expect(try apply(#"[{"op":"add","path":"/foo/-","value":3}]"#, #"{"foo":[1,2]}"#) == #"{"foo":[1,2,3]}"#)
        #expect(try apply(#"[{"op":"remove","path":"/foo/1"}]"#, #"{"foo":["bar","qux","baz"]}"#) == #"{"foo":["bar","baz"]}"#)
        #expect(try apply(#"[{"op":"replace","path":"/baz","value":"boo"}]"#, #"{"baz":"qux","foo":"bar"}"#) == #"{"baz":"boo","foo":"bar"}"#)
        #expect(try apply(#"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#,
                          #"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#)
            == #"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#)
        #expect(try apply(#"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#, #"{"foo":["all","grass","cows","eat"]}"#)
            == #"{"foo":["all","cows","eat","grass"]}"#)
        #expect(try apply(#"[{"op":"copy","from":"/a","path":"/b"}]"#, #"{"a":{"x":1}}"#) == #"{"a":{"x":1},"b":{"x":1}}"#)
        #expect(try apply(#"[{"op":"test","path":"/a","value":1.0},{"op":"add","path":"/b","value":2}]"#, #"{"a":1}"#) == #"{"a":1,"b":2}"#)
        // Escaped pointer tokens: ~1 is "/", ~0 is "~".
        #expect(try apply(#"[{"op":"replace","path":"/metadata/labels/skein.dev~1wf","value":"y"},{"op":"add","path":"/m~0n","value":1}]"#,
                          #"{"metadata":{"labels":{"skein.dev/wf":"x"}}}"#)
            == #"{"metadata":{"labels":{"skein.dev/wf":"y"}},"m~n":1}"#)
    }

    @Test func errorsStopThePatch() throws {
        func error(_ patch: String, _ doc: String) -> String? {
            do { _ = try apply(patch, doc); return nil } catch let e as PatchError { return e.message } catch { return "\(error)" }
        }
        #expect(error(#"[{"op":"test","path":"/a","value":2}]"#, #"{"a":1}"#) == "operation 0 (test): /a is 1, not 2")
        #expect(error(#"[{"op":"add","path":"/b","value":1},{"op":"remove","path":"/zz"}]"#, #"{}"#) == "operation 1: \"zz\" does not exist")
        #expect(error(#"[{"op":"replace","path":"/x","value":1}]"#, #"{}"#) == "operation 0 (replace): /x does not exist")
        #expect(error(#"[{"op":"add","path":"/a/5","value":1}]"#, #"{"a":[]}"#) == "operation 0: index 5 is out of range for a list of 0")
        #expect(error(#"[{"op":"move","from":"/a","path":"/a/b"}]"#, #"{"a":{}}"#)?.contains("its own child") == true)
        #expect(error(#"[{"op":"frob","path":"/a"}]"#, #"{}"#)?.contains("unknown op") == true)
        #expect(error(#"{"op":"add"}"#, #"{}"#) == "a JSON patch must be a list of operations")
        #expect(error(#"[{"op":"add","path":"/a"}]"#, #"{}"#) == "operation 0 (add /a): missing \"value\"")
    }
}

@Suite struct StrategicMergePatchTests {
    let pod = #"""
    {"metadata":{"name":"p","finalizers":["a"],"labels":{"x":"1"}},
     "spec":{"containers":[{"name":"main","image":"alpine","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
                            "ports":[{"containerPort":80,"name":"http"}]},
                           {"name":"side","image":"busybox"}],
             "volumes":[{"name":"v1","emptyDir":{}}],"tolerations":[{"key":"t1"}]}}
    """#

    func apply(_ patch: String) throws -> JSONValue {
        try StrategicMergePatch.apply(try json(patch), to: try json(pod))
    }

    @Test func keyedListsMergeByName() throws {
        let r = try apply(#"{"spec":{"containers":[{"name":"main","image":"alpine:3","env":[{"name":"B","value":"two"},{"name":"C","value":"3"}]}]}}"#)
        let main = r["spec"]?["containers"]?[0]
        #expect(main?["image"] == "alpine:3")
        #expect(main?["env"]?.compactJSON == #"[{"name":"A","value":"1"},{"name":"B","value":"two"},{"name":"C","value":"3"}]"#)
        #expect(r["spec"]?["containers"]?[1]?["name"] == "side")
        // A list without a merge key is replaced.
        let t = try apply(#"{"spec":{"tolerations":[{"key":"t2"}]}}"#)
        #expect(t["spec"]?["tolerations"]?.compactJSON == #"[{"key":"t2"}]"#)
        // Ports merge by containerPort.
        let p = try apply(#"{"spec":{"containers":[{"name":"main","ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443}]}]}}"#)
        #expect(p["spec"]?["containers"]?[0]?["ports"]?.compactJSON == #"[{"containerPort":80,"name":"http","protocol":"TCP"},{"containerPort":443}]"#)
    }

    @Test func directives() throws {
        let d = try apply(#"{"spec":{"containers":[{"name":"side","$patch":"delete"}],"volumes":[{"$patch":"replace"},{"name":"v2"}]}}"#)
        #expect(d["spec"]?["containers"]?.arrayValue?.count == 1)
        #expect(d["spec"]?["volumes"]?.compactJSON == #"[{"name":"v2"}]"#)
        let r = try apply(#"{"metadata":{"labels":{"$patch":"replace","y":"2"}}}"#)
        #expect(r["metadata"]?["labels"]?.compactJSON == #"{"y":"2"}"#)
        let del = try apply(#"{"spec":{"volumes":null},"metadata":{"labels":{"$patch":"delete"}}}"#)
        #expect(del["spec"]?["volumes"] == nil)
        #expect(del["metadata"]?["labels"] == nil)
        let retain = try apply(#"{"spec":{"$retainKeys":["containers"],"containers":[{"name":"main","image":"x"}]}}"#)
        #expect(retain["spec"]?.objectValue?.keys.sorted() == ["containers"])
        let order = try apply(#"{"spec":{"$setElementOrder/containers":[{"name":"side"},{"name":"main"}],"containers":[{"name":"main","image":"y"}]}}"#)
        #expect(order["spec"]?["containers"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["side", "main"])
        #expect(order["spec"]?["$setElementOrder/containers"] == nil)
    }

    @Test func finalizersAreASet() throws {
        let r = try apply(#"{"metadata":{"finalizers":["b","a"]}}"#)
        #expect(r["metadata"]?["finalizers"]?.compactJSON == #"["a","b"]"#)
        let d = try apply(#"{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}"#)
        #expect(d["metadata"]?["finalizers"]?.compactJSON == #"[]"#)
    }

    @Test func errors() throws {
        #expect(throws: PatchError.self) { try apply(#"[1]"#) }
        #expect(throws: PatchError.self) { try apply(#"{"spec":{"containers":[{"$patch":"delete","image":"x"}]}}"#) }
        #expect(throws: PatchError.self) { try apply(#"{"metadata":{"$patch":"frob"}}"#) }
    }

    @Test func serverSideApplyMergesKeyedLists() throws {
        let live = try json(pod)
        let applied = try json(#"{"metadata":{"labels":{"z":"9"}},"spec":{"containers":[{"name":"side","image":"busybox:1"}],"tolerations":[]}}"#)
        let r = ServerSideApply.apply(applied, to: live, keyedLists: true)
        #expect(r["metadata"]?["labels"]?.compactJSON == #"{"x":"1","z":"9"}"#)
        #expect(r["spec"]?["containers"]?.arrayValue?.count == 2)
        #expect(r["spec"]?["containers"]?[1]?["image"] == "busybox:1")
        #expect(r["spec"]?["tolerations"]?.compactJSON == "[]")
        let atomic = ServerSideApply.apply(applied, to: live, keyedLists: false)
        #expect(atomic["spec"]?["containers"]?.arrayValue?.count == 1)
    }
}
