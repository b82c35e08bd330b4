import Artifacts
import Foundation
import Testing

@Suite struct LocalDirectoryStoreTests {
    @Test func putGetExistsDelete() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let root = scratch.path + "/store"
        let store = LocalDirectoryStore(root: root)
        #expect(store.description == "local directory \(root)")
        try scratch.write("f.txt", "v1")

        #expect(try store.exists(key: "wf-abc/wf-abc-123/out.tgz") == false)
        try store.put(file: scratch.path + "/f.txt", key: "wf-abc/wf-abc-123/out.tgz")
        #expect(try store.exists(key: "wf-abc/wf-abc-123/out.tgz"))
        #expect(read(root + "/wf-abc/wf-abc-123/out.tgz") == "v1")

        try scratch.write("f.txt", "v2")
        try store.put(file: scratch.path + "/f.txt", key: "wf-abc/wf-abc-123/out.tgz")
        try store.get(key: "wf-abc/wf-abc-123/out.tgz", toFile: scratch.path + "/back/copy.txt")
        #expect(read(scratch.path + "/back/copy.txt") == "v2")
        // Only the value is left in the key's directory: the temporary copy was renamed into place.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/wf-abc/wf-abc-123") == ["out.tgz"])

        try store.delete(key: "wf-abc/wf-abc-123/out.tgz")
        #expect(try store.exists(key: "wf-abc/wf-abc-123/out.tgz") == false)
        try store.delete(key: "wf-abc/wf-abc-123/out.tgz")   // missing is not an error
    }

    @Test func missingKeyErrorNamesKeyAndRoot() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let store = LocalDirectoryStore(root: scratch.path + "/store")
        let error = #expect(throws: ArtifactError.self) {
            try store.get(key: "wf/nope.tgz", toFile: scratch.path + "/x")
        }
        #expect(error?.message == "artifact 'wf/nope.tgz' not found in \(scratch.path)/store")
        #expect(error?.description == error?.message)

        let fetchError = #expect(throws: ArtifactError.self) {
            try ArtifactFetcher.fetch(.store(key: "wf/nope.tgz"), from: store, to: scratch.path + "/in/x", unpack: true)
        }
        #expect(fetchError?.message == "artifact 'wf/nope.tgz' not found in \(scratch.path)/store")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/in/x"))
    }

    @Test(arguments: ["/etc/passwd", "../outside", "wf/../../outside", "", "a/./.."])
    func unsafeKeysAreRejected(key: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try scratch.write("f.txt", "v")
        let store = LocalDirectoryStore(root: scratch.path + "/store")
        let error = #expect(throws: ArtifactError.self) {
            try store.put(file: scratch.path + "/f.txt", key: key)
        }
        #expect(error?.message.contains("key") == true)
        if !key.isEmpty { #expect(error?.message.contains("'\(key)'") == true) }
        #expect(throws: ArtifactError.self) { try store.exists(key: key) }
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/outside"))
    }

    @Test func storeSourceWithoutAStoreSaysSo() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let error = #expect(throws: ArtifactError.self) {
            try ArtifactFetcher.fetch(.store(key: "wf/a.tgz"), from: nil, to: scratch.path + "/x", unpack: true)
        }
        #expect(error?.message.contains("'wf/a.tgz'") == true)
        #expect(error?.message.contains("no store is configured") == true)
    }
}

@Suite struct RawSourceTests {
    @Test func rawTextIsWrittenWithParentDirectories() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let dest = scratch.path + "/deep/er/input.txt"
        try ArtifactFetcher.fetch(.raw("hello\nworld\n"), from: nil, to: dest, unpack: false)
        #expect(read(dest) == "hello\nworld\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/deep/er") == ["input.txt"])

        // Fetching again replaces the file.
        try ArtifactFetcher.fetch(.raw("second"), from: nil, to: dest, unpack: true)
        #expect(read(dest) == "second")
    }
}
