import Foundation

/// An artifact store in an S3 bucket: key "wf/pod/out.tgz" is the object
/// `PREFIX/wf/pod/out.tgz`. A directory stored as is (Argo's `archive: none`) is one object
/// per file under the key, as Argo keeps it.
public struct S3Store: ArtifactStore {
    public var client: S3Client
    public let bucket: String
    public let prefix: String
    /// `createBucketIfNotPresent`: the bucket is made before the first write when missing.
    public var createBucketIfMissing = false

    public init(client: S3Client, bucket: String, prefix: String = "") {
        self.client = client
        self.bucket = bucket
        var p = Substring(prefix)
        while p.hasPrefix("/") { p = p.dropFirst() }
        while p.hasSuffix("/") { p = p.dropLast() }
        self.prefix = String(p)
    }

    /// `s3://bucket/prefix` into the bucket and prefix.
    public static func parse(url: String) -> (bucket: String, prefix: String)? {
        guard url.hasPrefix("s3://") else { return nil }
        let rest = url.dropFirst(5)
        let bucket = rest.prefix { $0 != "/" }
        guard !bucket.isEmpty else { return nil }
        return (String(bucket), String(rest.dropFirst(bucket.count).drop { $0 == "/" }))
    }

    func objectKey(_ key: String) throws(ArtifactError) -> String {
        let parts = key.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.isEmpty, !parts.contains(".."), !key.hasPrefix("/") else {
            throw ArtifactError("artifact key '\(key)' is not a relative path such as 'my-wf/my-wf-123/out.tgz'")
        }
        return (prefix.isEmpty ? "" : prefix + "/") + parts.joined(separator: "/")
    }

    public func put(file localPath: String, key: String) throws(ArtifactError) {
        let object = try objectKey(key)
        if createBucketIfMissing, try !client.bucketExists(bucket) { try client.createBucket(bucket) }
        let kind = FileSystem.kind(localPath, follow: true)
        switch kind {
        case .file?:
            try client.put(bucket: bucket, key: object, file: localPath)
        case .directory?:
            let files = (FileManager.default.enumerator(atPath: localPath)?.allObjects as? [String] ?? []).sorted()
            var stored = 0
            for relative in files where FileSystem.kind(localPath + "/" + relative, follow: true) == .file {
                try client.put(bucket: bucket, key: object + "/" + relative, file: localPath + "/" + relative)
                stored += 1
            }
            // An empty directory still exists afterwards.
            if stored == 0 { try client.put(bucket: bucket, key: object + "/", bytes: []) }
        default:
            throw ArtifactError(FileSystem.kind(localPath) == nil
                ? "cannot store '\(localPath)' as artifact '\(key)': the file does not exist"
                : "cannot store '\(localPath)' as artifact '\(key)': it is not a regular file or directory")
        }
    }

    public func get(key: String, toFile localPath: String) throws(ArtifactError) {
        let object = try objectKey(key)
        try FileSystem.createDirectories(FileSystem.parent(of: localPath))
        if try client.head(bucket: bucket, key: object) != nil {
            try client.get(bucket: bucket, key: object, to: localPath)
            return
        }
        let under = try client.list(bucket: bucket, prefix: object + "/")
        guard !under.isEmpty else {
            throw ArtifactError("artifact '\(key)' not found in \(description) (no object s3://\(bucket)/\(object))")
        }
        let temp = FileSystem.temporarySibling(of: localPath, tag: "s3")
        do throws(ArtifactError) {
            try FileSystem.createDirectories(temp)
            for o in under {
                let relative = String(o.key.dropFirst(object.count + 1))
                if relative.isEmpty { continue }
                guard !relative.split(separator: "/").contains("..") else { continue }
                let target = temp + "/" + relative
                if relative.hasSuffix("/") { try FileSystem.createDirectories(target); continue }
                try FileSystem.createDirectories(FileSystem.parent(of: target))
                try client.get(bucket: bucket, key: o.key, to: target)
            }
            try FileSystem.replace(localPath, with: temp)
        } catch {
            try? FileSystem.remove(temp)
            throw error
        }
    }

    public func exists(key: String) throws(ArtifactError) -> Bool {
        let object = try objectKey(key)
        if try client.head(bucket: bucket, key: object) != nil { return true }
        return try !client.list(bucket: bucket, prefix: object + "/", pageSize: 1, limit: 1).isEmpty
    }

    public func delete(key: String) throws(ArtifactError) {
        let object = try objectKey(key)
        try client.delete(bucket: bucket, key: object)
        for o in try client.list(bucket: bucket, prefix: object + "/") { try client.delete(bucket: bucket, key: o.key) }
    }

    public var description: String { "s3://\(bucket)" + (prefix.isEmpty ? "" : "/\(prefix)") + " at \(client.endpoint.description)" }
}
