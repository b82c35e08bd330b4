import Foundation
import Testing
import LocalRunner
import WorkflowModel

@Suite struct ImageMapTests {
    @Test(arguments: [
        ("alpine:3.20", nil as [String]?, ["sh"] as [String]?), ("docker.io/library/busybox", nil, ["sh"]),
        ("python:3.12-slim", nil, ["python3"]), ("argoproj/argosay:v2", ["argosay"], nil), ("argoproj/argosay:v1", nil, ["cowsay"]),
        ("ubuntu", nil, ["bash"]),
    ])
    func builtInEntries(_ image: String, _ entrypoint: [String]?, _ cmd: [String]?) throws {
        let e = try #require(ImageMap().entry(for: image))
        #expect(e.entrypoint == entrypoint)
        #expect(e.cmd == cmd)
    }

    @Test func unknownImagesHaveNoEntry() {
        #expect(ImageMap().entry(for: "mycorp/tool:1.0") == nil)
    }

    @Test func userEntriesWinAndLoadFromYAML() throws {
        let path = FileManager.default.temporaryDirectory.path + "/images-\(UUID().uuidString.prefix(6)).yaml"
        try "images:\n  \"alpine*\": {entrypoint: [busybox], cmd: [sh]}\n  mycorp/*: {entrypoint: tool}\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let map = ImageMap(userEntries: try ImageMap.load(file: path))
        #expect(map.entry(for: "alpine:3")?.entrypoint == ["busybox"])
        #expect(map.entry(for: "mycorp/x:1")?.entrypoint == ["tool"])
    }

    @Test func aBadImageMapNamesTheFileAndField() throws {
        let path = FileManager.default.temporaryDirectory.path + "/images-\(UUID().uuidString.prefix(6)).yaml"
        try "images:\n  alpine*:\n    cmd: {not: a list}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try ImageMap.load(file: path)
        } throws: { e in
            guard let d = e as? Diagnostic else { return false }
            return d.location.file == path && d.location.position?.line == 3 && d.message.contains("cmd")
        }
    }
}
