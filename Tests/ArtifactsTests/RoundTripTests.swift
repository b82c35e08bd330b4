import Artifacts
import Foundation
import Testing

/// A tree with the awkward cases: modes, an empty directory, symlinks and a path over 100 bytes.
func makeTree(_ scratch: Scratch, _ name: String) throws -> String {
    try scratch.write("\(name)/a.txt", "alpha\n")
    try scratch.write("\(name)/bin/run.sh", "#!/bin/sh\necho hi\n", mode: 0o755)
    try scratch.write("\(name)/private.key", "k", mode: 0o600)
    try scratch.mkdir("\(name)/empty")
    try scratch.write("\(name)/\(longSegment)/\(longSegment)/deep.txt", "deep\n")
    try scratch.symlink("\(name)/link", to: "a.txt")
    try scratch.symlink("\(name)/bin/up", to: "../a.txt")
    return scratch.path + "/" + name
}

@Suite struct RoundTripTests {
    @Test func fileRoundTripsThroughTarGzip() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try scratch.write("src/report.csv", "a,b\n1,2\n", mode: 0o640)
        let stamp = Date(timeIntervalSince1970: 1_600_000_000)
        try FileManager.default.setAttributes([.modificationDate: stamp], ofItemAtPath: scratch.path + "/src/report.csv")
        let store = LocalDirectoryStore(root: scratch.path + "/store")

        try ArtifactUploader.upload(path: scratch.path + "/src/report.csv", format: .tarGzip(level: nil),
                                    key: "wf-abc/wf-abc-123/report.tgz", to: store)
        let stored = try #require(FileManager.default.contents(atPath: scratch.path + "/store/wf-abc/wf-abc-123/report.tgz"))
        #expect(Array(stored.prefix(2)) == [0x1f, 0x8b])

