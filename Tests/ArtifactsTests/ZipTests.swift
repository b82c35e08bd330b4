@testable import Artifacts
import Foundation
import Testing

/// Zip archives as Python's zipfile writes them (stored and deflated entries, directories,
/// Unix modes, a symbolic link, a large entry) unpack into a directory; an entry that would
/// leave it, and a file that is not a zip, are refused.
@Suite struct ZipTests {
    static let maker = """
    import sys, zipfile, stat
    out, kind = sys.argv[1], sys.argv[2]
    with zipfile.ZipFile(out, "w") as z:
        if kind == "evil":
            z.writestr("../escaped.txt", "no")
            sys.exit(0)
        z.writestr(zipfile.ZipInfo("docs/"), "")
        i = zipfile.ZipInfo("docs/readme.txt"); i.external_attr = (stat.S_IFREG | 0o640) << 16; i.create_system = 3
        z.writestr(i, "read me\\n", compress_type=zipfile.ZIP_STORED)
        i = zipfile.ZipInfo("bin/run.sh"); i.external_attr = (stat.S_IFREG | 0o755) << 16; i.create_system = 3
        z.writestr(i, "#!/bin/sh\\necho run\\n", compress_type=zipfile.ZIP_DEFLATED)
        i = zipfile.ZipInfo("latest"); i.external_attr = (stat.S_IFLNK | 0o777) << 16; i.create_system = 3
        z.writestr(i, "docs/readme.txt")
        z.writestr("big.bin", bytes(range(256)) * 20000, compress_type=zipfile.ZIP_DEFLATED)
    """

    func make(_ scratch: Scratch, _ kind: String) throws -> String {
        let path = scratch.path + "/\(kind).zip"
        try run("/usr/bin/env", ["python3", "-c", Self.maker, path, kind])
        return path
    }

    @Test func entriesModesAndLinksComeOut() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let zip = try make(scratch, "good")
        #expect(Zip.isZip(zip))
        let out = scratch.path + "/out"
        try Zip.extract(zip, to: out)
        let fm = FileManager.default
        #expect(try String(contentsOfFile: out + "/docs/readme.txt", encoding: .utf8) == "read me\n")
        #expect(try String(contentsOfFile: out + "/bin/run.sh", encoding: .utf8) == "#!/bin/sh\necho run\n")
        func mode(_ p: String) throws -> Int { (try fm.attributesOfItem(atPath: out + "/" + p)[.posixPermissions] as? Int ?? 0) & 0o777 }
        #expect(try mode("bin/run.sh") == 0o755 && mode("docs/readme.txt") == 0o640)
        #expect(try fm.destinationOfSymbolicLink(atPath: out + "/latest") == "docs/readme.txt")
        let big = try Data(contentsOf: URL(fileURLWithPath: out + "/big.bin"))
        #expect(big.count == 256 * 20000 && big[257] == 1)
    }

    @Test func whatIsNotAZipOrLeavesTheDirectoryIsRefused() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let evil = try make(scratch, "evil")
        let e = #expect(throws: ArtifactError.self) { try Zip.extract(evil, to: scratch.path + "/out") }
        #expect(e?.message.contains("would land outside") == true, "\(e?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/escaped.txt"))
        try scratch.write("plain.txt", "not a zip")
        #expect(!Zip.isZip(scratch.path + "/plain.txt"))
        #expect(throws: ArtifactError.self) { try Zip.extract(scratch.path + "/plain.txt", to: scratch.path + "/o2") }
    }
}
