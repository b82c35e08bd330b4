import CZlib
import Glibc

/// gzip (RFC 1952) compression over zlib, the compression of Argo's default `tgz` archive.
public enum Gzip {
    /// True when `bytes` start with the gzip magic number 1f 8b.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// Compresses `input` into one gzip member. `level` is zlib's 0...9 (nil: 6, gzip's default).
    public static func compress(_ input: [UInt8], level: Int? = nil) throws(ArtifactError) -> [UInt8] {
        let level = level ?? 6
        guard (0...9).contains(level) else {
            throw ArtifactError("gzip compression level \(level) is out of range: use 0 (store) to 9 (smallest)")
        }
        var stream = z_stream()
        var rc = deflateInit2_(&stream, Int32(level), Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                               ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw ArtifactError("gzip: deflateInit2 failed (\(rc))") }
        defer { deflateEnd(&stream) }

        var input = input
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 2 + 64)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        rc = input.withUnsafeMutableBufferPointer { inBuf -> Int32 in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            var status: Int32 = Z_OK
            while status == Z_OK {
                status = chunk.withUnsafeMutableBufferPointer { outBuf -> Int32 in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    let r = deflate(&stream, Z_FINISH)
                    output.append(contentsOf: outBuf[0..<(outBuf.count - Int(stream.avail_out))])
                    return r
                }
            }
            return status
        }
        guard rc == Z_STREAM_END else { throw ArtifactError("gzip: deflate failed (\(rc))") }
        return output
    }

    /// Decompresses gzip data, including several concatenated members (as `cat a.gz b.gz` makes).
    public static func decompress(_ input: [UInt8]) throws(ArtifactError) -> [UInt8] {
        var stream = z_stream()
        let initRC = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initRC == Z_OK else { throw ArtifactError("gzip: inflateInit2 failed (\(initRC))") }
        defer { inflateEnd(&stream) }

        var input = input
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let failure: String? = input.withUnsafeMutableBufferPointer { inBuf -> String? in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            while true {
                let r = chunk.withUnsafeMutableBufferPointer { outBuf -> Int32 in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    let r = inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: outBuf[0..<(outBuf.count - Int(stream.avail_out))])
                    return r
                }
                switch r {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    // Another member may follow; trailing zero padding is ignored like gzip does.
                    guard stream.avail_in >= 2, stream.next_in[0] == 0x1f, stream.next_in[1] == 0x8b else {
                        return nil
                    }
                    inflateReset(&stream)
                case Z_BUF_ERROR where stream.avail_in == 0:
                    return "the data ends before the end of the gzip stream (truncated download or file?)"
                default:
                    let detail = stream.msg.map { String(cString: $0) } ?? "zlib error \(r)"
                    return "the data is not valid gzip: \(detail)"
                }
            }
        }
        if let failure { throw ArtifactError("gzip: \(failure)") }
        return output
    }
}

/// Something a tar stream is written to as it is made.
protocol ByteOutput: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws(ArtifactError)
}

extension ByteOutput {
    func write(_ bytes: [UInt8]) throws(ArtifactError) {
        let result: ArtifactError? = bytes.withUnsafeBytes { buffer in
            do throws(ArtifactError) { try write(buffer); return nil } catch { return error }
        }
        if let result { throw result }
    }
}

/// Collects the bytes in memory.
final class ArrayOutput: ByteOutput {
    var bytes: [UInt8] = []
    func write(_ bytes: UnsafeRawBufferPointer) throws(ArtifactError) { self.bytes.append(contentsOf: bytes) }
}

/// gzip-compresses everything written to it into a file, a chunk at a time, so an archive of
/// any size needs only a fixed amount of memory.
final class GzipFileOutput: ByteOutput {
    private var stream = z_stream()
    private let fd: Int32
    private let path: String
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    private var ended = false

