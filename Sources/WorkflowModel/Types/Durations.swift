import Foundation

/// Go-style durations as Argo writes them: "30s", "1m", "1h30m", "500ms", "2d", or a plain
/// number of seconds. As in Go, a duration is at most 2562047h47m16.854775807s (what fits
/// in 64 bits of nanoseconds, about 292 years); anything longer is refused rather than
/// carried into timers and requeues, where it would overflow.
public enum Durations {
    /// The longest duration, in seconds: `Int64.max` nanoseconds.
    public static let longest: Double = 9_223_372_036.854775807

    public enum Problem: Error, Sendable, Equatable {
        /// Not a number followed by units.
        case malformed
        /// A duration, but longer than `longest` (or negative).
        case outOfRange
    }

    /// The duration in seconds, or why it is not one.
    public static func parse(_ text: String) -> Result<Double, Problem> {
        let chars = Array(text.trimmingCharacters(in: .whitespaces))
        guard !chars.isEmpty else { return .failure(.malformed) }
        if chars.first == "-" {
            return seconds(String(chars.dropFirst())) == nil ? .failure(.malformed) : .failure(.outOfRange)
        }
        if chars.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+") }),
           let v = Double(String(chars))
        {
            return check(v)
        }
        var total = 0.0
        var num = ""
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isASCII && (c.isNumber || c == ".") {
                num.append(c)
                i += 1
                continue
            }
            var unit = String(c)
            if i + 1 < chars.count, chars[i + 1] == "s", c == "m" || c == "u" || c == "n" || c == "µ" {
                unit += "s"
                i += 1
            }
            i += 1
            guard let v = Double(num) else { return .failure(.malformed) }
            num = ""
            switch unit {
            case "h": total += v * 3600
            case "m": total += v * 60
            case "s": total += v
            case "ms": total += v / 1000
            case "us", "µs": total += v / 1_000_000
            case "ns": total += v / 1_000_000_000
            case "d": total += v * 86400
            default: return .failure(.malformed)
            }
        }
        return num.isEmpty ? check(total) : .failure(.malformed)
    }

    private static func check(_ v: Double) -> Result<Double, Problem> {
        guard v.isFinite else { return .failure(.outOfRange) }
        return v >= 0 && v <= longest ? .success(v) : .failure(.outOfRange)
    }

    /// The duration in seconds; nil when `text` is not one or is out of range.
    public static func seconds(_ text: String) -> Double? {
        if case .success(let v) = parse(text) { return v }
        return nil
    }

    /// What is wrong with `text` as the duration of `field`, with the fix; nil when it is fine.
    public static func problem(_ text: String, field: String, example: String = "30s, 5m or 1h") -> String? {
        switch parse(text) {
        case .success: return nil
        case .failure(.malformed): return "\(field) '\(text)' is not a duration like \(example)"
        case .failure(.outOfRange):
            return "\(field) '\(text)' is out of range: a duration is at least 0 and at most 2562047h (about 292 years)"
        }
    }

    /// A delay for a timer or a requeue `seconds` from now: never negative, never longer than
    /// `atMost` (a year by default; a later wake-up simply waits again), never a trap.
    public static func delay(_ seconds: Double, atMost: Double = 365 * 86400) -> Duration {
        guard seconds.isFinite, seconds > 0 else { return seconds.isNaN || seconds <= 0 ? .zero : .seconds(Int64(atMost)) }
        let s = min(seconds, atMost)
        return .nanoseconds(Int64(s * 1_000_000_000))
    }

    /// `delay` in whole nanoseconds, for APIs that take them.
    public static func delayNanoseconds(_ seconds: Double, atMost: Double = 365 * 86400) -> UInt64 {
        let d = delay(seconds, atMost: atMost).components
        return UInt64(d.seconds) * 1_000_000_000 + UInt64(d.attoseconds / 1_000_000_000)
    }
}
