import CZlib

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
