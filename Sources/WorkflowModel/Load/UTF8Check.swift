/// Where text stops being UTF-8, so that an error can name the byte, line and column.
enum UTF8Check {
    /// The offset of the first byte that does not belong to a well-formed UTF-8 sequence
    /// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or nil.
    static func firstInvalidByte(_ b: [UInt8]) -> Int? {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: length = 2
            case 0xE0: (length, low) = (3, 0xA0)
            case 0xE1...0xEC, 0xEE, 0xEF: length = 3
            case 0xED: (length, high) = (3, 0x9F)
            case 0xF0: (length, low) = (4, 0x90)
            case 0xF1...0xF3: length = 4
            case 0xF4: (length, high) = (4, 0x8F)
            default: return i
            }
            guard i + length <= n else { return i }
            // The second byte has the narrowed range; the others are plain continuations.
            guard b[i + 1] >= low, b[i + 1] <= high else { return i }
            for k in 2..<length where b[i + k] & 0xC0 != 0x80 { return i }
            i += length
        }
        return nil
    }

    /// 1-based line and column (in characters) of the byte at `offset`.
    static func lineAndColumn(of offset: Int, in b: [UInt8]) -> (Int, Int) {
        var line = 1
        var column = 1
        for i in 0..<min(offset, b.count) {
            if b[i] == 10 {
                line += 1
                column = 1
            } else if b[i] & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }
}
