import KubeAPI
import SkeinJSON
import Testing

@Suite struct RequestTests {
    @Test func pathsForCoreAndGroupedNamespacedAndClusterScoped() {
        #expect(ResourceType.pods.collectionPath(namespace: "ns1") == "/api/v1/namespaces/ns1/pods")
        #expect(ResourceType.pods.collectionPath(namespace: nil) == "/api/v1/pods")
        #expect(ResourceType.pods.objectPath(namespace: "a", name: "p", subresource: "log") == "/api/v1/namespaces/a/pods/p/log")
        #expect(ResourceType.leases.objectPath(namespace: "kube-system", name: "x")
            == "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/x")
        // A cluster-scoped kind ignores the namespace.
        #expect(ResourceType.namespaces.objectPath(namespace: "ignored", name: "n1") == "/api/v1/namespaces/n1")
        #expect(ResourceType.leases.apiVersion == "coordination.k8s.io/v1")
        #expect(ResourceType.pods.apiVersion == "v1")
    }

    @Test func listAndWatchQueriesAreEscaped() {
        let l = APIRequest.list(.pods, namespace: "d", options: ListOptions(
            labelSelector: "app in (a,b),tier!=x", fieldSelector: "status.phase=Running", limit: 10, continueToken: "abc=="))
        #expect(l.target == "/api/v1/namespaces/d/pods?labelSelector=app%20in%20%28a%2Cb%29%2Ctier%21%3Dx"
            + "&fieldSelector=status.phase%3DRunning&limit=10&continue=abc%3D%3D")
        let w = APIRequest.watch(.pods, namespace: nil, options: ListOptions(limit: 5, resourceVersion: "42",
                                                                          timeoutSeconds: 30, allowWatchBookmarks: true))
        #expect(w.streaming)
        #expect(w.target == "/api/v1/pods?resourceVersion=42&timeoutSeconds=30&watch=true&allowWatchBookmarks=true")
    }

    @Test func deleteOptionsBodyOnlyWhenSet() throws {
        #expect(APIRequest.delete(.pods, namespace: "a", name: "b").body == nil)
        let d = APIRequest.delete(.pods, namespace: "a", name: "b",
                                  options: DeleteOptions(propagationPolicy: .foreground, preconditionUID: "u1"))
        let body = try JSONValue.parseJSON(String(decoding: d.body ?? [], as: UTF8.self))
        #expect(body["propagationPolicy"] == "Foreground")
        #expect(body["preconditions"]?["uid"] == "u1")
    }

    @Test func logsRequest() {
        let r = APIRequest.logs(namespace: "n", pod: "p", options: LogOptions(container: "main", follow: true, tailLines: 5))
        #expect(r.target == "/api/v1/namespaces/n/pods/p/log?container=main&follow=true&tailLines=5")
        #expect(r.streaming)
    }
}

@Suite struct StatusTests {
    @Test func statusBodyBecomesTypedError() {
        let body = Array(#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"x\" not found","reason":"NotFound","code":404}"#.utf8)
        let e = KubeError(status: Status(httpCode: 404, body: body))
        guard case .notFound(let s) = e else { Issue.record("expected notFound, got \(e)"); return }
        #expect(s.message == "pods \"x\" not found")
        #expect(e.description == "pods \"x\" not found")
        if case .alreadyExists = KubeError(status: .alreadyExists(.pods, "x")) {} else { Issue.record("alreadyExists") }
        if case .conflict = KubeError(status: .conflict(.pods, "x", "stale")) {} else { Issue.record("conflict") }
        if case .gone = KubeError(status: .gone("too old")) {} else { Issue.record("gone") }
    }

    @Test func nonStatusBodyKeepsCodeAndText() {
        let e = KubeError(status: Status(httpCode: 503, body: Array("  upstream down\n".utf8)))
        guard case .server(let s) = e else { Issue.record("expected server, got \(e)"); return }
        #expect(s.reason == "ServiceUnavailable")
        #expect(s.message == "upstream down")
        #expect(e.isRetryable)
    }

    @Test func retryAfterRoundTrips() {
        let s = Status(code: 429, reason: "TooManyRequests", message: "slow down", retryAfterSeconds: 3)
        let back = Status(httpCode: 429, body: Array(s.json.compactJSON.utf8))
        #expect(back.retryAfterSeconds == 3)
        if case .tooManyRequests = KubeError(status: back) {} else { Issue.record("tooManyRequests") }
    }
}

@Suite struct WatchFrameTests {
    @Test func splitsLinesAcrossChunks() throws {
        var s = LineSplitter()
        let text = Array("{\"a\":1}\n{\"b\"".utf8)
        #expect(try s.feed(text) == [Array("{\"a\":1}".utf8)])
        #expect(try s.feed(Array(":2}\r\n\n{\"c\":3}\n{\"d\"".utf8)) == [Array("{\"b\":2}".utf8), Array("{\"c\":3}".utf8)])
        #expect(s.finish() == Array("{\"d\"".utf8))
        #expect(s.finish() == nil)
    }

    @Test func oversizedLineIsAnError() {
        var s = LineSplitter(maxLineLength: 8)
        #expect(throws: KubeError.self) { try s.feed(Array("0123456789".utf8)) }
    }

    @Test func decodesEventsAndErrorStatus() throws {
        let e = try WatchEvent(line: Array(#"{"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"p","namespace":"n","resourceVersion":"7"}}}"#.utf8))
        #expect(e.type == .modified)
        #expect(e.object.objectKey == "n/p")
        #expect(e.object.resourceVersion == "7")
        let back = try WatchEvent(line: Array(e.line.utf8))
        #expect(back == e)
        let err = try WatchEvent(line: Array(#"{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version"}}"#.utf8))
        #expect(err.status?.code == 410)
        #expect(throws: KubeError.self) { try WatchEvent(line: Array("{\"type\":\"NOPE\"}".utf8)) }
        #expect(throws: KubeError.self) { try WatchEvent(line: Array("not json".utf8)) }
    }

    @Test func metadataPathsSet() {
        var o: JSONValue = ["kind": "Pod"]
        o.setMetadata("name", "x")
        o.set(path: ["status", "phase"], to: "Running")
        #expect(o.name == "x")
        #expect(o[path: ["status", "phase"]] == "Running")
        o.set(path: ["status", "phase"], to: nil)
        #expect(o[path: ["status", "phase"]] == nil)
    }
}
