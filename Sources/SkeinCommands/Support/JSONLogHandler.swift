import Foundation
import Logging
import SkeinJSON

/// One JSON object per line on stderr (`time`, `level`, `logger`, `msg`, then the
/// metadata), for log collectors; used when stderr is not a terminal.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        FileHandle.standardError.write(Data((JSONLogHandler.line(event, label: label, metadata: metadata) + "\n").utf8))
    }

    static func line(_ event: LogEvent, label: String, metadata base: Logger.Metadata, now: Date = Date()) -> String {
        var o: [String: JSONValue] = [
            "time": .string(ISO8601DateFormatter.string(from: now, timeZone: TimeZone(identifier: "UTC")!,
                                                       formatOptions: [.withInternetDateTime, .withFractionalSeconds])),
            "level": .string(event.level.rawValue),
            "logger": .string(label),
            "msg": .string("\(event.message)"),
        ]
        for (k, v) in base.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) where o[k] == nil {
            o[k] = .string("\(v)")
        }
        return JSONValue.object(o).compactJSON
    }
}

enum LogSetup {
    /// Text for a person at a terminal, JSON lines otherwise.
    static func bootstrap(level: Logger.Level = .info) {
        let json = isatty(2) == 0
        LoggingSystem.bootstrap { label in
            if json {
                var h = JSONLogHandler(label: label)
                h.logLevel = level
                return h
            }
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
    }
}
