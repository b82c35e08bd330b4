extension Double {
    /// ⌊log10(|x|)⌋ for a finite non-zero value, from its shortest decimal form.
    var log10Floor: Int {
        let s = magnitude.description
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            let mantissa = s[..<e], exp = Int(s[s.index(after: e)...]) ?? 0
            let whole = mantissa.split(separator: ".").first ?? "0"
            return exp + (whole.count - 1)
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        let whole = parts.first ?? "0"
        if whole != "0" { return whole.count - 1 }
        let frac = parts.count > 1 ? parts[1] : ""
        return -((frac.firstIndex { $0 != "0" }.map { frac.distance(from: frac.startIndex, to: $0) } ?? 0) + 1)
    }
}

/// Go's `path` package on slash-separated text.
enum PathText {
    static func clean(_ p: String) -> String {
        if p.isEmpty { return "." }
        let rooted = p.hasPrefix("/")
        var out: [Substring] = []
        for part in p.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if let last = out.last, last != ".." { out.removeLast() } else if !rooted { out.append(part) }
                continue
            }
            out.append(part)
        }
        let body = out.joined(separator: "/")
        return rooted ? "/" + body : (body.isEmpty ? "." : body)
    }

    static func base(_ p: String) -> String {
        if p.isEmpty { return "." }
        var s = Substring(p)
        while s.count > 1, s.hasSuffix("/") { s = s.dropLast() }
        if s == "/" { return "/" }
        return String(s.split(separator: "/").last ?? "")
    }

    static func dir(_ p: String) -> String {
        guard let slash = p.lastIndex(of: "/") else { return "." }
        return clean(String(p[...slash]))
    }

    static func ext(_ p: String) -> String {
        for i in p.indices.reversed() {
            if p[i] == "/" { return "" }
            if p[i] == "." { return String(p[i...]) }
        }
        return ""
    }
}

/// RFC 4648 base32 with padding, as Go's `base32.StdEncoding`.
enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = [], buffer = 0, bits = 0
        for b in bytes {
            buffer = buffer << 8 | Int(b); bits += 8
            while bits >= 5 { out.append(alphabet[(buffer >> (bits - 5)) & 31]); bits -= 5 }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        while out.count % 8 != 0 { out.append(UInt8(ascii: "=")) }
        return String(decoding: out, as: UTF8.self)
    }

    struct Corrupt: Error { var offset: Int }

    static func decode(_ text: String) -> Result<[UInt8], Corrupt> {
        let bytes = Array(text.utf8)
        let body = bytes.prefix { $0 != UInt8(ascii: "=") }
        var out: [UInt8] = [], buffer = 0, bits = 0
        for (i, c) in body.enumerated() {
            guard let v = alphabet.firstIndex(of: c) else { return .failure(Corrupt(offset: i)) }
            buffer = (buffer << 5 | v) & 0xFFFF; bits += 5
            if bits >= 8 { out.append(UInt8((buffer >> (bits - 8)) & 0xFF)); bits -= 8 }
        }
        if let bad = bytes[body.count...].firstIndex(where: { $0 != UInt8(ascii: "=") }) { return .failure(Corrupt(offset: bad)) }
        guard bytes.count % 8 == 0 else { return .failure(Corrupt(offset: bytes.count - bytes.count % 8)) }
        return .success(out)
    }
}

/// Go's `net/url` parse and join for sprig's urlParse/urlJoin (the keys they use).
enum URLText {
    static func parse(_ s: String) -> [String: String] {
        var rest = Substring(s)
        var out = ["scheme": "", "host": "", "hostname": "", "path": "", "query": "", "fragment": "", "opaque": "", "userinfo": ""]
        if let hash = rest.firstIndex(of: "#") { out["fragment"] = unescape(rest[rest.index(after: hash)...]); rest = rest[..<hash] }
        if let q = rest.firstIndex(of: "?") { out["query"] = String(rest[rest.index(after: q)...]); rest = rest[..<q] }
        if let colon = rest.firstIndex(of: ":"), rest[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }),
           rest[..<colon].first?.isLetter == true {
            out["scheme"] = rest[..<colon].lowercased()
            rest = rest[rest.index(after: colon)...]
            if !rest.hasPrefix("/") { out["opaque"] = String(rest); return out }
        }
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            var authority = rest[..<end]
            rest = rest[end...]
            if let at = authority.lastIndex(of: "@") { out["userinfo"] = String(authority[..<at]); authority = authority[authority.index(after: at)...] }
            out["host"] = String(authority)
            var hostname = authority
            if hostname.hasPrefix("["), let close = hostname.firstIndex(of: "]") {
                hostname = hostname[hostname.index(after: hostname.startIndex)..<close]
            } else if let colon = hostname.lastIndex(of: ":") {
                hostname = hostname[..<colon]
            }
            out["hostname"] = String(hostname)
        }
        out["path"] = unescape(rest)
        return out
    }

    static func join(_ p: [String: String]) -> String {
        var out = ""
        if let s = p["scheme"], !s.isEmpty { out += s + ":" }
        if let opaque = p["opaque"], !opaque.isEmpty {
            out += opaque
        } else {
            let host = p["host"] ?? "", user = p["userinfo"] ?? ""
            if !host.isEmpty || !user.isEmpty || !(p["scheme"] ?? "").isEmpty { out += "//" }
            if !user.isEmpty { out += user + "@" }
            out += host
            out += escapePath(p["path"] ?? "")
        }
        if let q = p["query"], !q.isEmpty { out += "?" + q }
        if let f = p["fragment"], !f.isEmpty { out += "#" + escapePath(f) }
        return out
    }

    static func unescape(_ s: Substring) -> String {
        var bytes: [UInt8] = [], i = s.utf8.startIndex
        let u = s.utf8
        while i < u.endIndex {
            if u[i] == UInt8(ascii: "%"), let h = u.index(i, offsetBy: 2, limitedBy: u.endIndex), h < u.endIndex,
               let v = UInt8(String(decoding: u[u.index(after: i)...h], as: UTF8.self), radix: 16) {
                bytes.append(v); i = u.index(after: h)
            } else {
                bytes.append(u[i]); i = u.index(after: i)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func escapePath(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let c = Character(Unicode.Scalar(b))
            if c.isASCII, c.isLetter || c.isNumber || "-_.~/!$&'()*+,;=:@".contains(c) { out.append(c) }
            else { out += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true) }
        }
        return out
    }
}
