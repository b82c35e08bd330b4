import Foundation
import Glibc

/// Small file-system helpers over Glibc, each failing with an `ArtifactError` that names the path.
enum FileSystem {
    enum Kind: Equatable { case file, directory, symlink, other }

    /// The kind of `path` without following a final symlink, or nil when nothing is there.
    static func kind(_ path: String, follow: Bool = false) -> Kind? {
        guard let st = status(path, follow: follow) else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    static func status(_ path: String, follow: Bool) -> Glibc.stat? {
        var st = Glibc.stat()
        let rc: Int32
        if follow { rc = stat(path, &st) } else { rc = lstat(path, &st) }
        return rc == 0 ? st : nil
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    static func parent(of path: String) -> String {
        let trimmed = stripTrailingSlashes(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        let p = String(trimmed[..<slash])
        return p.isEmpty ? "/" : p
    }

    static func baseName(of path: String) -> String {
        let trimmed = stripTrailingSlashes(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    static func stripTrailingSlashes(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        return String(p)
    }

    static func createDirectories(_ path: String) throws(ArtifactError) {
        if kind(path, follow: true) == .directory { return }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ArtifactError("cannot create directory '\(path)': \(error.localizedDescription)")
        }
    }

    /// Removes whatever is at `path` (file, symlink or whole tree); nothing there is fine.
    static func remove(_ path: String) throws(ArtifactError) {
        guard kind(path) != nil else { return }
        // A tree unpacked with read-only directories cannot be emptied until they are writable again.
        makeTreeWritable(path)
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw ArtifactError("cannot remove '\(path)': \(error.localizedDescription)")
        }
    }

    private static func makeTreeWritable(_ path: String) {
        guard kind(path) == .directory, let st = status(path, follow: false) else { return }
        if st.st_mode & S_IWUSR == 0 || st.st_mode & S_IXUSR == 0 {
            chmod(path, (st.st_mode & 0o7777) | S_IRWXU)
        }
        for child in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            makeTreeWritable(path + "/" + child)
        }
    }

    static func rename(_ from: String, _ to: String) throws(ArtifactError) {
        if Glibc.rename(from, to) != 0 {
            throw ArtifactError("cannot move '\(from)' to '\(to)': \(errnoText())")
        }
    }

    /// Moves `from` onto `to`, replacing a file or tree already at `to`.
    static func replace(_ to: String, with from: String) throws(ArtifactError) {
        if let existing = kind(to), existing == .directory || kind(from) == .directory {
            try remove(to)
        }
        try rename(from, to)
    }

    /// A fresh name next to `path` (same directory, so a rename onto `path` is atomic).
    static func temporarySibling(of path: String, tag: String) -> String {
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return parent(of: path) + "/." + baseName(of: path) + ".skein-\(tag)-" + random
    }

    static func readFile(_ path: String) throws(ArtifactError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ArtifactError("cannot read '\(path)': \(errnoText())")
        }
        return [UInt8](data)
    }

    /// Writes `bytes` to a new file at `path` with `mode`, never following a symlink at `path`.
    static func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(ArtifactError) {
        let failure: ArtifactError? = bytes.withUnsafeBytes { buffer in
            do throws(ArtifactError) { try writeFile(path, buffer, mode: mode); return nil } catch { return error }
        }
        if let failure { throw failure }
    }

    static func writeFile(_ path: String, _ bytes: UnsafeRawBufferPointer, mode: mode_t = 0o644) throws(ArtifactError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw ArtifactError("cannot create '\(path)': \(errnoText())") }
        defer { close(fd) }
        try writeAll(fd, bytes, path: path)
        fchmod(fd, mode)
    }

    /// Writes the first `count` bytes of `bytes` to `fd`, retrying short writes.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], count: Int, path: String) throws(ArtifactError) {
        let failure: ArtifactError? = bytes.withUnsafeBytes { buffer in
            do throws(ArtifactError) {
                try writeAll(fd, UnsafeRawBufferPointer(rebasing: buffer[0..<count]), path: path)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Writes all of `bytes` to `fd`, retrying short and interrupted writes.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(ArtifactError) {
        let count = bytes.count
        var written = 0
        while written < count {
            let n = Glibc.write(fd, bytes.baseAddress! + written, count - written)
            if n < 0 {
                if errno == EINTR { continue }
                throw ArtifactError("cannot write '\(path)': \(errnoText())")
            }
            written += n
        }
    }

    /// Copies the file at `from` to `to` through a temporary sibling and a rename.
    static func copyFileAtomically(from: String, to: String) throws(ArtifactError) {
        let temp = temporarySibling(of: to, tag: "copy")
        do {
            try FileManager.default.copyItem(atPath: from, toPath: temp)
        } catch {
            try? remove(temp)
            throw ArtifactError("cannot copy '\(from)' to '\(to)': \(error.localizedDescription)")
        }
        do {
            try replace(to, with: temp)
        } catch {
            try? remove(temp)
            throw error
        }
    }

    /// Copies a directory tree next to `to`, then swaps it into place.
    static func copyTreeAtomically(from: String, to: String) throws(ArtifactError) {
        let temp = temporarySibling(of: to, tag: "copy")
        do {
            try FileManager.default.copyItem(atPath: from, toPath: temp)
        } catch {
            try? remove(temp)
            throw ArtifactError("cannot copy '\(from)' to '\(to)': \(error.localizedDescription)")
        }
        try replace(to, with: temp)
    }

    static func readLink(_ path: String) throws(ArtifactError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { throw ArtifactError("cannot read symlink '\(path)': \(errnoText())") }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Up to `count` bytes from the start of the file.
    static func readPrefix(_ path: String, count: Int) throws(ArtifactError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ArtifactError("cannot read '\(path)': \(errnoText())") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ArtifactError("cannot read '\(path)': \(errnoText())")
            }
            if n == 0 { break }
            filled += n
        }
        return Array(buffer[0..<filled])
    }

    /// Calls `body` with the whole file mapped read-only into memory (pages are read on demand,
    /// so a large file costs address space, not memory).
    static func withMappedFile(_ path: String,
                               _ body: (UnsafeRawBufferPointer) throws(ArtifactError) -> Void) throws(ArtifactError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ArtifactError("cannot read '\(path)': \(errnoText())") }
        defer { close(fd) }
        guard let st = status(path, follow: true) else { throw ArtifactError("cannot read '\(path)': \(errnoText())") }
        let size = Int(st.st_size)
        if size == 0 {
            try body(UnsafeRawBufferPointer(start: nil, count: 0))
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0),
              address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw ArtifactError("cannot map '\(path)' into memory: \(errnoText())")
        }
        defer { munmap(address, size) }
        try body(UnsafeRawBufferPointer(start: address, count: size))
    }
}
