import Foundation
import WorkflowEngine
import WorkflowModel

/// Reads the files and folders named on the command line into documents.
enum InputFiles {
    static func expand(_ paths: [String]) throws(Diagnostics) -> [String] {
        var files: [String] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
                throw Diagnostics([Diagnostic(SourceLocation(file: p), "no such file or directory", fix: "check the path")])
            }
            if isDir.boolValue {
                let items = (fm.enumerator(atPath: p)?.allObjects as? [String] ?? []).sorted()
                for i in items where i.hasSuffix(".yaml") || i.hasSuffix(".yml") || i.hasSuffix(".json") {
                    files.append((p as NSString).appendingPathComponent(i))
                }
            } else {
                files.append(p)
            }
        }
        return files
    }

    static func load(_ paths: [String]) throws(Diagnostics) -> [SourceDocument] {
        var docs: [SourceDocument] = []
        var problems: [Diagnostic] = []
        for f in try expand(paths) {
            do {
                docs += try DocumentLoader.load(file: f)
            } catch {
                problems += error.items
            }
        }
        if !problems.isEmpty { throw Diagnostics(problems) }
        return docs
    }

    /// The ConfigMaps (`kind: ConfigMap`, `apiVersion: v1`) among the files, by name: what a
    /// local run's `valueFrom.configMapKeyRef` reads, as the cluster would.
    static func configMaps(_ paths: [String]) throws(Diagnostics) -> ConfigMapData {
        var out = ConfigMapData()
        var problems: [Diagnostic] = []
        for f in try expand(paths) {
            do {
                for d in try YAMLLoader.load(try DocumentLoader.readText(f), file: f) {
                    guard d.value["kind"]?.stringValue == "ConfigMap", d.value["apiVersion"]?.stringValue == "v1",
                          let name = d.value["metadata"]?["name"]?.stringValue else { continue }
                    out.maps[name] = (d.value["data"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
                    out.annotations[name] = (d.value["metadata"]?["annotations"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
                }
            } catch {
                problems.append(error)
            }
        }
        if !problems.isEmpty { throw Diagnostics(problems) }
        return out
    }
}

/// Where text goes, and whether it is a terminal.
enum Terminal {
    static func isTTY(_ fd: Int32) -> Bool { isatty(fd) == 1 }
    static var colorAllowed: Bool { ProcessInfo.processInfo.environment["NO_COLOR"] == nil }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func printDiagnostics(_ items: [Diagnostic], warning: Bool = false) {
        let color = isTTY(2) && colorAllowed
        let kind = warning ? (color ? "\u{1B}[33mwarning\u{1B}[0m" : "warning") : (color ? "\u{1B}[31merror\u{1B}[0m" : "error")
        for d in items {
            let head = color ? "\u{1B}[1m\(d.location)\u{1B}[0m" : "\(d.location)"
            var line = "\(head): \(kind): \(d.message)"
            if let fix = d.fix { line += "\n  fix: \(fix)" }
            printError(line)
        }
    }
}
