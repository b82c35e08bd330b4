import CCurl
import KubeAPI

/// Turns libcurl's failures into `KubeError.transport` with a message that says what
/// probably went wrong, not only libcurl's code.
enum CurlErrors {
    static func describe(code: CURLcode, detail: String, request: HTTPRequest, tls: ServerTLS,
                         receivedHeaders: Bool, server: String) -> KubeError {
        var message = "\(detail) (curl error \(code.rawValue))"
        switch code {
        case CURLE_COULDNT_CONNECT:
            message = "connection refused or unreachable (\(detail)); is the API server running at this address?"
        case CURLE_COULDNT_RESOLVE_HOST:
            message = "unknown host (\(detail)); check the cluster's `server` in the kubeconfig"
        case CURLE_OPERATION_TIMEDOUT:
            message = request.streaming
                ? "the stream stalled: nothing received for too long (\(detail))"
                : "timed out (\(detail))"
        case CURLE_PEER_FAILED_VERIFICATION:
            message = "the server's TLS certificate is not trusted (\(detail)); check certificate-authority(-data) "
                + "or tls-server-name in the kubeconfig"
        case CURLE_SSL_CACERT_BADFILE:
            message = "cannot read the certificate authority (\(detail)); check certificate-authority(-data)"
        case CURLE_SSL_CERTPROBLEM:
            message = "cannot use the client certificate (\(detail)); check client-certificate(-data)"
        case CURLE_SSL_CONNECT_ERROR:
            message = "TLS handshake failed (\(detail))" + clientCertificateHint(request)
        case CURLE_RECV_ERROR where !receivedHeaders, CURLE_SEND_ERROR where !receivedHeaders:
            // Under TLS 1.3 the server checks the client certificate after the handshake, so
            // its rejection shows up as a failure of the first read, not of the handshake.
            message = "the server closed the connection before answering (\(detail))" + clientCertificateHint(request)
        default:
            break
        }
        return .transport(server: server, message: message)
    }

    private static func clientCertificateHint(_ r: HTTPRequest) -> String {
        r.identity == nil
            ? "; the server may require a client certificate (client-certificate/client-key in the kubeconfig user)"
            : "; the server may have rejected the client certificate"
    }
}
