import CFuzz
import FuzzTargets
import Foundation

// Built by scripts/fuzz.sh with `-sanitize=fuzzer,address -DSKEIN_FUZZ`, it hands control to
// libFuzzer's driver, which feeds the target named in SKEIN_FUZZ_TARGET. Built normally,
// `skein-fuzz TARGET FILE...` runs the files through the target (replay).

#if SKEIN_FUZZ
nonisolated(unsafe) var fuzzTarget: ([UInt8]) -> Void = { _ in }

/// libFuzzer's own main (when the linker takes it) calls this for every input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let name = ProcessInfo.processInfo.environment["SKEIN_FUZZ_TARGET"] ?? ""
    guard let t = FuzzTargets.all[name] else {
        FileHandle.standardError.write(Data("SKEIN_FUZZ_TARGET must be one of \(FuzzTargets.names.joined(separator: ", "))\n".utf8))
        exit(2)
    }
    t(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

@main
struct SkeinFuzz {
    static func main() {
        let name = ProcessInfo.processInfo.environment["SKEIN_FUZZ_TARGET"] ?? ""
        guard let t = FuzzTargets.all[name] else {
            FileHandle.standardError.write(Data("SKEIN_FUZZ_TARGET must be one of \(FuzzTargets.names.joined(separator: ", "))\n".utf8))
            exit(2)
        }
        fuzzTarget = t
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            fuzzTarget(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        })
    }
}
#else
@main
struct SkeinFuzz {
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        guard let name = args.first, let target = FuzzTargets.all[name] else {
            print("usage: skein-fuzz TARGET FILE...   (targets: \(FuzzTargets.names.joined(separator: ", ")))")
            exit(2)
        }
        for file in args.dropFirst() {
            guard let data = FileManager.default.contents(atPath: file) else {
                print("cannot read \(file)")
                exit(2)
            }
            target([UInt8](data))
            print("ok \(file)")
        }
    }
}
#endif
