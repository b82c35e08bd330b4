import Foundation
import KubeAPI
import KubeClient
import KubeSim
import SkeinJSON
import SkeinTestSupport
import Testing

/// `proxy-url`: requests reach the API server through an HTTP proxy's CONNECT tunnel (TLS
/// end to end), the way clusters behind a corporate proxy are reached.
@Suite struct ProxyTests {
    /// A CONNECT-only proxy in Python: prints its port, logs each request line to argv[1].
    static let proxy = #"""
    import socket, sys, threading, select
    log = open(sys.argv[1], 'a', buffering=1)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', 0))
    srv.listen(64)
    with open(sys.argv[2] + '.tmp', 'w') as f:
        f.write(str(srv.getsockname()[1]))
    import os
    os.rename(sys.argv[2] + '.tmp', sys.argv[2])
    def pipe(c):
        data = b''
        while b'\r\n\r\n' not in data:
            chunk = c.recv(4096)
            if not chunk:
                c.close()
                return
            data += chunk
        head, rest = data.split(b'\r\n\r\n', 1)
        line = head.split(b'\r\n')[0].decode()
        log.write(line + '\n')
        method, target = line.split(' ')[:2]
        if method != 'CONNECT':
            c.sendall(b'HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n')
            c.close()
            return
        host, port = target.rsplit(':', 1)
        u = socket.create_connection((host, int(port)))
        c.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')
        if rest:
            u.sendall(rest)
        try:
            while True:
                ready, _, _ = select.select([c, u], [], [])
                for s in ready:
                    d = s.recv(65536)
                    if not d:
                        return
                    (u if s is c else c).sendall(d)
        except OSError:
            pass
        finally:
            c.close()
            u.close()
    while True:
        c, _ = srv.accept()
        threading.Thread(target=pipe, args=(c,), daemon=True).start()
    """#

    @Test func requestsAndWatchesGoThroughTheProxysTunnel() async throws {
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            Issue.record("python3 is not installed: .ci/run installs it")
            return
        }
        let dir = FileManager.default.temporaryDirectory.path + "/skein-proxy-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "/proxy.log"
        let portFile = dir + "/port"
        let p = try ChildProcess(python, ["-c", Self.proxy, log, portFile])
        defer { kill(p.processIdentifier, SIGKILL) }
        // It writes its port into a file once it listens.
        try await eventually(timeout: .seconds(60), "the proxy's port") { FileManager.default.fileExists(atPath: portFile) }
        let port = Int(try String(contentsOfFile: portFile, encoding: .utf8)) ?? 0
        #expect(port > 0)

        try await TestCluster.with { c in
            var config = c.sim.configuration()
            config.proxyURL = "http://127.0.0.1:\(port)"
            let client = try KubeClient(config)
            _ = try await client.create(.configMaps, configMap("through-proxy"), namespace: "default")
            let got = try await client.get(.configMaps, "through-proxy", namespace: "default")
            #expect(got.name == "through-proxy")
            // A watch through the tunnel sees a change made directly.
            let list = try await client.list(.configMaps, namespace: "default")
            let events = client.watch(.configMaps, namespace: "default", options: ListOptions(resourceVersion: list.resourceVersion))
            _ = try await c.client.create(.configMaps, configMap("direct"), namespace: "default")
            let first = try await withTimeout { () -> WatchEvent? in
                for try await e in events where e.type == .added { return e }
                return nil
            }
            #expect(first?.object.name == "direct")
            // Every connection went through the proxy, to the API server's port.
            let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            #expect(!lines.isEmpty)
            #expect(lines.allSatisfy { $0.hasPrefix("CONNECT 127.0.0.1:\(c.sim.port) ") }, "\(lines)")
        }
        // A proxy that is not there: a transport error that names the server.
        var config = ClientConfiguration(server: "https://127.0.0.1:1", proxyURL: "http://127.0.0.1:9")
        config.retry = .none
        let unreachable = try KubeClient(config)
        await #expect(throws: KubeError.self) { _ = try await unreachable.get(.namespaces, "default") }
    }
}