    init(path: String, level: Int?) throws(ArtifactError) {
        let level = level ?? 6
        guard (0...9).contains(level) else {
            throw ArtifactError("gzip compression level \(level) is out of range: use 0 (store) to 9 (smallest)")
        }
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ArtifactError("cannot create '\(path)': \(FileSystem.errnoText())") }
        let rc = deflateInit2_(&stream, Int32(level), Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                               ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            close(fd)
            throw ArtifactError("gzip: deflateInit2 failed (\(rc))")
        }
    }

    deinit {
        if !ended { deflateEnd(&stream) }
        close(fd)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(ArtifactError) {
        guard !bytes.isEmpty else { return }
        try pump(bytes, flush: Z_NO_FLUSH)
    }

    /// Ends the gzip stream and the file.
    func finish() throws(ArtifactError) {
        try pump(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
        deflateEnd(&stream)
        ended = true
        guard fsync(fd) == 0 || errno == EINVAL else {
            throw ArtifactError("cannot write '\(path)': \(FileSystem.errnoText())")
        }
    }

    private func pump(_ input: UnsafeRawBufferPointer, flush: Int32) throws(ArtifactError) {
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        while true {
            let (rc, produced) = chunk.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                let rc = deflate(&stream, flush)
                return (rc, out.count - Int(stream.avail_out))
            }
            guard rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR else {
                throw ArtifactError("gzip: deflate failed (\(rc)) writing '\(path)'")
            }
            if produced > 0 { try FileSystem.writeAll(fd, chunk, count: produced, path: path) }
            if flush == Z_FINISH ? rc == Z_STREAM_END : (stream.avail_in == 0 && stream.avail_out != 0) { break }
        }
        stream.next_in = nil
    }
}

extension Gzip {
    /// Decompresses the gzip file `source` into the new file `target`, a chunk at a time.
    /// Concatenated members are joined; data after the last member that is not gzip is ignored.
    static func decompressFile(from source: String, to target: String) throws(ArtifactError) {
        let inFD = open(source, O_RDONLY | O_CLOEXEC)
        guard inFD >= 0 else { throw ArtifactError("cannot read '\(source)': \(FileSystem.errnoText())") }
        defer { close(inFD) }
        let outFD = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard outFD >= 0 else { throw ArtifactError("cannot create '\(target)': \(FileSystem.errnoText())") }
        defer { close(outFD) }

        var stream = z_stream()
        let initRC = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initRC == Z_OK else { throw ArtifactError("gzip: inflateInit2 failed (\(initRC))") }
        defer { inflateEnd(&stream) }

        var input = [UInt8](repeating: 0, count: 1 << 20)
        var output = [UInt8](repeating: 0, count: 1 << 18)
        var inputCount = 0
        var inputOffset = 0
        var atEOF = false
        var memberEnded = false
        while true {
            if inputOffset == inputCount && !atEOF {
                let n = input.withUnsafeMutableBytes { read(inFD, $0.baseAddress!, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ArtifactError("cannot read '\(source)': \(FileSystem.errnoText())")
                }
                atEOF = n == 0
                inputCount = n
                inputOffset = 0
            }
            if memberEnded {
                guard inputOffset < inputCount, input[inputOffset] == 0x1f else { return }
                inflateReset(&stream)
                memberEnded = false
            }
            if inputOffset == inputCount && atEOF {
                throw ArtifactError("gzip: the data ends before the end of the gzip stream (truncated download or file?)")
            }
            let (rc, consumed, produced) = input.withUnsafeMutableBufferPointer { inBuf in
                output.withUnsafeMutableBufferPointer { outBuf -> (Int32, Int, Int) in
                    let available = inputCount - inputOffset
                    stream.next_in = inBuf.baseAddress! + inputOffset
                    stream.avail_in = uInt(available)
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    let rc = inflate(&stream, Z_NO_FLUSH)
                    return (rc, available - Int(stream.avail_in), outBuf.count - Int(stream.avail_out))
                }
            }
            inputOffset += consumed
            if produced > 0 { try FileSystem.writeAll(outFD, output, count: produced, path: target) }
            switch rc {
            case Z_OK:
                continue
            case Z_STREAM_END:
                memberEnded = true
            case Z_BUF_ERROR where inputOffset == inputCount:
                continue   // needs more input: read on (or report truncation at the end)
            default:
                let detail = stream.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                throw ArtifactError("gzip: the data is not valid gzip: \(detail)")
            }
        }
    }
}
