import Artifacts
import Foundation
import Testing

/// Our archives against the system's GNU tar, both ways.
@Suite struct InteropTests {
    @Test func systemTarReadsOurArchive() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let source = try makeTree(scratch, "out")
        let store = LocalDirectoryStore(root: scratch.path + "/store")
        try ArtifactUploader.upload(path: source, format: .tarGzip(level: nil), key: "wf/out.tgz", to: store)

        try scratch.mkdir("x")
        let result = try run("/usr/bin/tar", ["-xzf", scratch.path + "/store/wf/out.tgz", "-C", scratch.path + "/x"])
        #expect(result.status == 0, "tar said: \(result.output)")
        // One top-level entry named after the uploaded directory, holding the same tree.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/x") == ["out"])
        #expect(snapshot(scratch.path + "/x/out") == snapshot(source))

        let listing = try run("/usr/bin/tar", ["-tzf", scratch.path + "/store/wf/out.tgz"])
        #expect(listing.output.contains("out/\(longSegment)/\(longSegment)/deep.txt"))
    }

    @Test func systemTarReadsOurSingleFileArchive() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try scratch.write("src/result.json", "{\"ok\":true}", mode: 0o600)
        let store = LocalDirectoryStore(root: scratch.path + "/store")
        try ArtifactUploader.upload(path: scratch.path + "/src/result.json", format: .tarGzip(level: 1), key: "r.tgz", to: store)
        let listing = try run("/usr/bin/tar", ["-tvzf", scratch.path + "/store/r.tgz"])
        #expect(listing.status == 0)
        #expect(listing.output.hasPrefix("-rw-------"))
        #expect(listing.output.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(" result.json"))
    }

    @Test(arguments: ["gnu", "pax", "ustar-short"])
    func ourReaderUnpacksSystemTarball(format: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let source: String
        if format == "ustar-short" {
            // ustar cannot hold the long path of makeTree; a smaller tree with a symlink and empty dir.
            try scratch.write("out/a.txt", "alpha\n")
            try scratch.write("out/sub/b.sh", "b", mode: 0o755)
            try scratch.mkdir("out/empty")
            try scratch.symlink("out/sub/link", to: "../a.txt")
            // 124 bytes: GNU tar splits it over ustar's prefix and name fields.
            try scratch.write("out/\(longSegment)/\(String(repeating: "m", count: 30))/deep.txt", "deep")
            source = scratch.path + "/out"
        } else {
            source = try makeTree(scratch, "out")
        }
        let tarFormat = format == "ustar-short" ? "ustar" : format
        let made = try run("/usr/bin/tar", ["--format=\(tarFormat)", "-czf", scratch.path + "/sys.tgz", "-C", scratch.path, "out"])
        #expect(made.status == 0, "tar said: \(made.output)")
        let store = LocalDirectoryStore(root: scratch.path + "/store")
        try store.put(file: scratch.path + "/sys.tgz", key: "sys.tgz")

        let dest = scratch.path + "/in/tree"
        try ArtifactFetcher.fetch(.store(key: "sys.tgz"), from: store, to: dest, unpack: true)
        #expect(snapshot(dest) == snapshot(source))
        #expect(!snapshot(dest).isEmpty)
    }

    @Test func hardLinksFromSystemTarAreUnpacked() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try scratch.write("out/original.txt", "shared")
        try FileManager.default.linkItem(atPath: scratch.path + "/out/original.txt", toPath: scratch.path + "/out/hard.txt")
        let made = try run("/usr/bin/tar", ["-czf", scratch.path + "/sys.tgz", "-C", scratch.path, "out"])
        #expect(made.status == 0)
        let listing = try run("/usr/bin/tar", ["-tvzf", scratch.path + "/sys.tgz"])
        #expect(listing.output.contains(" link to "))   // the archive really holds a hard link entry

        let store = LocalDirectoryStore(root: scratch.path + "/store")
        try store.put(file: scratch.path + "/sys.tgz", key: "sys.tgz")
        let dest = scratch.path + "/in/out"
        try ArtifactFetcher.fetch(.store(key: "sys.tgz"), from: store, to: dest, unpack: true)
        #expect(read(dest + "/original.txt") == "shared")
        #expect(read(dest + "/hard.txt") == "shared")
    }

    @Test func plainUncompressedTarIsUnpackedToo() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try scratch.write("data/one.txt", "1")
        try scratch.write("data/two.txt", "2")
        // "-C data ." gives entries "./", "./one.txt", "./two.txt": two top-level entries.
        let made = try run("/usr/bin/tar", ["-cf", scratch.path + "/plain.tar", "-C", scratch.path + "/data", "."])
        #expect(made.status == 0)
        let store = LocalDirectoryStore(root: scratch.path + "/store")
        try store.put(file: scratch.path + "/plain.tar", key: "plain.tar")
        let dest = scratch.path + "/in/data"
        try ArtifactFetcher.fetch(.store(key: "plain.tar"), from: store, to: dest, unpack: true)
        #expect(read(dest + "/one.txt") == "1")
        #expect(read(dest + "/two.txt") == "2")
    }
}
