import SkeinJSON
import WorkflowEngine

extension S3Repository {
    /// What the executor containers are told: `SKEIN_ARTIFACT_S3` (where, and its options) and
    /// the keys as `AWS_*` variables from the Secrets (the SSE-C key and the CA bundle as
    /// `S3Location.SecretKeyRef.environmentVariable`).
    var environment: [JSONValue] {
        var where_: [String: JSONValue] = ["bucket": .string(bucket)]
        if let u = endpointURL { where_["endpoint"] = .string(u) }
        if let r = region { where_["region"] = .string(r) }
        if let p = keyPrefix { where_["prefix"] = .string(p) }
        options.merge(into: &where_)
        var env: [JSONValue] = [["name": "SKEIN_ARTIFACT_S3", "value": .string(JSONValue.object(where_).compactJSON)]]
        // The SSE-C key and the CA bundle, from their Secrets.
        for ref in options.secrets {
            env.append(["name": .string(ref.environmentVariable), "valueFrom": ["secretKeyRef": ["name": .string(ref.name), "key": .string(ref.key)]]])
        }
        for (variable, ref) in [("AWS_ACCESS_KEY_ID", accessKeySecret), ("AWS_SECRET_ACCESS_KEY", secretKeySecret), ("AWS_SESSION_TOKEN", sessionTokenSecret)] {
            guard let ref else { continue }
            env.append(["name": .string(variable), "valueFrom": ["secretKeyRef": ["name": .string(ref.name), "key": .string(ref.key)]]])
        }
        return env
    }
}
