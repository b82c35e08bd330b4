import Artifacts
import Foundation
import Testing

/// Argo's unpack rule and the refusal of archives that would write outside the destination.
@Suite struct UnpackTests {
    func storeWith(_ entries: [TarEntry], gzip: Bool = true, in scratch: Scratch) throws -> LocalDirectoryStore {
        var writer = TarWriter()
        for entry in entries { writer.append(entry) }
        let tar = writer.finished()
        let bytes = gzip ? try Gzip.compress(tar) : tar
        try Data(bytes).write(to: URL(fileURLWithPath: scratch.path + "/crafted.tgz"))
        let store = LocalDirectoryStore(root: scratch.path + "/store")
        try store.put(file: scratch.path + "/crafted.tgz", key: "crafted.tgz")
        return store
    }

    @Test func singleTopLevelFileBecomesTheDestination() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let store = try storeWith([TarEntry(path: "whatever-name.txt", kind: .file, contents: Array("only".utf8))], in: scratch)
        let dest = scratch.path + "/in/my-input"
        try ArtifactFetcher.fetch(.store(key: "crafted.tgz"), from: store, to: dest, unpack: true)
        #expect(!isDirectory(dest))
        #expect(read(dest) == "only")
    }

    @Test func severalTopLevelEntriesBecomeADirectory() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let store = try storeWith([
            TarEntry(path: "one.txt", kind: .file, contents: Array("1".utf8)),
            TarEntry(path: "dir", kind: .directory, mode: 0o755),
            TarEntry(path: "dir/two.txt", kind: .file, contents: Array("2".utf8)),
        ], in: scratch)
        let dest = scratch.path + "/in/my-input"
        try ArtifactFetcher.fetch(.store(key: "crafted.tgz"), from: store, to: dest, unpack: true)
        #expect(isDirectory(dest))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dest)) == ["one.txt", "dir"])
        #expect(read(dest + "/dir/two.txt") == "2")
    }

    @Test func withoutUnpackTheArchiveIsKeptAsAFile() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let store = try storeWith([TarEntry(path: "a.txt", kind: .file, contents: Array("a".utf8))], in: scratch)
        let dest = scratch.path + "/in/archive.tgz"
        try ArtifactFetcher.fetch(.store(key: "crafted.tgz"), from: store, to: dest, unpack: false)
        let bytes = try #require(FileManager.default.contents(atPath: dest))
        #expect(Array(bytes.prefix(2)) == [0x1f, 0x8b])
    }

    @Test(arguments: [
        ("../evil", TarEntry.Kind.file, "'..' component"),
        ("dir/../../evil", TarEntry.Kind.file, "'..' component"),
        ("/tmp/skein-evil-absolute", TarEntry.Kind.file, "absolute path"),
        ("up", TarEntry.Kind.symlink(target: "../../outside"), "outside the destination"),
        ("abs", TarEntry.Kind.symlink(target: "/etc/passwd"), "absolute path"),
    ])
    func escapingEntriesAreRejected(path: String, kind: TarEntry.Kind, reason: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let store = try storeWith([
            TarEntry(path: "fine.txt", kind: .file, contents: Array("ok".utf8)),
            TarEntry(path: path, kind: kind, contents: Array("pwned".utf8)),
        ], in: scratch)
        try scratch.mkdir("a/b")
        let dest = scratch.path + "/a/b/dest"
        let error = #expect(throws: ArtifactError.self) {
            try ArtifactFetcher.fetch(.store(key: "crafted.tgz"), from: store, to: dest, unpack: true)
        }
        #expect(error?.message.contains("'\(path)'") == true, "message: \(error?.message ?? "")")
        #expect(error?.message.contains(reason) == true, "message: \(error?.message ?? "")")
        // Nothing was written: no destination, no staging directory, no escaped file.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/a/b") == [])
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/a/evil"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/skein-evil-absolute"))
    }

    @Test func writingThroughASymlinkIsRejected() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        // "here -> ." is harmless alone, "loop -> here/.." leaves the tree, and "here/x" would go through a link.
        let store = try storeWith([
            TarEntry(path: "here", kind: .symlink(target: ".")),
            TarEntry(path: "here/x.txt", kind: .file, contents: Array("x".utf8)),
        ], in: scratch)
        let error = #expect(throws: ArtifactError.self) {
            try ArtifactFetcher.fetch(.store(key: "crafted.tgz"), from: store, to: scratch.path + "/dest", unpack: true)
        }
        #expect(error?.message.contains("'here/x.txt' would be written through the symlink") == true, "message: \(error?.message ?? "")")

        let chained = try storeWith([
            TarEntry(path: "here", kind: .symlink(target: ".")),
            TarEntry(path: "loop", kind: .symlink(target: "here/..")),
        ], in: scratch)
        let chainError = #expect(throws: ArtifactError.self) {
            try ArtifactFetcher.fetch(.store(key: "crafted.tgz"), from: chained, to: scratch.path + "/dest", unpack: true)
        }
        #expect(chainError?.message.contains("'loop'") == true, "message: \(chainError?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/dest"))
    }

    @Test func linksMayNotLeaveASingleTopLevelDirectory() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        // Inside the staging area "out/l -> ../secret" stays in; once "out" becomes the
        // destination it would point next to it, so it is refused.
        let store = try storeWith([
            TarEntry(path: "out", kind: .directory, mode: 0o755),
            TarEntry(path: "out/l", kind: .symlink(target: "../secret")),
        ], in: scratch)
        try scratch.write("in/secret", "do not expose")
        let error = #expect(throws: ArtifactError.self) {
            try ArtifactFetcher.fetch(.store(key: "crafted.tgz"), from: store, to: scratch.path + "/in/dest", unpack: true)
        }
        #expect(error?.message.contains("'out/l'") == true, "message: \(error?.message ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/in") == ["secret"])

        // The same link is fine beside a second top-level entry: the destination then holds both.
        let two = try storeWith([
            TarEntry(path: "out", kind: .directory, mode: 0o755),
            TarEntry(path: "out/l", kind: .symlink(target: "../secret")),
            TarEntry(path: "secret", kind: .file, contents: Array("inside".utf8)),
        ], in: scratch)
        try ArtifactFetcher.fetch(.store(key: "crafted.tgz"), from: two, to: scratch.path + "/in/dest", unpack: true)
        #expect(read(scratch.path + "/in/dest/out/l") == "inside")
    }

    @Test func aLoneSymlinkIsKeptInsideADestinationDirectory() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let store = try storeWith([TarEntry(path: "l", kind: .symlink(target: "sibling"))], in: scratch)
        let dest = scratch.path + "/in/dest"
        try ArtifactFetcher.fetch(.store(key: "crafted.tgz"), from: store, to: dest, unpack: true)
        #expect(isDirectory(dest))
        #expect(isSymlink(dest + "/l"))
    }

    @Test func gzipThatIsNotATarIsKeptAndBrokenGzipIsAnError() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let store = LocalDirectoryStore(root: scratch.path + "/store")
        let packed = try Gzip.compress(Array(String(repeating: "plain text, not a tar\n", count: 100).utf8))
        try Data(packed).write(to: URL(fileURLWithPath: scratch.path + "/notes.gz"))
        try store.put(file: scratch.path + "/notes.gz", key: "notes.gz")
        let dest = scratch.path + "/in/notes.gz"
        try ArtifactFetcher.fetch(.store(key: "notes.gz"), from: store, to: dest, unpack: true)
        #expect(FileManager.default.contents(atPath: dest) == Data(packed))

        try Data(packed.prefix(packed.count - 12)).write(to: URL(fileURLWithPath: scratch.path + "/cut.gz"))
        try store.put(file: scratch.path + "/cut.gz", key: "cut.gz")
        let error = #expect(throws: ArtifactError.self) {
            try ArtifactFetcher.fetch(.store(key: "cut.gz"), from: store, to: scratch.path + "/in/cut", unpack: true)
        }
        #expect(error?.message.contains("cannot be decompressed") == true, "message: \(error?.message ?? "")")
        #expect(error?.message.contains("truncated") == true, "message: \(error?.message ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/in") == ["notes.gz"])
    }

    @Test func multiMemberGzipIsUnpackedWhole() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        var writer = TarWriter()
        writer.append(TarEntry(path: "a.txt", kind: .file, contents: Array(String(repeating: "a", count: 3000).utf8)))
        writer.append(TarEntry(path: "b.txt", kind: .file, contents: Array("b".utf8)))
        let tar = writer.finished()
        // Two gzip members split in the middle of a file, as `cat part1.gz part2.gz` gives.
        let bytes = try Gzip.compress(Array(tar[0..<1500])) + Gzip.compress(Array(tar[1500...]))
        try Data(bytes).write(to: URL(fileURLWithPath: scratch.path + "/multi.tgz"))
        let store = LocalDirectoryStore(root: scratch.path + "/store")
        try store.put(file: scratch.path + "/multi.tgz", key: "multi.tgz")
        let dest = scratch.path + "/in/multi"
        try ArtifactFetcher.fetch(.store(key: "multi.tgz"), from: store, to: dest, unpack: true)
        #expect(read(dest + "/a.txt") == String(repeating: "a", count: 3000))
        #expect(read(dest + "/b.txt") == "b")
    }

    @Test func longNamesUsePaxAndReadBack() throws {
        let long = "top/" + String(repeating: "n", count: 150) + "/file.txt"
        var writer = TarWriter()
        writer.append(TarEntry(path: long, kind: .file, mode: 0o600, modificationTime: 1_700_000_000, contents: Array("v".utf8)))
        writer.append(TarEntry(path: "top/l", kind: .symlink(target: String(repeating: "t", count: 120))))
        let tar = writer.finished()
        #expect(TarReader.isTar(tar))
        let entries = try TarReader.entries(tar)
        #expect(entries == [
            TarEntry(path: long, kind: .file, mode: 0o600, modificationTime: 1_700_000_000, contents: Array("v".utf8)),
            TarEntry(path: "top/l", kind: .symlink(target: String(repeating: "t", count: 120))),
        ])
        #expect(!TarReader.isTar(Array("just text".utf8)))
        #expect(!TarReader.isTar([UInt8](repeating: 0, count: 1024)))
    }
}
