import Foundation
import SkeinTestSupport
import Testing

/// The Dockerfile, checked without a Docker engine (none runs where the tests do): its
/// stages, and that the runtime image's packages provide every shared library the `skein`
/// binary needs apart from the Swift runtime, which the image's build links statically.
@Suite struct DockerfileTests {
    struct Stage {
        var from: String
        var lines: [String]
        /// What its `apt-get install` lines install.
        var packages: Set<String> {
            var out = Set<String>()
            for line in lines where line.contains("apt-get install") {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\\" }).map(String.init)
                guard let start = words.firstIndex(of: "install") else { continue }
                for w in words[(start + 1)...] {
                    if w == "&&" { break }
                    if !w.hasPrefix("-") { out.insert(w) }
                }
            }
            return out
        }
    }

    /// The stages, with continuation lines joined.
    static func stages() throws -> [Stage] {
        let text = try String(contentsOfFile: Binaries.packageRoot + "/Dockerfile", encoding: .utf8)
        var joined: [String] = []
        var current = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || (line.isEmpty && current.isEmpty) { continue }
            if line.hasSuffix("\\") {
                current += line.dropLast() + " "
            } else {
                joined.append(current + line)
                current = ""
            }
        }
        var stages: [Stage] = []
        for line in joined where !line.isEmpty {
            if line.hasPrefix("FROM ") {
                stages.append(Stage(from: String(line.dropFirst(5)), lines: []))
            } else if !stages.isEmpty {
                stages[stages.count - 1].lines.append(line)
            }
        }
        return stages
    }

    @Test func aSwiftBuildStageAndASlimNonRootRuntime() throws {
        let stages = try Self.stages()
        #expect(stages.count == 2)
        let build = try #require(stages.first)
        #expect(build.from.hasPrefix("swift:") && build.from.hasSuffix(" AS build"), "\(build.from)")
        #expect(build.packages.isSuperset(of: ["libcurl4-openssl-dev", "libyaml-dev", "zlib1g-dev"]), "\(build.packages)")
        let buildRun = build.lines.filter { $0.hasPrefix("RUN ") }.joined(separator: " ")
        #expect(buildRun.contains("swift build -c release --product skein --static-swift-stdlib"))
        #expect(buildRun.contains("--product skein-emissary"))

        let runtime = try #require(stages.last)
        #expect(runtime.from.hasPrefix("ubuntu:") || runtime.from.hasPrefix("debian:"), "\(runtime.from)")
        // The libraries skein links, the CA certificates for TLS, and tzdata for named time zones
        // (a CronWorkflow's `timezone`, `timezone()` and `sprig.dateInZone` in expressions).
        #expect(runtime.packages == ["libcurl4t64", "libyaml-0-2", "zlib1g", "ca-certificates", "tzdata"], "\(runtime.packages)")
        #expect(runtime.lines.contains { $0.hasPrefix("COPY --from=build") && $0.contains("/out/skein ") && $0.contains("/out/skein-emissary") })
        let user = try #require(runtime.lines.last { $0.hasPrefix("USER ") })
        let uid = Int(user.dropFirst(5).split(separator: ":").first ?? "")
        #expect(uid != nil && uid != 0, "the image must run as a numeric, non-root user: \(user)")
        #expect(runtime.lines.contains(#"ENTRYPOINT ["/usr/local/bin/skein"]"#))
    }

    /// Every shared library `skein` links, besides the Swift runtime (static in the image)
    /// and the C runtime every base image has, comes from a package the runtime stage installs;
    /// the emissary links nothing.
    @Test func theRuntimePackagesProvideWhatTheBinariesLink() throws {
        let runtime = try #require(try Self.stages().last)
        // Debian and older Ubuntu name libcurl4t64 libcurl4.
        func base(_ package: String) -> String { package.hasSuffix("t64") ? String(package.dropLast(3)) : package }
        let installed = Set(runtime.packages.map(base))

        let skein = try Binaries.path("skein")
        let elf = try Command.run("/usr/bin/env", ["readelf", "-d", skein])
        #expect(elf.status == 0, "readelf (binutils) is needed: \(elf.stderr)")
        let needed = elf.stdout.split(separator: "\n").compactMap { line -> String? in
            guard line.contains("(NEEDED)"), let open = line.lastIndex(of: "["), let close = line.lastIndex(of: "]") else { return nil }
            return String(line[line.index(after: open)..<close])
        }
        #expect(needed.contains("libcurl.so.4"), "\(needed)")
        let swiftRuntime = ["libswift", "libFoundation", "lib_Foundation", "libdispatch", "libBlocksRuntime"]
        let cRuntime: Set<String> = ["libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libutil.so.1",
                                     "libstdc++.so.6", "libgcc_s.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"]
        for lib in needed where !cRuntime.contains(lib) && !swiftRuntime.contains(where: { lib.hasPrefix($0) }) {
            let owner = try Command.run("/usr/bin/env", ["dpkg", "-S", lib])
            let packages = owner.stdout.split(separator: "\n").compactMap { $0.split(separator: ":").first.map(String.init) }
            #expect(packages.contains { installed.contains(base($0)) },
                    "\(lib) (from \(packages.joined(separator: ", "))) is not installed by the runtime stage: \(runtime.packages.sorted())")
        }

        let emissary = try Command.run("/usr/bin/env", ["readelf", "-d", try Binaries.path("skein-emissary")])
        #expect(!emissary.stdout.contains("(NEEDED)"), "skein-emissary must be static: \(emissary.stdout)")
    }
}
