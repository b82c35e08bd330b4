/// One member of a tar archive, as read or to be written.
public struct TarEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file
        case directory
        case symlink(target: String)
        /// A hard link to an earlier member of the same archive (`target` is that member's path).
        case hardLink(target: String)
    }

    /// Path inside the archive, "/"-separated, without a trailing slash.
    public var path: String
    public var kind: Kind
    /// Permission bits (including setuid/setgid/sticky), e.g. 0o755.
    public var mode: UInt32
    /// Modification time, seconds since the epoch.
    public var modificationTime: Int
    /// Contents of a regular file; empty for other kinds.
    public var contents: [UInt8]

    public init(path: String, kind: Kind, mode: UInt32 = 0o644, modificationTime: Int = 0, contents: [UInt8] = []) {
        self.path = path
        self.kind = kind
        self.mode = mode
        self.modificationTime = modificationTime
        self.contents = contents
    }
}

/// Writes a POSIX tar stream (ustar headers, with a PAX extended header for names or link
/// targets longer than the 100 bytes ustar holds).
public struct TarWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func append(_ entry: TarEntry) {
        let size = entry.kind == .file ? entry.contents.count : 0
        appendHeader(for: entry, size: size)
        if size > 0 { appendPadded(entry.contents) }
    }

    /// Appends only the header(s) of `entry`, announcing `size` bytes of contents that the
    /// caller streams itself (followed by zero padding to a multiple of 512).
    mutating func appendHeader(for entry: TarEntry, size: Int) {
        var name = entry.path
        let type: UInt8
        var link = ""
        switch entry.kind {
        case .file: type = UInt8(ascii: "0")
        case .directory: type = UInt8(ascii: "5"); if !name.hasSuffix("/") { name += "/" }
        case .symlink(let target): type = UInt8(ascii: "2"); link = target
        case .hardLink(let target): type = UInt8(ascii: "1"); link = target
        }

        var pax = ""
        if name.utf8.count > 100 { pax += Self.paxRecord("path", name) }
        if link.utf8.count > 100 { pax += Self.paxRecord("linkpath", link) }
        if !pax.isEmpty {
            let data = Array(pax.utf8)
            let paxName = "PaxHeaders/" + String(decoding: Array(Self.lastComponent(name).utf8.prefix(80)), as: UTF8.self)
            appendHeader(name: paxName, mode: 0o644, size: data.count, mtime: entry.modificationTime,
                         type: UInt8(ascii: "x"), link: "")
            appendPadded(data)
        }
        appendHeader(name: name, mode: Int(entry.mode & 0o7777), size: entry.kind == .file ? size : 0,
                     mtime: entry.modificationTime, type: type, link: link)
    }

    /// Hands over the bytes written so far and starts empty again (for streaming).
    mutating func takeBytes() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }

    /// The archive: everything appended, then the two zero blocks that end a tar stream.
    public func finished() -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: 1024)
    }

    private mutating func appendPadded(_ data: [UInt8]) {
        bytes.append(contentsOf: data)
        let rest = data.count % 512
        if rest != 0 { bytes.append(contentsOf: [UInt8](repeating: 0, count: 512 - rest)) }
    }

    private mutating func appendHeader(name: String, mode: Int, size: Int, mtime: Int, type: UInt8, link: String) {
        var h = [UInt8](repeating: 0, count: 512)
        Self.put(&h, 0, 100, Array(name.utf8))
        Self.putNumber(&h, 100, 8, mode)
        Self.putNumber(&h, 108, 8, 0)   // uid: artifacts carry no owner, like Argo's archives
        Self.putNumber(&h, 116, 8, 0)   // gid
        Self.putNumber(&h, 124, 12, size)
        Self.putNumber(&h, 136, 12, max(0, mtime))
        h[156] = type
        Self.put(&h, 157, 100, Array(link.utf8))
        Self.put(&h, 257, 6, Array("ustar\0".utf8))
        Self.put(&h, 263, 2, Array("00".utf8))
        for i in 148..<156 { h[i] = 0x20 }
        let sum = h.reduce(0) { $0 + Int($1) }
        Self.put(&h, 148, 8, Array(String(sum, radix: 8).leftPadded(to: 6).utf8) + [0, 0x20])
        bytes.append(contentsOf: h)
    }

    private static func put(_ h: inout [UInt8], _ offset: Int, _ width: Int, _ value: [UInt8]) {
        for (i, b) in value.prefix(width).enumerated() { h[offset + i] = b }
    }

    /// Octal with a NUL terminator when it fits, else GNU/star base-256 (high bit set).
    private static func putNumber(_ h: inout [UInt8], _ offset: Int, _ width: Int, _ value: Int) {
        let octal = String(value, radix: 8)
        if octal.count <= width - 1 {
            put(&h, offset, width, Array(octal.leftPadded(to: width - 1).utf8) + [0])
        } else {
            var v = UInt64(value)
            for i in stride(from: offset + width - 1, to: offset, by: -1) {
                h[i] = UInt8(v & 0xff)
                v >>= 8
            }
            h[offset] = 0x80
        }
    }

    /// A PAX record "LEN key=value\n", where LEN counts the whole record including itself.
    static func paxRecord(_ key: String, _ value: String) -> String {
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while String(length).count + body.utf8.count != length { length = String(length).count + body.utf8.count }
        return "\(length)\(body)"
    }

    private static func lastComponent(_ path: String) -> String {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        return trimmed.split(separator: "/").last.map(String.init) ?? "entry"
    }
}

