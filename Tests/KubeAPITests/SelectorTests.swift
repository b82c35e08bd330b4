import KubeAPI
import SkeinJSON
import Testing

@Suite struct LabelSelectorTests {
    let labels = ["app": "web", "tier": "front", "env": "prod"]

    @Test func equalityAndInequality() throws {
        #expect(try LabelSelector(parsing: "app=web").matches(labels))
        #expect(try LabelSelector(parsing: "app==web").matches(labels))
        #expect(try !LabelSelector(parsing: "app=db").matches(labels))
        #expect(try LabelSelector(parsing: "app!=db").matches(labels))
        #expect(try !LabelSelector(parsing: "app!=web").matches(labels))
        // != also matches objects without the key.
        #expect(try LabelSelector(parsing: "missing!=x").matches(labels))
        #expect(try LabelSelector(parsing: " app = web , tier = front ").matches(labels))
        #expect(try !LabelSelector(parsing: "app=web,tier=back").matches(labels))
    }

    @Test func setBasedAndExistence() throws {
        #expect(try LabelSelector(parsing: "env in (prod, staging)").matches(labels))
        #expect(try !LabelSelector(parsing: "env in (dev)").matches(labels))
        #expect(try !LabelSelector(parsing: "missing in (a)").matches(labels))
        #expect(try LabelSelector(parsing: "env notin (dev,test)").matches(labels))
        #expect(try LabelSelector(parsing: "missing notin (dev)").matches(labels))
        #expect(try !LabelSelector(parsing: "env notin (prod)").matches(labels))
        #expect(try LabelSelector(parsing: "app").matches(labels))
        #expect(try !LabelSelector(parsing: "nope").matches(labels))
        #expect(try LabelSelector(parsing: "!nope").matches(labels))
        #expect(try !LabelSelector(parsing: "!app").matches(labels))
        #expect(try LabelSelector(parsing: "skein.dev/workflow").matches(["skein.dev/workflow": "w"]))
        let s = try LabelSelector(parsing: "a in (x,y),!b,c")
        #expect(s.requirements == [.in("a", ["x", "y"]), .doesNotExist("b"), .exists("c")])
        #expect(s.description == "a in (x,y),!b,c")
        #expect(try LabelSelector(parsing: "").isEverything)
        #expect(try LabelSelector(parsing: "a=").matches(["a": ""]))
    }

    @Test func parseErrorsSayWhere() {
        func error(_ s: String) -> SelectorError? {
            do { _ = try LabelSelector(parsing: s); return nil } catch { return error }
        }
        #expect(error("app=web,")?.message == "expected a requirement after \",\"")
        #expect(error("app in (a,b")?.message == "expected \")\" to close the set of values")
        #expect(error("app in a")?.message == "expected \"(\" to open a set of values")
        #expect(error("app ~ b")?.message.hasPrefix("expected an operator") == true)
        #expect(error("app ~ b")?.offset == 4)
        #expect(error("=x")?.message == "expected a label key")
        #expect(error("-bad=x")?.message.hasPrefix("invalid label key") == true)
        #expect(error("a=b/c")?.message.contains("may not contain") == true)
        #expect(error("a=b c")?.description == "unable to parse selector \"a=b c\" at position 4: expected \",\" between requirements")
    }
}

@Suite struct FieldSelectorTests {
    let pod: JSONValue = [
        "metadata": ["name": "p1", "namespace": "ns"],
        "spec": ["nodeName": "n1", "restartPolicy": "Never"],
        "status": ["phase": "Running"],
    ]

    @Test func matchesDottedPaths() throws {
        #expect(try FieldSelector(parsing: "metadata.name=p1").matches(pod))
        #expect(try FieldSelector(parsing: "metadata.name==p1,metadata.namespace=ns").matches(pod))
        #expect(try !FieldSelector(parsing: "metadata.name=p2").matches(pod))
        #expect(try FieldSelector(parsing: "status.phase!=Succeeded").matches(pod))
        #expect(try !FieldSelector(parsing: "status.phase!=Running").matches(pod))
        #expect(try FieldSelector(parsing: "spec.nodeName=n1").matches(pod))
        // A missing field reads as "".
        #expect(try FieldSelector(parsing: "spec.schedulerName=").matches(pod))
        #expect(try FieldSelector(parsing: "spec.schedulerName!=x").matches(pod))
        #expect(try FieldSelector(parsing: "metadata.name=p1").singleName == "p1")
    }

    @Test func escapesAndErrors() throws {
        let o: JSONValue = ["metadata": ["name": "a,b=c"]]
        #expect(try FieldSelector(parsing: #"metadata.name=a\,b\=c"#).matches(o))
        #expect(throws: SelectorError.self) { try FieldSelector(parsing: "metadata.name") }
        #expect(throws: SelectorError.self) { try FieldSelector(parsing: "metadata.name=a,") }
        #expect(throws: SelectorError.self) { try FieldSelector(parsing: #"metadata.name=a\x"#) }
        #expect(try FieldSelector(parsing: "").isEverything)
    }
}