        let dest = scratch.path + "/inputs/data/report.csv"
        try ArtifactFetcher.fetch(.store(key: "wf-abc/wf-abc-123/report.tgz"), from: store, to: dest, unpack: true)
        #expect(read(dest) == "a,b\n1,2\n")
        #expect(permissions(dest) == 0o640)
        let attributes = try FileManager.default.attributesOfItem(atPath: dest)
        #expect(attributes[.modificationDate] as? Date == stamp)
        // Nothing but the result is left next to the destination.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/inputs/data") == ["report.csv"])
    }

    @Test func directoryTreeRoundTripsThroughTarGzip() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let source = try makeTree(scratch, "out")
        let longPath = "out/\(longSegment)/\(longSegment)/deep.txt"
        #expect(longPath.utf8.count > 100)
        let store = LocalDirectoryStore(root: scratch.path + "/store")

        try ArtifactUploader.upload(path: source, format: .tarGzip(level: 9), key: "wf/out.tgz", to: store)
        let dest = scratch.path + "/fetched/renamed"
        try ArtifactFetcher.fetch(.store(key: "wf/out.tgz"), from: store, to: dest, unpack: true)

        let expected = snapshot(source)
        #expect(expected.count == 10)
        #expect(snapshot(dest) == expected)
        #expect(isDirectory(dest + "/empty"))
        #expect(isSymlink(dest + "/link"))
        #expect(read(dest + "/link") == "alpha\n")
        #expect(read(dest + "/bin/up") == "alpha\n")
        #expect(permissions(dest + "/bin/run.sh") == 0o755)
        #expect(read(scratch.path + "/fetched/renamed/" + longPath.dropFirst(4)) == "deep\n")
    }

    @Test func largeFileStreamsThroughInChunks() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        // 3 MiB + 123 bytes of varied data: several read chunks, several deflate chunks, odd padding.
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 3 * 1024 * 1024 + 123)
        for i in stride(from: 0, to: bytes.count, by: 8) {
            let word = generator.next() as UInt64
            for j in 0..<min(8, bytes.count - i) { bytes[i + j] = UInt8(truncatingIfNeeded: word >> (j * 8)) & 0x3f }
        }
        try scratch.mkdir("big")
        try Data(bytes).write(to: URL(fileURLWithPath: scratch.path + "/big/blob.bin"))
        let store = LocalDirectoryStore(root: scratch.path + "/store")
        try ArtifactUploader.upload(path: scratch.path + "/big", format: .tarGzip(level: 1), key: "big.tgz", to: store)

        let dest = scratch.path + "/in/big"
        try ArtifactFetcher.fetch(.store(key: "big.tgz"), from: store, to: dest, unpack: true)
        #expect(FileManager.default.contents(atPath: dest + "/blob.bin") == Data(bytes))
        let check = try run("/usr/bin/tar", ["-tzf", scratch.path + "/store/big.tgz"])
        #expect(check.status == 0)
        #expect(check.output == "big/\nbig/blob.bin\n")
    }

    @Test func fetchReplacesWhatIsAtTheDestination() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let source = try makeTree(scratch, "out")
        let store = LocalDirectoryStore(root: scratch.path + "/store")
        try ArtifactUploader.upload(path: source, format: .tarGzip(level: nil), key: "k.tgz", to: store)
        try scratch.write("dest/stale.txt", "old")
        try ArtifactFetcher.fetch(.store(key: "k.tgz"), from: store, to: scratch.path + "/dest", unpack: true)
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/dest/stale.txt"))
        #expect(read(scratch.path + "/dest/a.txt") == "alpha\n")
    }

    @Test func archiveNoneStoresTheFileAsIs() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try scratch.write("src/model.bin", "raw bytes, not an archive")
        let store = LocalDirectoryStore(root: scratch.path + "/store")
        try ArtifactUploader.upload(path: scratch.path + "/src/model.bin", format: .none, key: "wf/model.bin", to: store)
        #expect(read(scratch.path + "/store/wf/model.bin") == "raw bytes, not an archive")

        let dest = scratch.path + "/in/model.bin"
        try ArtifactFetcher.fetch(.store(key: "wf/model.bin"), from: store, to: dest, unpack: true)
        #expect(read(dest) == "raw bytes, not an archive")
    }

    /// `archive: none` on a directory keeps the tree as is under the key (as Argo does with
    /// one object per file), and it comes back as the same tree, not unpacked or wrapped.
    @Test func archiveNoneKeepsADirectoryAsIs() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let source = try makeTree(scratch, "out")
        let store = LocalDirectoryStore(root: scratch.path + "/store")
        try ArtifactUploader.upload(path: source, format: .none, key: "wf/out", to: store)
        #expect(try store.exists(key: "wf/out"))
        #expect(read(scratch.path + "/store/wf/out/a.txt") == "alpha\n")
        let dest = scratch.path + "/in/out"
        try ArtifactFetcher.fetch(.store(key: "wf/out"), from: store, to: dest, unpack: true)
        #expect(read(dest + "/a.txt") == "alpha\n")
        #expect(read(dest + "/bin/run.sh") == "#!/bin/sh\necho hi\n")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: dest + "/link")) == "a.txt")
    }

    @Test func uploadOfAMissingPathNamesIt() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let store = LocalDirectoryStore(root: scratch.path + "/store")
        let missing = scratch.path + "/nope/out.txt"
        let error = #expect(throws: ArtifactError.self) {
            try ArtifactUploader.upload(path: missing, format: .tarGzip(level: nil), key: "k.tgz", to: store)
        }
        #expect(error?.message == "output artifact path '\(missing)' does not exist")
    }

    @Test func gzipRoundTripsAndRejectsBadInput() throws {
        let text = Array(String(repeating: "skein artifacts ", count: 5000).utf8)
        let packed = try Gzip.compress(text, level: 6)
        #expect(Gzip.isGzip(packed))
        #expect(packed.count < text.count / 10)
        #expect(try Gzip.decompress(packed) == text)
        // Concatenated members decompress to the concatenation.
        let second = try Gzip.compress(Array("tail".utf8), level: 1)
        #expect(try Gzip.decompress(packed + second) == text + Array("tail".utf8))
        #expect(try Gzip.decompress(try Gzip.compress([])) == [])

        #expect(throws: ArtifactError.self) { try Gzip.decompress(Array(packed.prefix(packed.count / 2))) }
        #expect(throws: ArtifactError.self) { try Gzip.compress(text, level: 12) }
    }
}
