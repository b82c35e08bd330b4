import Foundation
import Glibc
import KubeSim
import Sandbox
import Synchronization

/// A real S3-compatible server for tests: moto's (`pip install 'moto[server]'`, which
/// `.ci/run` installs) on a free port of 127.0.0.1, started and stopped by the test. Without
/// moto the test fails with that fix, rather than passing untested.
public final class S3TestServer: Sendable {
    public let process: ChildProcess
    public let port: Int
    public var endpoint: String { "http://127.0.0.1:\(port)" }
    /// moto accepts any key pair unless IAM checks are on.
    public static let accessKey = "skein-test-access", secretKey = "skein-test-secret"

    /// The start of both servers' scripts: signals let through, gone with the test process,
    /// moto started on a free port of 127.0.0.1 (`port`). `environment` goes first: moto
    /// reads its settings when it is imported.
    static func startingMoto(environment: String = "", imports: String = "") -> String {
        """
        import os, signal, sys, threading, time
        # The test process blocks most signals and children inherit that mask: let SIGTERM through again.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
        \(environment)
        parent = os.getppid()
        def watch():
            # Gone with the test process, even when it could not stop the server.
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
        try:
            from moto.server import ThreadedMotoServer
            \(imports)
        except ImportError as e:
            print("missing: " + str(e), flush=True)
            sys.exit(3)
        s = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        s.start()
        port = s.get_host_and_port()[1]

        """
    }

    static let script = startingMoto() + """
    print(port, flush=True)
    threading.Event().wait()
    """

    /// With IAM checks on: moto lets three requests through unchecked (the user, its access
    /// key and its policy, made here with boto3), then checks every signature.
    static let checkingScript = startingMoto(environment: "os.environ[\"INITIAL_NO_AUTH_ACTION_COUNT\"] = \"3\"", imports: "import boto3") + """
    iam = boto3.client("iam", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
                       aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam.create_user(UserName="skein")
    key = iam.create_access_key(UserName="skein")["AccessKey"]
    iam.put_user_policy(UserName="skein", PolicyName="all-s3",
                        PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}')
    print("%d %s %s" % (port, key["AccessKeyId"], key["SecretAccessKey"]), flush=True)
    threading.Event().wait()
    """

    /// The keys of the IAM user a signature-checking server made (nil for the plain one).
    public let checkedKeys: (accessKey: String, secretKey: String)?

    /// A server of its own that checks every request's signature against the IAM user it
    /// made (`checkedKeys`): for the wrong-credentials paths.
    public init(checkingSignatures: Bool) throws {
        guard checkingSignatures else {
            (process, port) = try Self.startPython(Self.script, [], what: "the moto S3 server") { text in
                text.hasPrefix("missing") ? "moto is not installed (\(text)): pip install 'moto[server]' (.ci/run installs it)" : nil
            }
            checkedKeys = nil
            return
        }
        let (p, port, rest) = try Self.startPythonLine(Self.checkingScript, [], what: "the signature-checking moto server") { text in
            text.hasPrefix("missing") ? "moto or boto3 is not installed (\(text)): pip install 'moto[server]' (.ci/run installs it)" : nil
        }
        guard rest.count == 2 else {
            kill(p.processIdentifier, SIGKILL)
            throw Unavailable(description: "the signature-checking moto server printed no keys")
        }
        process = p
        self.port = port
        checkedKeys = (rest[0], rest[1])
    }

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// One server for the whole test process (starting moto costs a second or two of CPU):
    /// tests that share it use buckets of their own. It ends with the test process.
    public static func shared() throws -> S3TestServer {
        try sharedServer.withLock { (s: inout S3TestServer?) throws -> S3TestServer in
            if let s, s.process.isRunning { return s }
            let started = try S3TestServer()
            s = started
            return started
        }
    }

    private static let sharedServer = Mutex<S3TestServer?>(nil)

    public init() throws {
        (process, port) = try Self.startPython(Self.script, [], what: "the moto S3 server") { text in
            text.hasPrefix("missing")
                ? "moto is not installed (\(text)): pip install 'moto[server]' (.ci/run installs it)" : nil
        }
        checkedKeys = nil
    }

    /// Runs a Python script that prints the port it listens on as its first line; returns the
    /// process and the port, or throws with what the script said.
    static func startPython(_ script: String, _ arguments: [String], what: String,
                            explain: (String) -> String? = { _ in nil }) throws -> (ChildProcess, Int) {
        let (p, port, _) = try startPythonLine(script, arguments, what: what, explain: explain)
        return (p, port)
    }

