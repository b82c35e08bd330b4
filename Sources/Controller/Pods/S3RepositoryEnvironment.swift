import SkeinJSON
import WorkflowEngine

extension S3Repository {
    /// What the executor containers are told: `SKEIN_ARTIFACT_S3` (where) and the keys as
    /// `AWS_*` variables from the Secrets.
    var environment: [JSONValue] {
        var where_: [String: JSONValue] = ["bucket": .string(bucket)]
        if let u = endpointURL { where_["endpoint"] = .string(u) }
        if let r = region { where_["region"] = .string(r) }
        if let p = keyPrefix { where_["prefix"] = .string(p) }
        var env: [JSONValue] = [["name": "SKEIN_ARTIFACT_S3", "value": .string(JSONValue.object(where_).compactJSON)]]
        for (variable, ref) in [("AWS_ACCESS_KEY_ID", accessKeySecret), ("AWS_SECRET_ACCESS_KEY", secretKeySecret), ("AWS_SESSION_TOKEN", sessionTokenSecret)] {
            guard let ref else { continue }
            env.append(["name": .string(variable), "valueFrom": ["secretKeyRef": ["name": .string(ref.name), "key": .string(ref.key)]]])
        }
        return env
    }
}
