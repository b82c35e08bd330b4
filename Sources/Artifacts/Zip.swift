import CZlib
import Glibc

/// Zip archives, read for Argo's `archive: {zip: {}}` on an input artifact (the zip is
/// unpacked at the artifact's path). The central directory at the end of the file says where
/// each entry is; entries are stored or deflated (the two methods zip tools write), copied
/// out a chunk at a time. Entries whose names leave the target directory are refused; Unix
/// modes in the external attributes and symbolic links (mode 0o120000) are kept.
public enum Zip {
    public static func isZip(_ path: String) -> Bool {
        guard let f = fopen(path, "rb") else { return false }
        defer { fclose(f) }
        var magic = [UInt8](repeating: 0, count: 4)
        return fread(&magic, 1, 4, f) == 4 && magic == [0x50, 0x4B, 0x03, 0x04]
    }

    struct Entry {
        var name: String
        var method: UInt16
        var compressedSize: Int
        var size: Int
        var localHeaderOffset: Int
        var unixMode: UInt32?
    }

    /// Unpacks the zip file `source` into the directory `target` (made if missing).
    public static func extract(_ source: String, to target: String) throws(ArtifactError) {
        guard let f = fopen(source, "rb") else { throw ArtifactError("cannot read '\(source)': \(FileSystem.errnoText())") }
        defer { fclose(f) }
        let entries = try centralDirectory(f, source: source)
        try FileSystem.createDirectories(target)
        for e in entries {
            let parts = e.name.split(separator: "/", omittingEmptySubsequences: true)
            guard !e.name.hasPrefix("/"), !parts.contains(".."), !parts.isEmpty else {
                throw ArtifactError("zip '\(source)': entry '\(e.name)' would land outside the artifact's directory")
            }
            let path = target + "/" + parts.joined(separator: "/")
            if e.name.hasSuffix("/") {
                try FileSystem.createDirectories(path)
                continue
            }
            try FileSystem.createDirectories(FileSystem.parent(of: path))
            // The local header repeats the name and may carry its own extra field: skip both.
            let header = try readAt(f, e.localHeaderOffset, 30, source: source)
            guard u32(header, 0) == 0x0403_4B50 else { throw ArtifactError("zip '\(source)': entry '\(e.name)' has no local header") }
            let dataOffset = e.localHeaderOffset + 30 + Int(u16(header, 26)) + Int(u16(header, 28))
            let isLink = (e.unixMode ?? 0) & 0o170000 == 0o120000
            let out = isLink ? path + ".zip-link" : path
            try copyEntry(f, e, from: dataOffset, to: out, source: source)
            if isLink {
                let destination = String(decoding: try FileSystem.readFile(out), as: UTF8.self)
                unlink(out)
                unlink(path)
                guard symlink(destination, path) == 0 else { throw ArtifactError("cannot make the link '\(path)': \(FileSystem.errnoText())") }
            } else if let mode = e.unixMode, mode & 0o777 != 0 {
                chmod(path, mode_t(mode & 0o7777))
            }
        }
    }