    /// As `startPython`, for a first line of the port and more words, which it returns.
    static func startPythonLine(_ script: String, _ arguments: [String], what: String,
                                explain: (String) -> String? = { _ in nil }) throws -> (ChildProcess, Int, [String]) {
        guard let python = findExecutable("python3") else { throw Unavailable(description: "python3 is not installed: \(what) needs it") }
        let portFile = NSTemporaryDirectory() + "skein-py-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).port"
        defer { unlink(portFile) }
        let process = try ChildProcess(python, ["-c", script] + arguments, stdout: .file(portFile))
        var text = ""
        for _ in 0..<3000 where !text.contains("\n") && process.isRunning {
            usleep(10_000)
            text = (try? String(contentsOfFile: portFile, encoding: .utf8)) ?? ""
        }
        let said = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let words = said.split(separator: " ").map(String.init)
        guard let first = words.first, let port = Int(first) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw Unavailable(description: explain(said) ?? "\(what) did not start: \(said)")
        }
        return (process, port, Array(words.dropFirst()))
    }

    public func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// Path of an executable found on PATH, or nil.
public func findExecutable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}


/// A proxy in front of an S3 server that fails chosen requests, for the retry and abort
/// paths: each rule is `METHOD:QUERY-SUBSTRING:STATUS:TIMES` (TIMES -1: always), e.g.
/// `PUT:partNumber=2&:503:1` fails the first upload of part 2 with 503 SlowDown. `log=PATH`
/// writes each request's method, path and server-side-encryption headers to PATH;
/// `tls=CERT,KEY` serves HTTPS with that certificate.
public final class FaultyS3Proxy: Sendable {
    public let process: ChildProcess
    public let port: Int
    public var endpoint: String { "\(secure ? "https" : "http")://127.0.0.1:\(port)" }

    static let script = """
    import http.client, http.server, signal, sys, threading
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    upstream = int(sys.argv[1])
    rules = []
    log = None
    tls = None
    for r in sys.argv[2:]:
        if r.startswith("log="):
            log = r[4:]; continue
        if r.startswith("tls="):
            tls = r[4:].split(","); continue
        m, q, status, times = r.split(":")
        rules.append([m, q, int(status), int(times)])
    lock = threading.Lock()
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *a): pass
        def handle_any(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            with lock:
                if log:
                    sse = sorted("%s=%s" % (k.lower(), v) for k, v in self.headers.items() if k.lower().startswith("x-amz-server-side"))
                    with open(log, "a") as f:
                        f.write("%s %s %s\\n" % (self.command, self.path, " ".join(sse)))
                hit = None
                for r in rules:
                    if r[0] == self.command and r[1] in self.path and r[3] != 0:
                        r[3] -= 1
                        hit = r
                        break
            if hit:
                doc = b"<?xml version='1.0'?><Error><Code>SlowDown</Code><Message>injected by the test</Message></Error>"
                self.send_response(hit[2]); self.send_header("Content-Length", str(len(doc))); self.end_headers()
                self.wfile.write(doc); return
            c = http.client.HTTPConnection("127.0.0.1", upstream)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host",)}
            c.request(self.command, self.path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(k, v)
            self.send_header("Content-Length", r.getheader("Content-Length") or "0" if self.command == "HEAD" else str(len(data)))
            self.end_headers()
            if self.command != "HEAD": self.wfile.write(data)
        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any
    s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    if tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
        s.socket = ctx.wrap_socket(s.socket, server_side=True)
    print(s.server_address[1], flush=True)
    s.serve_forever()
    """

    /// Whether it serves HTTPS (`tls=` rule).
    public let secure: Bool

    public init(upstream: S3TestServer, rules: [String]) throws {
        (process, port) = try S3TestServer.startPython(Self.script, [String(upstream.port)] + rules, what: "the S3 fault proxy")
        secure = rules.contains { $0.hasPrefix("tls=") }
    }

    public func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// A proxy serving HTTPS with a certificate of a fresh private CA (for 127.0.0.1), and
    /// that CA's certificate (PEM) for the client to trust.
    public static func tls(upstream: S3TestServer, rules: [String] = []) throws -> (proxy: FaultyS3Proxy, caPEM: String) {
        let pki = try TestPKI.serverCertificate()
        let dir = try TemporaryDirectory.make(prefix: "skein-tls")
        try pki.certificatePEM.write(toFile: dir + "/cert.pem", atomically: true, encoding: .utf8)
        try pki.keyPEM.write(toFile: dir + "/key.pem", atomically: true, encoding: .utf8)
        return (try FaultyS3Proxy(upstream: upstream, rules: rules + ["tls=\(dir)/cert.pem,\(dir)/key.pem"]), pki.caPEM)
    }
}
