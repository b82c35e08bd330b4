public import SkeinJSON
import WorkflowModel

/// Which artifact repository a workflow uses, as Argo decides it: the ConfigMap key its
/// `spec.artifactRepositoryRef` names (ConfigMap `artifact-repositories` by default, the key
/// by default the one its `workflows.argoproj.io/default-artifact-repository` annotation
/// names); without a ref, that default ConfigMap of the namespace when it has the
/// annotation; else the runtime's own repository. The runtime fetches the ConfigMap
/// (`configMapName`) and this decides, for the controller and `skein run` alike.
public enum ArtifactRepositories {
    public static let defaultConfigMap = "artifact-repositories"
    public static let defaultKeyAnnotation = "workflows.argoproj.io/default-artifact-repository"

    public struct ConfigMap: Sendable, Equatable {
        public var data: [String: String]
        public var annotations: [String: String]
        public init(data: [String: String], annotations: [String: String] = [:]) {
            self.data = data
            self.annotations = annotations
        }
    }

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    /// The ConfigMap to fetch for a workflow whose `spec.artifactRepositoryRef` is `ref`.
    public static func configMapName(_ ref: JSONValue?) -> String {
        ref?["configMap"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? defaultConfigMap
    }

    /// `status.artifactRepositoryRef` (`{configMap, key, namespace, artifactRepository}`) for a
    /// workflow of `namespace`, or nil for the runtime's own repository. `configMap` is the
    /// one `configMapName` names, nil when there is none.
    public static func resolve(ref: JSONValue?, namespace: String, configMap: ConfigMap?) throws(Problem) -> JSONValue? {
        if let ref, ref.objectValue == nil {
            throw Problem("spec.artifactRepositoryRef must be a map: {configMap: NAME, key: KEY}")
        }
        let name = configMapName(ref)
        guard let cm = configMap else {
            guard ref != nil else { return nil }
            throw Problem("spec.artifactRepositoryRef: ConfigMap \(namespace)/\(name) not found: create it in the workflow's namespace with the repository under a key (e.g. `my-key: |` then `s3: {bucket: ...}`)")
        }
        let key: String
        if let k = ref?["key"]?.stringValue, !k.isEmpty {
            key = k
        } else if let k = cm.annotations[defaultKeyAnnotation], !k.isEmpty {
            key = k
        } else if ref == nil {
            // A ConfigMap of that name that does not say which key is the default: not a default.
            return nil
        } else {
            throw Problem("spec.artifactRepositoryRef names no key, and ConfigMap \(namespace)/\(name) has no \(defaultKeyAnnotation) annotation: give `key`, or annotate the ConfigMap with the default key")
        }
        guard let text = cm.data[key] else {
            let keys = cm.data.keys.sorted()
            throw Problem("spec.artifactRepositoryRef: ConfigMap \(namespace)/\(name) has no key '\(key)'" + (keys.isEmpty ? "" : " (it has \(keys.joined(separator: ", ")))"))
        }
        let field = "ConfigMap \(namespace)/\(name) key \(key)"
        let doc: JSONValue
        do {
            guard let d = try YAMLLoader.load(text, file: field).first?.value else { throw Problem("\(field) is empty: write the repository, e.g. `s3: {bucket: my-artifacts}`") }
            doc = d
        } catch let p as Problem {
            throw p
        } catch {
            throw Problem("\(field): \(error)")
        }
        guard let o = doc.objectValue else { throw Problem("\(field) must be a map with the repository, e.g. `s3: {bucket: my-artifacts}`") }
        for kind in ["gcs", "azure", "oss", "hdfs", "artifactory", "plugin"] where o[kind] != nil {
            throw Problem("\(field): the \(kind) repository kind is not supported yet; use s3 (AWS, MinIO, Ceph, GCS with HMAC keys)")
        }
        guard let s3 = o["s3"] else { throw Problem("\(field) has no `s3:` repository") }
        do {
            _ = try S3Repository.parse(s3, field: "\(field): s3")
        } catch {
            throw Problem(error.description)
        }
        if let a = o["archiveLogs"], !(a == .bool(true) || a == .bool(false)) { throw Problem("\(field): archiveLogs must be true or false") }
        return ["configMap": .string(name), "key": .string(key), "namespace": .string(namespace), "artifactRepository": doc]
    }

    /// The S3 repository a `status.artifactRepositoryRef` names, if it names one.
    public static func s3(of record: JSONValue?) -> S3Repository? {
        guard let s3 = record?["artifactRepository"]?["s3"] else { return nil }
        return try? S3Repository.parse(s3, field: "status.artifactRepositoryRef.artifactRepository.s3")
    }

    /// Whether a `status.artifactRepositoryRef` says `archiveLogs: true`.
    public static func archivesLogs(_ record: JSONValue?) -> Bool {
        record?["artifactRepository"]?["archiveLogs"] == .bool(true)
    }
}
