import Artifacts
import Foundation
import Sandbox
import Glibc
import SkeinTestSupport
import Testing

/// A python3 http.server on a free port of 127.0.0.1 serving `directory`, plus
/// /redirect (302 to /hello.txt) and /secret (403 unless header X-Token: s3cret).
final class LocalHTTPServer {
    let process: ChildProcess
    let port: Int

    static let script = """
    import http.server, signal, sys
    # The test process blocks most signals and children inherit that mask: let SIGTERM through again.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    root = sys.argv[1]
    class H(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=root, **k)
        def log_message(self, *a):
            pass
        def do_GET(self):
            if self.path == "/redirect":
                self.send_response(302); self.send_header("Location", "/hello.txt"); self.end_headers(); return
            if self.path == "/secret":
                if self.headers.get("X-Token") != "s3cret":
                    self.send_error(403); return
                body = b"secret contents"
                self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
                self.wfile.write(body); return
            super().do_GET()
    s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    print(s.server_address[1], flush=True)
    s.serve_forever()
    """

    init(python: String, directory: String) throws {
        let portFile = directory + "/.port"
        process = try ChildProcess(python, ["-c", Self.script, directory], stdout: .file(portFile))
        // The server prints its port once it is listening.
        var text = ""
        for _ in 0..<3000 where !text.contains("\n") {
            usleep(10_000)
            text = (try? String(contentsOfFile: portFile, encoding: .utf8)) ?? ""
        }
        guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            throw ArtifactError("local HTTP server did not start")
        }
        self.port = port
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func stop() {
        // SIGKILL: a blocked SIGTERM would leave waitUntilExit() waiting forever.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

@Suite struct HTTPSourceTests {
    static let python = findExecutable("python3")

    @Test(.enabled(if: python != nil, "python3 is not installed: no local HTTP server to test against"))
    func downloadsFilesAndArchivesFollowingRedirectsWithHeaders() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try scratch.write("www/hello.txt", "hello over http\n")
        let tree = try makeTree(scratch, "out")
        let store = LocalDirectoryStore(root: scratch.path + "/www")
        try ArtifactUploader.upload(path: tree, format: .tarGzip(level: nil), key: "out.tgz", to: store)
        let server = try LocalHTTPServer(python: try #require(Self.python), directory: scratch.path + "/www")
        defer { server.stop() }

        let dest = scratch.path + "/in/hello.txt"
        try ArtifactFetcher.fetch(.http(url: server.url("/hello.txt"), headers: []), from: nil, to: dest, unpack: true)
        #expect(read(dest) == "hello over http\n")

        try ArtifactFetcher.fetch(.http(url: server.url("/redirect"), headers: []), from: nil,
                                  to: scratch.path + "/in/redirected.txt", unpack: false)
        #expect(read(scratch.path + "/in/redirected.txt") == "hello over http\n")

        try ArtifactFetcher.fetch(.http(url: server.url("/secret"), headers: [(name: "X-Token", value: "s3cret")]),
                                  from: nil, to: scratch.path + "/in/secret", unpack: false)
        #expect(read(scratch.path + "/in/secret") == "secret contents")

        try ArtifactFetcher.fetch(.http(url: server.url("/out.tgz"), headers: []), from: nil,
                                  to: scratch.path + "/in/tree", unpack: true)
        #expect(snapshot(scratch.path + "/in/tree") == snapshot(tree))
    }

    @Test(.enabled(if: python != nil, "python3 is not installed: no local HTTP server to test against"))
    func httpErrorsNameTheURLAndStatus() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try scratch.mkdir("www")
        let server = try LocalHTTPServer(python: try #require(Self.python), directory: scratch.path + "/www")
        defer { server.stop() }

        let missing = server.url("/missing.tgz")
        let error = #expect(throws: ArtifactError.self) {
            try ArtifactFetcher.fetch(.http(url: missing, headers: []), from: nil, to: scratch.path + "/in/x", unpack: true)
        }
        #expect(error?.message.contains("'\(missing)'") == true, "message: \(error?.message ?? "")")
        #expect(error?.message.contains("HTTP 404") == true, "message: \(error?.message ?? "")")

        let forbidden = #expect(throws: ArtifactError.self) {
            try ArtifactFetcher.fetch(.http(url: server.url("/secret"), headers: []), from: nil, to: scratch.path + "/in/x", unpack: false)
        }
        #expect(forbidden?.message.contains("HTTP 403") == true, "message: \(forbidden?.message ?? "")")
        // No partial or error body appears at the destination.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/in") == [])
    }

    @Test func unreachableHostIsAnErrorNamingTheURL() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let url = "http://127.0.0.1:1/a.txt"
        let error = #expect(throws: ArtifactError.self) {
            try ArtifactFetcher.fetch(.http(url: url, headers: []), from: nil, to: scratch.path + "/x", unpack: false)
        }
        #expect(error?.message.hasPrefix("cannot download '\(url)'") == true, "message: \(error?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/x"))
    }
}