    static func centralDirectory(_ f: UnsafeMutablePointer<FILE>, source: String) throws(ArtifactError) -> [Entry] {
        fseeko(f, 0, SEEK_END)
        let size = Int(ftello(f))
        // The end record is in the last 22 + 65535 bytes (its comment is at most 64 KiB).
        let tailLength = min(size, 22 + 65_535)
        let tail = try readAt(f, size - tailLength, tailLength, source: source)
        var end = -1
        var i = tail.count - 22
        while i >= 0 {
            if u32(tail, i) == 0x0605_4B50 { end = i; break }
            i -= 1
        }
        guard end >= 0 else { throw ArtifactError("'\(source)' is not a zip archive (no end of central directory)") }
        var count = Int(u16(tail, end + 10))
        var dirSize = Int(u32(tail, end + 12))
        var dirOffset = Int(u32(tail, end + 16))
        if dirOffset == 0xFFFF_FFFF || count == 0xFFFF {
            // Zip64: the locator just before the end record points at the zip64 end record.
            let locator = end - 20
            guard locator >= 0, u32(tail, locator) == 0x0706_4B50 else { throw ArtifactError("zip '\(source)': zip64 locator missing") }
            let record = try readAt(f, Int(u64(tail, locator + 8)), 56, source: source)
            guard u32(record, 0) == 0x0606_4B50 else { throw ArtifactError("zip '\(source)': zip64 end record missing") }
            count = Int(u64(record, 32))
            dirSize = Int(u64(record, 40))
            dirOffset = Int(u64(record, 48))
        }
        let dir = try readAt(f, dirOffset, dirSize, source: source)
        var entries: [Entry] = []
        var p = 0
        for _ in 0..<count {
            guard p + 46 <= dir.count, u32(dir, p) == 0x0201_4B50 else { throw ArtifactError("zip '\(source)': the central directory is damaged") }
            let madeBy = u16(dir, p + 4) >> 8
            let method = u16(dir, p + 10)
            var compressed = Int(u32(dir, p + 20)), plain = Int(u32(dir, p + 24))
            let nameLength = Int(u16(dir, p + 28)), extraLength = Int(u16(dir, p + 30)), commentLength = Int(u16(dir, p + 32))
            let external = u32(dir, p + 38)
            var offset = Int(u32(dir, p + 42))
            guard p + 46 + nameLength + extraLength <= dir.count else { throw ArtifactError("zip '\(source)': the central directory is damaged") }
            let name = String(decoding: dir[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            // Zip64 sizes and offset, in the extra field, for the values that overflowed.
            var x = p + 46 + nameLength
            let extraEnd = x + extraLength
            while x + 4 <= extraEnd {
                let id = u16(dir, x), length = Int(u16(dir, x + 2))
                if id == 0x0001 {
                    var y = x + 4
                    if plain == 0xFFFF_FFFF, y + 8 <= x + 4 + length { plain = Int(u64(dir, y)); y += 8 }
                    if compressed == 0xFFFF_FFFF, y + 8 <= x + 4 + length { compressed = Int(u64(dir, y)); y += 8 }
                    if offset == 0xFFFF_FFFF, y + 8 <= x + 4 + length { offset = Int(u64(dir, y)) }
                }
                x += 4 + length
            }
            guard method == 0 || method == 8 else {
                throw ArtifactError("zip '\(source)': entry '\(name)' uses compression method \(method); only stored and deflated entries are read")
            }
            entries.append(Entry(name: name, method: method, compressedSize: compressed, size: plain, localHeaderOffset: offset,
                                 unixMode: madeBy == 3 ? external >> 16 : nil))
            p += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }

    static func copyEntry(_ f: UnsafeMutablePointer<FILE>, _ e: Entry, from offset: Int, to path: String, source: String) throws(ArtifactError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ArtifactError("cannot create '\(path)': \(FileSystem.errnoText())") }
        defer { close(fd) }
        fseeko(f, off_t(offset), SEEK_SET)
        var left = e.compressedSize
        if e.method == 0 {
            var input = [UInt8](repeating: 0, count: 1 << 18)
            while left > 0 {
                let n = fread(&input, 1, min(input.count, left), f)
                guard n > 0 else { throw ArtifactError("zip '\(source)': entry '\(e.name)' is cut short") }
                try FileSystem.writeAll(fd, input, count: n, path: path)
                left -= n
            }
            return
        }
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ArtifactError("zip: inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        // Buffers of their own: zlib keeps pointing into the input between calls.
        let inCapacity = 1 << 18, outCapacity = 1 << 18
        let inBuf = UnsafeMutablePointer<UInt8>.allocate(capacity: inCapacity)
        let outBuf = UnsafeMutablePointer<UInt8>.allocate(capacity: outCapacity)
        defer { inBuf.deallocate(); outBuf.deallocate() }
        var written = 0
        while true {
            if stream.avail_in == 0 && left > 0 {
                let n = fread(inBuf, 1, min(inCapacity, left), f)
                guard n > 0 else { throw ArtifactError("zip '\(source)': entry '\(e.name)' is cut short") }
                left -= n
                stream.next_in = inBuf
                stream.avail_in = uInt(n)
            }
            stream.next_out = outBuf
            stream.avail_out = uInt(outCapacity)
            let rc = inflate(&stream, Z_NO_FLUSH)
            let produced = outCapacity - Int(stream.avail_out)
            if produced > 0 {
                try FileSystem.writeAll(fd, UnsafeRawBufferPointer(start: outBuf, count: produced), path: path)
                written += produced
            }
            if rc == Z_STREAM_END { break }
            guard rc == Z_OK || rc == Z_BUF_ERROR else {
                throw ArtifactError("zip '\(source)': entry '\(e.name)' is not valid deflate data")
            }
            if rc == Z_BUF_ERROR && stream.avail_in == 0 && left == 0 {
                throw ArtifactError("zip '\(source)': entry '\(e.name)' is cut short")
            }
        }
        guard written == e.size else { throw ArtifactError("zip '\(source)': entry '\(e.name)' gave \(written) bytes, not \(e.size)") }
    }

    static func readAt(_ f: UnsafeMutablePointer<FILE>, _ offset: Int, _ count: Int, source: String) throws(ArtifactError) -> [UInt8] {
        guard offset >= 0, count >= 0 else { throw ArtifactError("zip '\(source)': an offset points outside the file") }
        var buf = [UInt8](repeating: 0, count: count)
        fseeko(f, off_t(offset), SEEK_SET)
        guard fread(&buf, 1, count, f) == count else { throw ArtifactError("zip '\(source)': the file ends early") }
        return buf
    }

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(u16(b, i)) | UInt32(u16(b, i + 2)) << 16 }
    static func u64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(u32(b, i)) | UInt64(u32(b, i + 4)) << 32 }
}
