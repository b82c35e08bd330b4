import Foundation

/// Which credentials a written kubeconfig carries.
public enum KubeconfigAuth: Sendable, Hashable {
    case token
    case clientCertificate
    /// Both the token and the client certificate (clients send the token; the certificate
    /// is presented during the handshake).
    case both
}

enum Kubeconfig {
    static func text(server: String, caPEM: String, token: String?, clientCertPEM: String?, clientKeyPEM: String?,
                     namespace: String = "default") -> String {
        func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
        var user = ""
        if let token { user += "    token: \(token)\n" }
        if let c = clientCertPEM, let k = clientKeyPEM {
            user += "    client-certificate-data: \(b64(c))\n    client-key-data: \(b64(k))\n"
        }
        return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: skein-sim
          cluster:
            server: \(server)
            certificate-authority-data: \(b64(caPEM))
        users:
        - name: skein-sim
          user:
        \(user.isEmpty ? "    {}\n" : user)contexts:
        - name: skein-sim
          context:
            cluster: skein-sim
            user: skein-sim
            namespace: \(namespace)
        current-context: skein-sim
        preferences: {}

        """
    }
}
