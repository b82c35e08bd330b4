import Foundation

/// How an output artifact is packed before it goes into the store (Argo's `archive:` field).
public enum ArchiveFormat: Sendable {
    /// Argo's default: a tar of the file or directory, gzip-compressed at `level` (nil: 6).
    case tarGzip(level: Int?)
    /// `archive: {none: {}}`: a file, or a directory tree, stored as is.
    case none
}

/// Where an input artifact comes from.
public enum ArtifactSource: Sendable {
    /// Literal contents (Argo's `raw.data`).
    case raw(String)
    /// An HTTP(S) URL, fetched with the given request headers.
    case http(url: String, headers: [(name: String, value: String)])
    /// A key in the artifact store.
    case store(key: String)
}

public enum ArtifactFetcher {
    /// Fetches `source` to `destination`.
    ///
    /// With `unpack`, a tar or gzip'd tar is unpacked by Argo's rule: a single top-level entry
    /// becomes `destination` itself (file or directory); several become the contents of the
    /// directory `destination`. Data that is not an archive is written as the file `destination`.
    /// Everything is fetched next to `destination` and renamed into place, so a partial
    /// download never appears there.
    public static func fetch(_ source: ArtifactSource, from store: (any ArtifactStore)?, to destination: String,
                             unpack: Bool) throws(ArtifactError) {
        let destination = FileSystem.stripTrailingSlashes(destination)
        try FileSystem.createDirectories(FileSystem.parent(of: destination))
        let download = FileSystem.temporarySibling(of: destination, tag: "download")
        defer { try? FileSystem.remove(download) }

        switch source {
        case .raw(let text):
            try FileSystem.writeFile(download, Array(text.utf8))
        case .http(let url, let headers):
            try HTTPDownload.download(url: url, headers: headers, to: download)
        case .store(let key):
            guard let store else {
                throw ArtifactError("input artifact '\(key)' comes from the artifact store, but no store is configured; set an artifact repository (e.g. a local artifacts directory)")
            }
            try store.get(key: key, toFile: download)
        }

        if unpack, FileSystem.kind(download) == .file, try unpackIfArchive(download, to: destination) { return }
        try FileSystem.replace(destination, with: download)
    }

    /// Unpacks `file` to `destination` when it holds a tar (gzip'd or not); false when it is no archive.
    private static func unpackIfArchive(_ file: String, to destination: String) throws(ArtifactError) -> Bool {
        let head = try FileSystem.readPrefix(file, count: 512)
        var tarPath = file
        var inflated: String?
        defer { if let inflated { try? FileSystem.remove(inflated) } }
        if Gzip.isGzip(head) {
            let path = FileSystem.temporarySibling(of: destination, tag: "inflate")
            inflated = path
            do {
                try Gzip.decompressFile(from: file, to: path)
            } catch {
                throw ArtifactError("artifact for '\(destination)' looks gzip-compressed but cannot be decompressed: \(error.message)")
            }
            guard TarReader.isTar(try FileSystem.readPrefix(path, count: 512)) else { return false }
            tarPath = path
        } else if !TarReader.isTar(head) {
            return false
        }

        let staging = FileSystem.temporarySibling(of: destination, tag: "unpack")
        try FileSystem.createDirectories(staging)
        defer { try? FileSystem.remove(staging) }
        do {
            try FileSystem.withMappedFile(tarPath) { buffer throws(ArtifactError) in
                try TarArchive.extract(buffer, into: staging, confineToSingleTopLevelDirectory: true)
            }
        } catch {
            throw ArtifactError("cannot unpack artifact into '\(destination)': \(error.message)")
        }
        let top: [String]
        do {
            top = try FileManager.default.contentsOfDirectory(atPath: staging)
        } catch {
            throw ArtifactError("cannot list '\(staging)': \(error.localizedDescription)")
        }
        // A lone symlink is not moved into place by itself: its relative target would then
        // resolve next to the destination instead of inside it.
        if top.count == 1, FileSystem.kind(staging + "/" + top[0]) != .symlink {
            try FileSystem.replace(destination, with: staging + "/" + top[0])
        } else {
            try FileSystem.replace(destination, with: staging)
        }
        return true
    }
}

public enum ArtifactUploader {
    /// Packs `path` (file or directory) as `format` and puts it into `store` under `key`.
    ///
    /// With `.tarGzip` the archive holds one top-level entry named after the basename of `path`,
    /// as Argo's archives do; with `.none` the file is stored as is.
    public static func upload(path: String, format: ArchiveFormat, key: String, to store: any ArtifactStore) throws(ArtifactError) {
        guard let kind = FileSystem.kind(path, follow: true) else {
            let dangling = FileSystem.kind(path) == .symlink ? " (it is a symlink to a missing target)" : ""
            throw ArtifactError("output artifact path '\(path)' does not exist\(dangling)")
        }
        switch format {
        case .none:
            guard kind == .file || kind == .directory else {
                throw ArtifactError("output artifact path '\(path)' is not a regular file or directory")
            }
            try store.put(file: path, key: key)
        case .tarGzip(let level):
            let random = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            let temp = FileSystem.stripTrailingSlashes(NSTemporaryDirectory()) + "/skein-artifact-\(random).tgz"
            defer { try? FileSystem.remove(temp) }
            // Packed straight into a gzip file: memory use does not grow with the artifact.
            let output = try GzipFileOutput(path: temp, level: level)
            try TarArchive.write(from: path, to: output)
            try output.finish()
            try store.put(file: temp, key: key)
        }
    }
}
