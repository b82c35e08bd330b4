import Foundation
import WorkflowModel

/// The strftime letters Argo offers as `{{workflow.creationTimestamp.<LETTER>}}` (each the
/// time formatted with `%LETTER`, in UTC), plus `.s` (Unix seconds) and `.RFC3339`.
enum Strftime {
    static let letters: [Character] = ["a", "A", "b", "B", "c", "d", "f", "H", "I", "j", "L", "m", "M", "p", "S", "U",
                                       "w", "W", "x", "X", "y", "Y", "Z", "z"]

    /// The time formatted with `%letter`, or nil for a letter that is not one of `letters`
    /// (or `s`, `RFC3339`).
    static func format(_ name: Substring, _ time: Timestamp) -> String? {
        if name == "s" { return String(Int64(time.seconds.rounded(.down))) }
        if name == "RFC3339" { return Timestamp(seconds: time.seconds.rounded(.down)).description }
        guard name.count == 1, let letter = name.first, letters.contains(letter) else { return nil }
        var t = time_t(Int64(time.seconds.rounded(.down)))
        var tm = tm()
        guard gmtime_r(&t, &tm) != nil else { return nil }
        let fraction = time.seconds - time.seconds.rounded(.down)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                      "November", "December"]
        let wday = Int(tm.tm_wday), month = Int(tm.tm_mon), yday = Int(tm.tm_yday)
        let hour12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12
        switch letter {
        case "a": return String(days[wday].prefix(3))
        case "A": return days[wday]
        case "b": return String(months[month].prefix(3))
        case "B": return months[month]
        case "c":
            // Go's "Mon Jan 2 15:04:05 2006".
            return "\(days[wday].prefix(3)) \(months[month].prefix(3)) \(tm.tm_mday) \(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) \(tm.tm_year + 1900)"
        case "d": return two(tm.tm_mday)
        case "f": return String(format: "%06d", Int((fraction * 1_000_000).rounded(.down)))
        case "H": return two(tm.tm_hour)
        case "I": return two(hour12)
        case "j": return String(format: "%03d", yday + 1)
        case "L": return String(format: "%03d", Int((fraction * 1000).rounded(.down)))
        case "m": return two(tm.tm_mon + 1)
        case "M": return two(tm.tm_min)
        case "p": return tm.tm_hour < 12 ? "AM" : "PM"
        case "S": return two(tm.tm_sec)
        case "U": return two(Int32((yday + 7 - wday) / 7))
        case "w": return String(wday)
        case "W": return two(Int32((yday + 7 - (wday + 6) % 7) / 7))
        case "x": return "\(two(tm.tm_mon + 1))/\(two(tm.tm_mday))/\(two(tm.tm_year % 100))"
        case "X": return "\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec))"
        case "y": return two(tm.tm_year % 100)
        case "Y": return String(tm.tm_year + 1900)
        case "Z": return "UTC"
        case "z": return "+0000"
        default: return nil
        }
    }
}
