import Foundation
import HTTPTypes
import Hummingbird
import KubeAPI
import NIOCore
import NIOSSL
import SkeinJSON

/// The request context: Hummingbird's, plus the connection, to read the client certificate.
struct SimContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Thrown after closing a connection while the server restarts (nothing can be answered).
struct ServerDown: Error {}

/// HTTP in front of `APIServer`: authentication, fault injection, the non-API paths
/// (version, health, OpenAPI, the simulator's own control endpoints) and streaming.
struct SimResponder: HTTPResponder {
    typealias Context = SimContext
    let api: APIServer
    let token: String
    let control: @Sendable (String, JSONValue) async -> SimResponse?

    func respond(to request: Request, context: SimContext) async throws -> Response {
        var request = request
        let path = request.uri.path
        if api.faults.isDown && !path.hasPrefix("/skein-sim/") {
            // Restarting: the connection ends without an answer, as a dying server's would.
            try? await context.channel.close()
            throw ServerDown()
        }
        var query: [String: String] = [:]
        for pair in (request.uri.query ?? "").split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            query[PathEscaping.unescape(kv[0], plusIsSpace: true)] = kv.count > 1 ? PathEscaping.unescape(kv[1], plusIsSpace: true) : ""
        }
        guard await authenticated(request, context) else {
            return SimResponder.encode(.status(Status(code: 401, reason: "Unauthorized", message: "Unauthorized")))
        }
        let body = try await request.collectBody(upTo: 64 << 20)
        let req = SimRequest(method: request.method.rawValue, path: path, query: query,
                             accept: request.headers[.accept] ?? "", contentType: request.headers[.contentType] ?? "",
                             body: Array(buffer: body), userAgent: request.headers[.userAgent] ?? "")
        let (verb, resource) = classify(req)
        if resource != nil { await api.faults.waitWhilePaused() }
        if let user = request.headers[HTTPField.Name("Impersonate-User")!], let resource {
            let namespace: String? = if case .resource(let p) = api.route(req.path) { p.namespace } else { nil }
            guard api.impersonations.check(.init(user: user, verb: verb, resource: resource, namespace: namespace)) else {
                let group = if case .resource(let p) = api.route(req.path) { p.resource.group } else { "" }
                let message = "\(resource) is forbidden: User \"\(user)\" cannot \(verb) resource \"\(resource)\" in API group \"\(group)\""
                    + (namespace.map { " in the namespace \"\($0)\"" } ?? "")
                return SimResponder.encode(.status(Status(code: 403, reason: "Forbidden", message: message)))
            }
        }
        if let resource, let held = api.faults.takeHold(verb: verb, resource: resource) {
            await held.wait()
            let response = await dispatch(req)
            held.answer(response.code)
            return SimResponder.encode(response, bookmarkInterval: api.bookmarkInterval)
        }
        if let resource {
            let (delay, failure) = api.faults.check(verb: verb, resource: resource)
            if delay > 0 { try? await Task.sleep(for: .seconds(delay)) }
            if let f = failure {
                var s = Status(code: f.code, reason: Status.reason(forCode: f.code),
                               message: f.message ?? "injected fault: \(verb) \(resource) fails with \(f.code)",
                               retryAfterSeconds: f.retryAfter)
                if f.code == 409 { s.reason = "Conflict" }
                var r = SimResponder.encode(.status(s))
                if let ra = f.retryAfter { r.headers[.retryAfter] = String(ra) }
                return r
            }
        }
        return SimResponder.encode(await dispatch(req), bookmarkInterval: api.bookmarkInterval)
    }

    func dispatch(_ req: SimRequest) async -> SimResponse {
        let p = req.path
        switch p {
        case "/version", "/version/": return .json(200, Discovery.version)
        case "/healthz", "/livez", "/readyz": return .text(200, "ok")
        case "/openapi/v3", "/openapi/v3/": return .json(200, Discovery.openAPIRoot(api.store.servedResources))
        case "/openapi/v2": return .status(.pathNotFound)
        default: break
        }
        if p.hasPrefix("/openapi/v3/") {
            let gv = String(p.dropFirst("/openapi/v3/".count))
            if let doc = Discovery.openAPIDocument(gv, api.store.servedResources) { return .json(200, doc) }
            return .status(.pathNotFound)
        }
        if p.hasPrefix("/skein-sim/") {
            let arg = (try? JSONValue.parseJSON(String(decoding: req.body, as: UTF8.self))) ?? [:]
            if let r = await control(String(p.dropFirst("/skein-sim/".count)), arg) { return r }
            return .status(.pathNotFound)
        }
        return await api.handle(req)
    }

    /// The API verb and resource of a request, for fault matching (nil resource: not an API object request).
    func classify(_ req: SimRequest) -> (String, String?) {
        guard case .resource(let p) = api.route(req.path) else { return ("", nil) }
        let resource = p.subresource.map { "\(p.resource.plural)/\($0)" } ?? p.resource.plural
        let verb: String
        switch (req.method, p.name) {
        case ("GET", nil): verb = req.bool("watch") ? "watch" : "list"
        case ("GET", _): verb = "get"
        case ("POST", _): verb = "create"
        case ("PUT", _): verb = "update"
        case ("PATCH", _): verb = "patch"
        case ("DELETE", nil): verb = "deletecollection"
        case ("DELETE", _): verb = "delete"
        default: verb = req.method.lowercased()
        }
        return (verb, resource)
    }

    /// A bearer token equal to the simulator's, or a client certificate the TLS handshake
    /// verified against the simulator's CA.
    func authenticated(_ request: Request, _ context: SimContext) async -> Bool {
        if let auth = request.headers[.authorization] {
            return auth == "Bearer \(token)"
        }
        let cert = try? await context.channel.nioSSL_peerCertificate().get()
        return cert != nil
    }

    static func encode(_ r: SimResponse, bookmarkInterval: Double = 1) -> Response {
        switch r {
        case .json(let code, let v):
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            if v["kind"] == "Status", case .int(let ra)? = v["details"]?["retryAfterSeconds"] { headers[.retryAfter] = String(ra) }
            let text = v.compactJSON
            return Response(status: .init(code: code), headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        case .text(let code, let s):
            return Response(status: .init(code: code), headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: s)))
        case .lines(let stream):
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody { writer in
                // A client that leaves ends the loop; the body still finishes, never throws.
                for await line in stream {
                    do { try await writer.write(ByteBuffer(string: line)) } catch { break }
                }
                try? await writer.finish(nil)
            })
        case .watch(let events, let timeout, let bookmarks, let bookmarkRV, let apiVersion, let kind):
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                let out = LineBatcher()
                let forward = Task {
                    for await e in events { out.append(e.line + "\n") }
                    out.finish()
                }
                let ticker = Task {
                    if let t = timeout {
                        try? await Task.sleep(for: .seconds(t))
                        out.finish()
                    }
                }
                let marks = Task {
                    guard bookmarks else { return }
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(bookmarkInterval))
                        if Task.isCancelled { break }
                        let o: JSONValue = ["kind": .string(kind), "apiVersion": .string(apiVersion),
                                            "metadata": ["resourceVersion": .string(String(bookmarkRV()))]]
                        out.append(WatchEvent(type: .bookmark, object: o).line + "\n")
                    }
                }
                defer {
                    forward.cancel()
                    ticker.cancel()
                    marks.cancel()
                }
                while let chunk = await out.next() {
                    do { try await writer.write(ByteBuffer(string: chunk)) } catch { break }
                }
                try? await writer.finish(nil)
            })
        }
    }
}
