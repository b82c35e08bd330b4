import Foundation

/// Times as the API writes them.
enum Clock {
    /// RFC 3339 to the second, UTC (`creationTimestamp`, `startedAt`).
    static func rfc3339(_ d: Date = Date()) -> String {
        var t = time_t(d.timeIntervalSince1970.rounded(.down))
        var tm = tm()
        gmtime_r(&t, &tm)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday),
                      Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec))
    }

    /// RFC 3339 with nanoseconds (log timestamps).
    static func rfc3339Nano(_ d: Date) -> String {
        let s = d.timeIntervalSince1970
        let nanos = Int((s - s.rounded(.down)) * 1e9)
        return String(rfc3339(d).dropLast()) + String(format: ".%09dZ", nanos)
    }

    static func parse(_ s: String) -> Date? {
        try? Date(s, strategy: .iso8601)
    }
}

/// Lower-case random identifiers: uids and generated name suffixes.
enum Random {
    static func uid() -> String { UUID().uuidString.lowercased() }

    /// Five characters from the alphabet the API server uses for generateName (no vowels
    /// or look-alikes, so no words and no ambiguity).
    static func nameSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }
}
