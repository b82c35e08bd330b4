import Foundation
public import WorkflowEngine
public import Artifacts
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

    public static func fetch(_ inputs: [InputArtifact], store: (any ArtifactStore)?, stagingDirectory: String) throws -> [Staged] {
        var staged: [Staged] = []
        try FileManager.default.createDirectory(atPath: stagingDirectory, withIntermediateDirectories: true)
        for (i, a) in inputs.enumerated() {
            let dest = "\(stagingDirectory)/\(i)-\(a.name)"
            switch a.source {
            case .none:
                continue
            case .stored(let key):
                try ArtifactFetcher.fetch(.store(key: key), from: store, to: dest, unpack: true)
            case .raw(let data):
                try ArtifactFetcher.fetch(.raw(data), from: store, to: dest, unpack: false)
            case .http(let url, let headers):
                try ArtifactFetcher.fetch(.http(url: url, headers: headers.map { (name: $0.name, value: $0.value) }),
                                          from: store, to: dest, unpack: false)
            }
            if let mode = a.mode {
                try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: dest)
            }
            staged.append(Staged(path: a.path, hostPath: dest))
        }
        return staged
    }
}
