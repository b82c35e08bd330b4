import Foundation
import SkeinTestSupport
import Testing

/// A fresh directory under the system temporary directory, removed by `cleanup()`.
struct Scratch {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/skein-artifacts-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanup() {
        // Unpacked trees may hold read-only directories.
        _ = try? run("/bin/chmod", ["-R", "u+rwx", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    func write(_ relative: String, _ text: String, mode: Int = 0o644) throws {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
    }

    func mkdir(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: path + "/" + relative, withIntermediateDirectories: true)
    }

    func symlink(_ relative: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path + "/" + relative, withDestinationPath: target)
    }
}

func read(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
}

func permissions(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
}

func isDirectory(_ path: String) -> Bool {
    var dir: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
}

func isSymlink(_ path: String) -> Bool {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType) == .typeSymbolicLink
}

/// Every path under `root`, relative, with its kind and (for files) contents, for comparing trees.
func snapshot(_ root: String) -> [String: String] {
    var result: [String: String] = [:]
    func walk(_ relative: String) {
        let full = relative.isEmpty ? root : root + "/" + relative
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: full)) ?? []).sorted()
        for name in names {
            let rel = relative.isEmpty ? name : relative + "/" + name
            let path = root + "/" + rel
            if isSymlink(path) {
                result[rel] = "link:" + ((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")
            } else if isDirectory(path) {
                result[rel] = "dir:" + String(permissions(path) ?? 0, radix: 8)
                walk(rel)
            } else {
                result[rel] = "file:" + String(permissions(path) ?? 0, radix: 8) + ":" + (read(path) ?? "?")
            }
        }
    }
    walk("")
    return result
}

struct ToolResult {
    var status: Int32
    var output: String
}

@discardableResult
func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> ToolResult {
    let r = try Command.run(executable, arguments, currentDirectory: directory)
    return ToolResult(status: r.status, output: r.stdout + r.stderr)
}

/// 80 characters: under a couple of directories this makes paths longer than ustar's 100-byte name field.
let longSegment = String(repeating: "long-directory-name-", count: 4)
