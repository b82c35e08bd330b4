import CCurl

/// Collects a response's headers and (small) body for one transfer.
final class ResponseSink {
    var headers: [(String, String)] = []
    var body: [UInt8] = []
}

let s3HeaderCallback: skein_curl_write_cb = { ptr, size, count, userdata in
    let n = size * count
    guard let ptr, let userdata else { return n }
    let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: ptr, count: n), as: UTF8.self)
    if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharactersInSet()
        sink.headers.append((name, value))
    } else if line.hasPrefix("HTTP/") {
        sink.headers = []  // a new response (after a 100 Continue or a redirect)
    }
    return n
}

let s3BodyCallback: skein_curl_write_cb = { ptr, size, count, userdata in
    let n = size * count
    guard let ptr, let userdata else { return n }
    let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
    // Error documents and listings are small; refuse to hold an unbounded body.
    guard sink.body.count + n <= 64 << 20 else { return 0 }
    sink.body.append(contentsOf: UnsafeRawBufferPointer(start: ptr, count: n))
    return n
}

extension Substring {
    func trimmingCharactersInSet() -> String {
        var s = self
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

/// Just enough XML for S3's answers: the text of named elements, entities decoded.
enum XMLText {
    static func elements(_ name: String, in xml: String) -> [Substring] {
        var out: [Substring] = []
        var rest = xml[...]
        while let open = rest.firstRange(of: "<\(name)>") {
            guard let close = rest[open.upperBound...].firstRange(of: "</\(name)>") else { break }
            out.append(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
        }
        return out
    }

    static func first<S: StringProtocol>(_ name: String, in xml: S) -> String? {
        guard let open = xml.firstRange(of: "<\(name)>"), let close = xml[open.upperBound...].firstRange(of: "</\(name)>") else { return nil }
        return decode(xml[open.upperBound..<close.lowerBound])
    }

    static func decode<S: StringProtocol>(_ s: S) -> String {
        guard s.contains("&") else { return String(s) }
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "&", let semi = s[i...].firstIndex(of: ";") {
                let entity = s[s.index(after: i)..<semi]
                let named = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'"]
                if let v = named[String(entity)] {
                    out += v; i = s.index(after: semi); continue
                }
                if entity.hasPrefix("#") {
                    let num = entity.dropFirst()
                    let code = num.hasPrefix("x") ? UInt32(num.dropFirst(), radix: 16) : UInt32(num)
                    if let code, let scalar = Unicode.Scalar(code) {
                        out.unicodeScalars.append(scalar); i = s.index(after: semi); continue
                    }
                }
            }
            out.append(s[i])
            i = s.index(after: i)
        }
        return out
    }
}
