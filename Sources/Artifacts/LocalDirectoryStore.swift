/// An artifact store that is a directory on this machine: key "a/b/out.tgz" is the file root/a/b/out.tgz.
public struct LocalDirectoryStore: ArtifactStore {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// Stores a file, or a directory tree as is (Argo's `archive: none` on a directory, which
    /// object stores keep as one object per file under the key).
    public func put(file localPath: String, key: String) throws(ArtifactError) {
        let target = try path(for: key)
        let kind = FileSystem.kind(localPath, follow: true)
        guard kind == .file || kind == .directory else {
            throw ArtifactError(FileSystem.kind(localPath) == nil
                ? "cannot store '\(localPath)' as artifact '\(key)': the file does not exist"
                : "cannot store '\(localPath)' as artifact '\(key)': it is not a regular file or directory")
        }
        try FileSystem.createDirectories(FileSystem.parent(of: target))
        if kind == .directory {
            try FileSystem.copyTreeAtomically(from: localPath, to: target)
        } else {
            try FileSystem.copyFileAtomically(from: localPath, to: target)
        }
    }

    public func get(key: String, toFile localPath: String) throws(ArtifactError) {
        let source = try path(for: key)
        let kind = FileSystem.kind(source, follow: true)
        guard kind == .file || kind == .directory else {
            throw ArtifactError("artifact '\(key)' not found in \(root)")
        }
        try FileSystem.createDirectories(FileSystem.parent(of: localPath))
        if kind == .directory {
            try FileSystem.copyTreeAtomically(from: source, to: localPath)
        } else {
            try FileSystem.copyFileAtomically(from: source, to: localPath)
        }
    }

    public func exists(key: String) throws(ArtifactError) -> Bool {
        let kind = FileSystem.kind(try path(for: key), follow: true)
        return kind == .file || kind == .directory
    }

    public func delete(key: String) throws(ArtifactError) {
        let target = try path(for: key)
        guard FileSystem.kind(target) != nil else { return }
        try FileSystem.remove(target)
    }

    public var description: String { "local directory \(root)" }

    /// The file of `key`, refusing keys that could point outside the root.
    private func path(for key: String) throws(ArtifactError) -> String {
        if key.isEmpty {
            throw ArtifactError("artifact key is empty: give a relative path such as 'my-wf/my-wf-123/out.tgz'")
        }
        if key.hasPrefix("/") {
            throw ArtifactError("artifact key '\(key)' is absolute: keys are paths relative to the store root \(root)")
        }
        let parts = key.split(separator: "/", omittingEmptySubsequences: true)
        if parts.contains("..") {
            throw ArtifactError("artifact key '\(key)' contains a '..' component: keys must stay inside the store root \(root)")
        }
        if parts.isEmpty || parts.allSatisfy({ $0 == "." }) {
            throw ArtifactError("artifact key '\(key)' names no file: give a relative path such as 'my-wf/my-wf-123/out.tgz'")
        }
        let base = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        return base + "/" + parts.joined(separator: "/")
    }
}
