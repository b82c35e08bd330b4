import Foundation
import Glibc
import Synchronization

/// Credentials could not be obtained (an exec plugin failed, a token file vanished).
public struct CredentialError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What one request carries to prove who we are.
struct AuthMaterial: Sendable {
    var authorization: String?
    var identity: ClientIdentity?
}

/// Turns `Credentials` into headers and a TLS identity for each request, re-reading a
/// token file when it changes and running an exec plugin when its credential expires.
final class Authenticator: Sendable {
    private let credentials: Credentials
    private let tokenFile: TokenFile?
    private let exec: ExecCredentialCache?

    init(credentials: Credentials, cluster: ClusterInfo) {
        self.credentials = credentials
        tokenFile = credentials.tokenFile.map(TokenFile.init(path:))
        exec = credentials.exec.map { ExecCredentialCache(config: $0, cluster: cluster) }
    }

    /// True when a 401 may be cured by fetching the credential again.
    var canRefresh: Bool { tokenFile != nil || exec != nil }

    /// Forgets cached credentials, after a 401.
    func invalidate() {
        tokenFile?.invalidate()
        exec?.invalidate()
    }

    func material() async throws -> AuthMaterial {
        var m = AuthMaterial(authorization: nil, identity: credentials.clientIdentity)
        if let e = exec {
            let c = try await e.credential()
            if let t = c.token { m.authorization = "Bearer " + t }
            if let id = c.identity { m.identity = id }
            if m.authorization != nil || c.identity != nil { return m }
        }
        if let f = tokenFile {
            m.authorization = "Bearer " + (try f.token())
        } else if let t = credentials.token, !t.isEmpty {
            m.authorization = "Bearer " + t
        } else if let u = credentials.username, let p = credentials.password {
            m.authorization = "Basic " + Data("\(u):\(p)".utf8).base64EncodedString()
        }
        return m
    }
}

/// A bearer token kept in a file, read again when the file changes (checked with
/// `stat` on each use: service-account tokens are rotated by rewriting the file).
final class TokenFile: Sendable {
    let path: String
    private struct Seen {
        var token = ""
        var stamp: [Int] = []
    }
    private let seen = Mutex(Seen())

    init(path: String) { self.path = path }

    func invalidate() { seen.withLock { $0.stamp = [] } }

    func token() throws -> String {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw CredentialError("cannot read the token file \(path): \(String(cString: strerror(errno)))")
        }
        let stamp = [Int(st.st_ino), Int(st.st_size), Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec)]
        if let t = seen.withLock({ $0.stamp == stamp ? $0.token : nil }) { return t }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CredentialError("cannot read the token file \(path): \(error.localizedDescription)")
        }
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !t.isEmpty else { throw CredentialError("the token file \(path) is empty") }
        seen.withLock { $0 = Seen(token: t, stamp: stamp) }
        return t
    }
}

/// What an exec plugin may be told about the cluster (`provideClusterInfo`).
struct ClusterInfo: Sendable {
    var server: String
    var tls: ServerTLS
    var proxyURL: String?
}
