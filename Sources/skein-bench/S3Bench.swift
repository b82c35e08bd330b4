import Artifacts
import Foundation
import SkeinTestSupport

/// `skein-bench s3`: a 1 GiB file up to and down from a local S3 server (moto on 127.0.0.1)
/// with Skein's client and with the AWS CLI (`aws s3 cp`), alternately, three times each;
/// the medians, their ratio, and the peak resident memory of each side.
/// `SKEIN_BENCH_S3_MIB` sets the size (1024).
func benchS3() throws {
    let mib = ProcessInfo.processInfo.environment["SKEIN_BENCH_S3_MIB"].flatMap(Int.init) ?? 1024
    guard let aws = findExecutable("aws") else { throw BenchError("the AWS CLI (aws) is not installed: apt-get install awscli") }
    let server = try S3TestServer()
    defer { server.stop() }
    let credentials = AWSCredentials(accessKeyID: S3TestServer.accessKey, secretAccessKey: S3TestServer.secretKey)
    let client = S3Client(endpoint: S3Endpoint(url: server.endpoint, credentials: credentials))
    try client.createBucket("bench")
    let dir = try TemporaryDirectory.make(prefix: "skein-bench-s3")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let source = dir + "/source.bin"
    do {
        // Varied bytes, written a MiB at a time.
        guard let f = fopen(source, "wb") else { throw BenchError("cannot write \(source)") }
        var block = [UInt8](repeating: 0, count: 1 << 20)
        for i in 0..<mib {
            for j in stride(from: 0, to: block.count, by: 8) { block[j] = UInt8(truncatingIfNeeded: i &* 131 &+ j >> 3) }
            _ = block.withUnsafeBytes { fwrite($0.baseAddress, 1, block.count, f) }
        }
        fclose(f)
    }
    var env = ProcessInfo.processInfo.environment
    env["AWS_ACCESS_KEY_ID"] = S3TestServer.accessKey
    env["AWS_SECRET_ACCESS_KEY"] = S3TestServer.secretKey
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    // The CLI's time and its peak memory, measured by a parent that waits for it.
    func awsCopy(_ from: String, _ to: String) throws -> (Double, Int) {
        let script = "import subprocess, resource, sys, time\nt = time.time()\nr = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\nprint(time.time() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)"
        let r = try Command.run("/usr/bin/env", ["python3", "-c", script, aws, "s3", "cp", from, to, "--endpoint-url", server.endpoint, "--only-show-errors"],
                                environment: env, timeout: 900)
        let parts = r.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard parts.count == 3, parts[2] == "0", let t = Double(parts[0]), let kib = Int(parts[1]) else {
            throw BenchError("aws s3 cp \(from) \(to) failed: \(r.stdout) \(r.stderr)")
        }
        return (t, kib)
    }
    var skeinUp: [Double] = [], skeinDown: [Double] = [], awsUp: [Double] = [], awsDown: [Double] = []
    var awsPeak = 0
    let before = peakKiB()
    for round in 0..<3 {
        skeinUp.append(try seconds { try client.put(bucket: "bench", key: "skein-\(round)", file: source) })
        skeinDown.append(try seconds { try client.get(bucket: "bench", key: "skein-\(round)", to: dir + "/skein.bin") })
        let up = try awsCopy(source, "s3://bench/aws-\(round)")
        let down = try awsCopy("s3://bench/aws-\(round)", dir + "/aws.bin")
        awsUp.append(up.0)
        awsDown.append(down.0)
        awsPeak = max(awsPeak, up.1, down.1)
        for f in ["skein.bin", "aws.bin"] {
            let size = (try? FileManager.default.attributesOfItem(atPath: dir + "/" + f)[.size] as? Int) ?? -1
            guard size == mib << 20 else { throw BenchError("\(f) came back with \(size) bytes, not \(mib << 20)") }
            try? FileManager.default.removeItem(atPath: dir + "/" + f)
        }
        try client.delete(bucket: "bench", key: "skein-\(round)")
        try client.delete(bucket: "bench", key: "aws-\(round)")
    }
    let skeinPeak = peakKiB()
    func rate(_ s: Double) -> String { String(format: "%.0f MiB/s", Double(mib) / s) }
    print("s3 (\(mib) MiB to and from moto on 127.0.0.1, median of 3):")
    func f2(_ x: Double) -> String { String(format: "%.2f", x) }
    let (su, sd, au, ad) = (median(skeinUp), median(skeinDown), median(awsUp), median(awsDown))
    print("  upload:   skein \(f2(su)) s (\(rate(su))), aws s3 cp \(f2(au)) s (\(rate(au))): skein takes \(f2(su / au))x the time of aws")
    print("  download: skein \(f2(sd)) s (\(rate(sd))), aws s3 cp \(f2(ad)) s (\(rate(ad))): skein takes \(f2(sd / ad))x the time of aws")
    print("  peak resident memory: skein-bench \(skeinPeak / 1024) MiB (\(before / 1024) MiB before the transfers), aws \(awsPeak / 1024) MiB")
}

/// This process's peak resident set so far, in KiB.
func peakKiB() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss
}
