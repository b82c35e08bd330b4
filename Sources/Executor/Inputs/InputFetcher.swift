import Foundation
public import WorkflowEngine
import Artifacts
import WorkflowModel

/// Before a step runs: put each input artifact into a staging directory, ready to be
/// mounted (or copied) at its path.
public enum InputFetcher {
    public struct Staged: Sendable, Hashable {
        /// Where the step expects it.
        public var path: String
        /// Where it is on the host.
        public var hostPath: String
    }

    public static func fetch(_ inputs: [InputArtifact], stores: ArtifactStores, stagingDirectory: String) throws -> [Staged] {
        var staged: [Staged] = []
        if !inputs.isEmpty { try FileManager.default.createDirectory(atPath: stagingDirectory, withIntermediateDirectories: true) }
        for (i, a) in inputs.enumerated() {
            let dest = "\(stagingDirectory)/\(i)-\(a.name)"
            if a.optional, case .stored(let key) = a.source, let store = stores.store(for: a.location), try !store.exists(key: key) {
                // Optional and not stored: an empty directory at its path, as a pod's volume
                // subPath of something never fetched is (on a cluster, in Argo too).
                try FileManager.default.createDirectory(atPath: dest, withIntermediateDirectories: true)
                staged.append(Staged(path: a.path, hostPath: dest))
                continue
            }
            switch a.source {
            case .none:
                continue
            case .stored(let key) where a.unzip:
                try fetchZip(.store(key: key), name: a.name, store: stores.store(for: a.location), to: dest)
            case .http(let url, let headers) where a.unzip:
                try fetchZip(.http(url: url, headers: headers.map { (name: $0.name, value: $0.value) }), name: a.name, store: nil, to: dest)
            case .stored(let key):
                let store = stores.store(for: a.location)
                if let sub = a.subPath, !sub.isEmpty {
                    try fetchSubPath(key: key, subPath: sub, name: a.name, store: store, to: dest)
                } else {
                    do {
                        try ArtifactFetcher.fetch(.store(key: key), from: store, to: dest, unpack: true)
                    } catch {
                        throw ArtifactError("input artifact '\(a.name)': \(error)")
                    }
                }
            case .raw(let data):
                try ArtifactFetcher.fetch(.raw(data), from: stores.repository, to: dest, unpack: false)
            case .http(let url, let headers):
                try ArtifactFetcher.fetch(.http(url: url, headers: headers.map { (name: $0.name, value: $0.value) }),
                                          from: stores.repository, to: dest, unpack: false)
            }
            if let mode = a.mode {
                try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: dest)
                // recurseMode: everything inside a directory too (links are left alone).
                if a.recurseMode, let inside = FileManager.default.enumerator(atPath: dest) {
                    for case let relative as String in inside {
                        let p = dest + "/" + relative
                        if (try? FileManager.default.destinationOfSymbolicLink(atPath: p)) != nil { continue }
                        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: p)
                    }
                }
            }
            staged.append(Staged(path: a.path, hostPath: dest))
        }
        return staged
    }

    /// `archive: {zip: {}}`: the artifact as it is, then unpacked as a zip into `dest`.
    static func fetchZip(_ source: ArtifactSource, name: String, store: (any ArtifactStore)?, to dest: String) throws {
        let zip = dest + ".zip"
        defer { try? FileManager.default.removeItem(atPath: zip) }
        do {
            try ArtifactFetcher.fetch(source, from: store, to: zip, unpack: false)
        } catch {
            throw ArtifactError("input artifact '\(name)': \(error)")
        }
        guard Zip.isZip(zip) else {
            throw ArtifactError("input artifact '\(name)' is not a zip archive, but says `archive: {zip: {}}`; leave archive out for a tar.gz or a plain file")
        }
        do {
            try Zip.extract(zip, to: dest)
        } catch {
            throw ArtifactError("input artifact '\(name)': \(error)")
        }
    }

    /// Fetches the whole artifact beside `dest`, then keeps only `subPath` of it.
    static func fetchSubPath(key: String, subPath: String, name: String, store: (any ArtifactStore)?, to dest: String) throws {
        let parts = subPath.split(separator: "/")
        guard !subPath.hasPrefix("/"), !parts.contains("..") else {
            throw ArtifactError("input artifact '\(name)': subPath '\(subPath)' must be a relative path inside the artifact")
        }
        let whole = dest + ".whole"
        defer { try? FileManager.default.removeItem(atPath: whole) }
        try ArtifactFetcher.fetch(.store(key: key), from: store, to: whole, unpack: true)
        let inner = whole + "/" + parts.joined(separator: "/")
        guard FileManager.default.fileExists(atPath: inner) else {
            throw ArtifactError("input artifact '\(name)': subPath '\(subPath)' is not in the artifact")
        }
        try FileManager.default.moveItem(atPath: inner, toPath: dest)
    }
}
