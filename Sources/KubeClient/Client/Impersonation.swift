/// Acting as another identity (Kubernetes' user impersonation): the API server authorizes
/// each request as that user, once it has checked that the client itself may impersonate
/// it (the `impersonate` verb: on `serviceaccounts` for a service account).
public struct Impersonation: Sendable, Hashable {
    public var user: String
    /// Extra groups; for a service account the API server adds its groups itself.
    public var groups: [String]

    public init(user: String, groups: [String] = []) {
        self.user = user
        self.groups = groups
    }

    /// The service account `name` of `namespace` (`system:serviceaccount:NAMESPACE:NAME`).
    public static func serviceAccount(_ name: String, namespace: String) -> Impersonation {
        Impersonation(user: "system:serviceaccount:\(namespace):\(name)")
    }

    var headers: [String] { ["Impersonate-User: " + user] + groups.map { "Impersonate-Group: " + $0 } }
}

extension KubeClient {
    /// The same client (connections, rate limiter, credentials) acting as `identity`.
    public func impersonating(_ identity: Impersonation) -> KubeClient {
        KubeClient(sharing: self, impersonation: identity)
    }
}