/// Reads tar streams as written by TarWriter, GNU tar (long names via 'L'/'K' members),
/// bsdtar and Go's archive/tar (PAX headers, ustar prefix field).
public enum TarReader {
    /// True when `bytes` begin with a tar header whose checksum is right.
    public static func isTar(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 512 else { return false }
        let block = bytes[0..<512]
        if block.allSatisfy({ $0 == 0 }) { return false }
        return checksumMatches(block)
    }

    public static func entries(_ bytes: [UInt8]) throws(ArtifactError) -> [TarEntry] {
        var result: [TarEntry] = []
        let failure: ArtifactError? = bytes.withUnsafeBytes { buffer in
            do throws(ArtifactError) {
                try scan(buffer) { entry, contents in
                    var entry = entry
                    entry.contents = Array(contents)
                    result.append(entry)
                }
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        return result
    }

    /// Calls `body` for each member of the tar in `buffer`, in order, with the member's contents
    /// as a view into `buffer` (no copy: `buffer` may be a mapped file of any size). The entry
    /// passed has empty `contents`.
    static func scan(_ buffer: UnsafeRawBufferPointer,
                     _ body: (TarEntry, UnsafeRawBufferPointer) throws(ArtifactError) -> Void) throws(ArtifactError) {
        var offset = 0
        var longName: String?
        var longLink: String?
        var paxPath: String?
        var paxLink: String?
        var paxSize: Int?
        while offset + 512 <= buffer.count {
            let header = Array(buffer[offset..<(offset + 512)])[...]
            if header.allSatisfy({ $0 == 0 }) { break }
            guard checksumMatches(header) else {
                throw ArtifactError("tar: corrupt header at byte \(offset) (checksum mismatch); the archive is damaged or not a tar")
            }
            let type = header[156]
            var size = try number(header, 124, 12, at: offset)
            if let s = paxSize, type != UInt8(ascii: "x"), type != UInt8(ascii: "g") { size = s }
            let dataStart = offset + 512
            guard size >= 0, size <= buffer.count - dataStart else {
                throw ArtifactError("tar: member at byte \(offset) runs past the end of the archive (truncated?)")
            }
            let data = UnsafeRawBufferPointer(rebasing: buffer[dataStart..<(dataStart + size)])
            let headerOffset = offset
            offset = dataStart + (size + 511) / 512 * 512

            switch type {
            case UInt8(ascii: "x"):
                let records = try parsePax(Array(data))
                if let p = records["path"] { paxPath = p }
                if let l = records["linkpath"] { paxLink = l }
                if let s = records["size"] { paxSize = Int(s) }
                continue
            case UInt8(ascii: "g"):
                continue
            case UInt8(ascii: "L"):
                longName = cString(Array(data)[...])
                continue
            case UInt8(ascii: "K"):
                longLink = cString(Array(data)[...])
                continue
            default:
                break
            }

            var name = cString(field(header, 0, 100))
            let magic = Array(field(header, 257, 6))
            if magic == Array("ustar\0".utf8) {
                let prefix = cString(field(header, 345, 155))
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            name = paxPath ?? longName ?? name
            let link = paxLink ?? longLink ?? cString(field(header, 157, 100))
            paxPath = nil; paxLink = nil; paxSize = nil; longName = nil; longLink = nil

            let mode = UInt32(try number(header, 100, 8, at: headerOffset) & 0o7777)
            let mtime = try number(header, 136, 12, at: headerOffset)
            let kind: TarEntry.Kind
            switch type {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                kind = name.hasSuffix("/") && type == 0 ? .directory : .file
            case UInt8(ascii: "5"): kind = .directory
            case UInt8(ascii: "2"): kind = .symlink(target: link)
            case UInt8(ascii: "1"): kind = .hardLink(target: link)
            default:
                continue   // devices, FIFOs and vendor extensions have no place in an artifact
            }
            while name.count > 1, name.hasSuffix("/") { name.removeLast() }
            try body(TarEntry(path: name, kind: kind, mode: mode, modificationTime: mtime),
                     kind == .file ? data : UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }

    private static func field(_ header: ArraySlice<UInt8>, _ offset: Int, _ width: Int) -> ArraySlice<UInt8> {
        let start = header.startIndex + offset
        return header[start..<(start + width)]
    }

    private static func cString(_ bytes: ArraySlice<UInt8>) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }

    private static func number(_ header: ArraySlice<UInt8>, _ offset: Int, _ width: Int, at position: Int) throws(ArtifactError) -> Int {
        let bytes = field(header, offset, width)
        if let first = bytes.first, first & 0x80 != 0 {
            var v = Int(first & 0x3f)
            for b in bytes.dropFirst() {
                guard v < Int.max >> 9 else { throw ArtifactError("tar: number too large in header at byte \(position)") }
                v = v << 8 | Int(b)
            }
            return v
        }
        let text = cString(bytes).trimmingSpaces()
        if text.isEmpty { return 0 }
        guard let v = Int(text, radix: 8) else {
            throw ArtifactError("tar: bad number '\(text)' in header at byte \(position)")
        }
        return v
    }

    private static func checksumMatches(_ header: ArraySlice<UInt8>) -> Bool {
        let stored = cString(field(header, 148, 8)).trimmingSpaces()
        guard let expected = Int(stored, radix: 8) else { return false }
        var unsigned = 0
        var signed = 0
        for (i, b) in header.enumerated() {
            let v = (148..<156).contains(i) ? 0x20 : b
            unsigned += Int(v)
            signed += Int(Int8(bitPattern: v))
        }
        return expected == unsigned || expected == signed
    }

    private static func parsePax(_ data: [UInt8]) throws(ArtifactError) -> [String: String] {
        var records: [String: String] = [:]
        var i = 0
        while i < data.count {
            guard let space = data[i...].firstIndex(of: 0x20),
                  let length = Int(String(decoding: data[i..<space], as: UTF8.self)),
                  length > 0, i + length <= data.count else {
                if data[i...].allSatisfy({ $0 == 0 }) { break }
                throw ArtifactError("tar: malformed PAX extended header")
            }
            let record = data[(space + 1)..<(i + length - 1)]   // without the trailing newline
            if let eq = record.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: record[record.startIndex..<eq], as: UTF8.self)
                records[key] = String(decoding: record[(eq + 1)...], as: UTF8.self)
            }
            i += length
        }
        return records
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }

    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\0" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\0" { s.removeLast() }
        return String(s)
    }
}
