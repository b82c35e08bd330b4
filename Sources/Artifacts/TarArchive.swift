import Foundation
import Glibc

/// Packing a file or directory tree into a tar, and unpacking a tar safely into a directory.
public enum TarArchive {
    /// A tar holding one top-level entry named after the basename of `path`: the file itself,
    /// or the directory and everything under it (regular files, directories, symlinks, modes).
    /// A symlink given as `path` itself is followed; symlinks inside a tree are kept as links.
    public static func create(from path: String) throws(ArtifactError) -> [UInt8] {
        let output = ArrayOutput()
        try write(from: path, to: output)
        return output.bytes
    }

    /// Like `create(from:)`, writing the tar to `output` as it goes (file contents in chunks).
    static func write(from path: String, to output: some ByteOutput) throws(ArtifactError) {
        let name = FileSystem.baseName(of: path)
        guard !name.isEmpty, name != "/", name != ".", name != ".." else {
            throw ArtifactError("cannot archive '\(path)': give the path by a name (e.g. /work/out, not / or .)")
        }
        try add(path: path, as: name, follow: true, to: output)
        try output.write([UInt8](repeating: 0, count: 1024))
    }

    private static func add(path: String, as name: String, follow: Bool, to output: some ByteOutput) throws(ArtifactError) {
        guard let st = FileSystem.status(path, follow: follow) else {
            throw ArtifactError("cannot archive '\(path)': \(FileSystem.errnoText())")
        }
        let mode = UInt32(st.st_mode & 0o7777)
        let mtime = Int(st.st_mtim.tv_sec)
        var header = TarWriter()
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            let size = Int(st.st_size)
            header.appendHeader(for: TarEntry(path: name, kind: .file, mode: mode, modificationTime: mtime), size: size)
            try output.write(header.takeBytes())
            try streamContents(of: path, size: size, to: output)
        case S_IFLNK:
            header.append(TarEntry(path: name, kind: .symlink(target: try FileSystem.readLink(path)),
                                   mode: mode, modificationTime: mtime))
            try output.write(header.takeBytes())
        case S_IFDIR:
            header.append(TarEntry(path: name, kind: .directory, mode: mode, modificationTime: mtime))
            try output.write(header.takeBytes())
            let children: [String]
            do {
                children = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
            } catch {
                throw ArtifactError("cannot list directory '\(path)': \(error.localizedDescription)")
            }
            for child in children {
                try add(path: path + "/" + child, as: name + "/" + child, follow: false, to: output)
            }
        default:
            break   // sockets, FIFOs and devices are not artifact content
        }
    }

    /// Exactly `size` bytes of the file, then zero padding to a 512-byte boundary. A file that
    /// shrank meanwhile is padded with zeros, one that grew is cut, as tar does.
    private static func streamContents(of path: String, size: Int, to output: some ByteOutput) throws(ArtifactError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ArtifactError("cannot read '\(path)': \(FileSystem.errnoText())") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var remaining = size
        while remaining > 0 {
            let want = min(remaining, buffer.count)
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, want) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ArtifactError("cannot read '\(path)': \(FileSystem.errnoText())")
            }
            if n == 0 { break }
            let result: ArtifactError? = buffer.withUnsafeBytes { raw in
                do throws(ArtifactError) { try output.write(UnsafeRawBufferPointer(rebasing: raw[0..<n])); return nil }
                catch { return error }
            }
            if let result { throw result }
            remaining -= n
        }
        let padding = remaining + (512 - size % 512) % 512
        if padding > 0 { try output.write([UInt8](repeating: 0, count: padding)) }
    }

    /// Unpacks `bytes` (a tar) into the existing directory `root`.
    ///
    /// Entries with absolute paths or ".." components, symlinks pointing outside `root`, and
    /// entries that would be written through a symlink are rejected with an error naming them.
    public static func extract(_ bytes: [UInt8], into root: String) throws(ArtifactError) {
        let failure: ArtifactError? = bytes.withUnsafeBytes { buffer in
            do throws(ArtifactError) {
                try extract(buffer, into: root, confineToSingleTopLevelDirectory: false)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// The top-level names of an archive, and whether the single one (if so) is a directory.
    static func topLevel(of buffer: UnsafeRawBufferPointer) throws(ArtifactError) -> (names: Set<String>, singleDirectory: Bool) {
        var names: Set<String> = []
        var directories: Set<String> = []
        try TarReader.scan(buffer) { entry, _ throws(ArtifactError) in
            let components = try safeComponents(entry.path, entry: entry.path)
            guard let first = components.first else { return }
            names.insert(first)
            if components.count > 1 || entry.kind == .directory { directories.insert(first) }
        }
        return (names, names.count == 1 && directories == names)
    }

    /// With `confineToSingleTopLevelDirectory`, an archive whose only top-level entry is a directory
    /// (which Argo's rule moves to the destination by itself) may not hold symlinks that leave it.
    static func extract(_ buffer: UnsafeRawBufferPointer, into root: String,
                        confineToSingleTopLevelDirectory: Bool) throws(ArtifactError) {
        let top = try topLevel(of: buffer)
        let confined = confineToSingleTopLevelDirectory && top.singleDirectory
        let linkRoot = confined ? root + "/" + top.names.first! : root
        let minimumDepth = confined ? 1 : 0
        var directoryModes: [(String, UInt32, Int)] = []
        var linksToCheck: [(String, String)] = []
        try TarReader.scan(buffer) { entry, contents throws(ArtifactError) in
            let components = try safeComponents(entry.path, entry: entry.path)
            if components.isEmpty { return }   // "./": the archive's root itself
            let target = try prepareParents(root: root, components: components, entry: entry.path)
            let relative = components.joined(separator: "/")
            switch entry.kind {
            case .directory:
                if FileSystem.kind(target) != .directory {
                    try FileSystem.remove(target)
                    guard mkdir(target, 0o700) == 0 else {
                        throw ArtifactError("cannot create directory '\(target)' for entry '\(entry.path)': \(FileSystem.errnoText())")
                    }
                }
                directoryModes.append((target, entry.mode, entry.modificationTime))
            case .file:
                if FileSystem.kind(target) != nil { try FileSystem.remove(target) }
                try FileSystem.writeFile(target, contents, mode: mode_t(entry.mode))
                setModificationTime(target, entry.modificationTime)
            case .symlink(let linkTarget):
                try checkSymlink(linkTarget, at: components, minimumDepth: minimumDepth, entry: entry.path)
                try FileSystem.remove(target)
                guard symlink(linkTarget, target) == 0 else {
                    throw ArtifactError("cannot create symlink '\(target)' for entry '\(entry.path)': \(FileSystem.errnoText())")
                }
                linksToCheck.append((target, entry.path))
            case .hardLink(let linkTarget):
                let source = try safeComponents(linkTarget, entry: entry.path)
                let sourcePath = root + "/" + source.joined(separator: "/")
                guard !source.isEmpty, FileSystem.kind(sourcePath) == .file else {
                    throw ArtifactError("tar entry '\(relative)' is a hard link to '\(linkTarget)', which is not an earlier file of the archive")
                }
                _ = try prepareParents(root: root, components: source, entry: entry.path)
                try FileSystem.remove(target)
                guard link(sourcePath, target) == 0 else {
                    throw ArtifactError("cannot create hard link '\(target)' for entry '\(entry.path)': \(FileSystem.errnoText())")
                }
            }
        }
        // Modes last, deepest first, so a read-only directory does not stop its own contents.
        for (path, mode, mtime) in directoryModes.reversed() {
            chmod(path, mode_t(mode))
            setModificationTime(path, mtime)
        }
        // A link may look fine by itself yet leave the tree through other links ("a -> ." then
        // "b -> a/.."): resolve each one that now resolves and make sure it stays inside.
        if !linksToCheck.isEmpty, let realRoot = FileSystem.realPath(linkRoot) {
            for (path, entry) in linksToCheck {
                guard let resolved = FileSystem.realPath(path) else { continue }
                if resolved != realRoot && !resolved.hasPrefix(realRoot + "/") {
                    throw ArtifactError("tar entry '\(entry)' is a symlink that leads outside the unpack directory (to '\(resolved)'); refusing to unpack it")
                }
            }
        }
    }

    private static func setModificationTime(_ path: String, _ seconds: Int) {
        guard seconds > 0 else { return }
        let time = timespec(tv_sec: seconds, tv_nsec: 0)
        var times = (time, time)
        _ = withUnsafePointer(to: &times) { pair in
            pair.withMemoryRebound(to: timespec.self, capacity: 2) { utimensat(AT_FDCWD, path, $0, AT_SYMLINK_NOFOLLOW) }
        }
    }

    /// The components of an entry path, refusing anything that could leave the unpack directory.
    static func safeComponents(_ path: String, entry: String) throws(ArtifactError) -> [String] {
        if path.hasPrefix("/") {
            throw ArtifactError("tar entry '\(entry)' has an absolute path; refusing to unpack it outside the destination")
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
        if parts.contains("..") {
            throw ArtifactError("tar entry '\(entry)' has a '..' component; refusing to unpack it outside the destination")
        }
        return parts
    }

    /// Makes the parent directories of an entry, refusing to go through a symlink; returns its full path.
    private static func prepareParents(root: String, components: [String], entry: String) throws(ArtifactError) -> String {
        var path = root
        for component in components.dropLast() {
            path += "/" + component
            switch FileSystem.kind(path) {
            case .directory:
                continue
            case nil:
                guard mkdir(path, 0o755) == 0 else {
                    throw ArtifactError("cannot create directory '\(path)' for entry '\(entry)': \(FileSystem.errnoText())")
                }
            case .symlink:
                throw ArtifactError("tar entry '\(entry)' would be written through the symlink '\(path)'; refusing to unpack it")
            default:
                throw ArtifactError("tar entry '\(entry)' needs '\(path)' to be a directory, but an earlier entry made it a file")
            }
        }
        return root + "/" + components.joined(separator: "/")
    }

    private static func checkSymlink(_ target: String, at components: [String], minimumDepth: Int,
                                     entry: String) throws(ArtifactError) {
        if target.isEmpty {
            throw ArtifactError("tar entry '\(entry)' is a symlink with an empty target")
        }
        if target.hasPrefix("/") {
            throw ArtifactError("tar entry '\(entry)' is a symlink to the absolute path '\(target)', outside the destination; refusing to unpack it")
        }
        var stack = Array(components.dropLast())
        for part in target.split(separator: "/") where part != "." {
            if part == ".." {
                if stack.count <= minimumDepth {
                    throw ArtifactError("tar entry '\(entry)' is a symlink to '\(target)', outside the destination; refusing to unpack it")
                }
                stack.removeLast()
            } else {
                stack.append(String(part))
            }
        }
    }
}
