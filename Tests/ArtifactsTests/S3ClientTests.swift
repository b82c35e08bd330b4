@testable import Artifacts
import Crypto
import Foundation
import Glibc
import SkeinTestSupport
import Testing

/// The S3 client against a real S3-compatible server (moto, on 127.0.0.1): objects in and
/// out (streamed from and to files, ranges), HEAD and DELETE, listing with paging, bucket
/// creation, and errors that name the bucket, the key and what the server said.
@Suite(.serialized) struct S3ClientTests {
    static func client(_ server: S3TestServer, attempts: Int = 3) -> S3Client {
        S3Client(endpoint: S3Endpoint(url: server.endpoint, credentials: AWSCredentials(accessKeyID: S3TestServer.accessKey,
                                                                                      secretAccessKey: S3TestServer.secretKey)),
                 attempts: attempts, backoff: 0.05)
    }

    @Test func objectsRoundTripThroughTheServer() throws {
        let server = try S3TestServer.shared()
        let s3 = Self.client(server)
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try s3.createBucket("artifacts")
        try s3.createBucket("artifacts")  // a second time is fine
        #expect(try s3.bucketExists("artifacts"))
        #expect(try !s3.bucketExists("nothing-here"))

        // 3 MiB of varied bytes, a key that needs encoding.
        var bytes = [UInt8](repeating: 0, count: 3 << 20)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2654435761 >> 7) }
        let source = scratch.path + "/big.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: source))
        let key = "wf-1/pod a/out$+=é.bin"
        try s3.put(bucket: "artifacts", key: key, file: source)
        #expect(try s3.head(bucket: "artifacts", key: key) == bytes.count)
        #expect(try s3.head(bucket: "artifacts", key: "wf-1/absent") == nil)

        let back = scratch.path + "/back.bin"
        try s3.get(bucket: "artifacts", key: key, to: back)
        #expect(try Data(contentsOf: URL(fileURLWithPath: back)) == Data(bytes))
        try s3.get(bucket: "artifacts", key: key, to: scratch.path + "/range.bin", range: "10-19")
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/range.bin")) == Data(bytes[10...19]))

        try s3.put(bucket: "artifacts", key: "small.txt", bytes: Array("hello s3\n".utf8))
        try s3.get(bucket: "artifacts", key: "small.txt", to: scratch.path + "/small.txt")
        #expect(try String(contentsOfFile: scratch.path + "/small.txt", encoding: .utf8) == "hello s3\n")
        try s3.put(bucket: "artifacts", key: "empty", bytes: [])
        #expect(try s3.head(bucket: "artifacts", key: "empty") == 0)

        try s3.delete(bucket: "artifacts", key: key)
        try s3.delete(bucket: "artifacts", key: key)  // gone already: not an error
        #expect(try s3.head(bucket: "artifacts", key: key) == nil)
    }

    /// Above the threshold a file goes up in parts: a part that fails once is sent again and
    /// the object is whole; a part that keeps failing aborts the upload, leaving no object
    /// and no stored parts.
    @Test func multipartUploadsRetryPartsAndAbortOnFailure() throws {
        let server = try S3TestServer.shared()
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        var bytes = [UInt8](repeating: 0, count: 12 << 20)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: (i >> 3) &* 31 &+ i) }
        let source = scratch.path + "/big.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: source))
        func client(_ endpoint: String) -> S3Client {
            var c = S3Client(endpoint: S3Endpoint(url: endpoint, credentials: AWSCredentials(accessKeyID: S3TestServer.accessKey,
                                                                                           secretAccessKey: S3TestServer.secretKey)),
                             attempts: 3, backoff: 0.05)
            c.multipartThreshold = 5 << 20
            c.partSize = 5 << 20
            return c
        }
        let direct = client(server.endpoint)
        try direct.createBucket("parts")

        let flaky = try FaultyS3Proxy(upstream: server, rules: ["PUT:partNumber=2&:503:1"])
        defer { flaky.stop() }
        try client(flaky.endpoint).put(bucket: "parts", key: "big.bin", file: source)
        try direct.get(bucket: "parts", key: "big.bin", to: scratch.path + "/back.bin")
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/back.bin")) == Data(bytes))
        #expect(try direct.multipartUploads(bucket: "parts").isEmpty)

        let broken = try FaultyS3Proxy(upstream: server, rules: ["PUT:partNumber=2&:500:-1"])
        defer { broken.stop() }
        let e = #expect(throws: ArtifactError.self) { try client(broken.endpoint).put(bucket: "parts", key: "never.bin", file: source) }
        let m = e?.message ?? ""
        #expect(m.contains("upload part 2 of 3 of s3://parts/never.bin") && m.contains("HTTP 500"), "\(m)")
        #expect(try direct.head(bucket: "parts", key: "never.bin") == nil)
        #expect(try direct.multipartUploads(bucket: "parts").isEmpty, "the upload was aborted")
    }

    @Test func listingFollowsContinuationTokens() throws {
        let server = try S3TestServer.shared()
        let s3 = Self.client(server)
        try s3.createBucket("many")
        let keys = (0..<23).map { "wf/step-\($0 < 10 ? "0" : "")\($0).txt" } + ["wf/a&b <c>.txt"]
        for k in keys { try s3.put(bucket: "many", key: k, bytes: Array(k.utf8)) }
        try s3.put(bucket: "many", key: "other/x", bytes: [1])
        let listed = try s3.list(bucket: "many", prefix: "wf/", pageSize: 5)
        #expect(listed.map(\.key).sorted() == keys.sorted())
        #expect(listed.first { $0.key == "wf/step-07.txt" }?.size == "wf/step-07.txt".utf8.count)
        #expect(try s3.list(bucket: "many", prefix: "none/").isEmpty)
    }

    @Test func errorsNameTheBucketTheKeyAndWhatTheServerSaid() throws {
        let server = try S3TestServer.shared()
        let s3 = Self.client(server)
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try scratch.write("f.txt", "x")

        let noBucket = #expect(throws: ArtifactError.self) { try s3.put(bucket: "no-such-bucket", key: "a/b.txt", file: scratch.path + "/f.txt") }
        let m1 = noBucket?.message ?? ""
        #expect(m1.contains("s3://no-such-bucket/a/b.txt") && m1.contains("NoSuchBucket") && m1.contains("HTTP 404"), "\(m1)")
        #expect(m1.contains("create the bucket"), "\(m1)")

        try s3.createBucket("bkt-errors")
        let noKey = #expect(throws: ArtifactError.self) { try s3.get(bucket: "bkt-errors", key: "missing.tgz", to: scratch.path + "/out") }
        let m2 = noKey?.message ?? ""
        #expect(m2.contains("cannot download s3://bkt-errors/missing.tgz") && m2.contains("NoSuchKey"), "\(m2)")
        // Neither the error document nor a partial file is left at the destination.
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/out"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/out.part"))
    }

    @Test func anUnreachableEndpointIsRetriedThenNamed() throws {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let s3 = S3Client(endpoint: S3Endpoint(url: "http://127.0.0.1:1", credentials: AWSCredentials(accessKeyID: "a", secretAccessKey: "b")),
                          attempts: 3, backoff: 0.01)
        let e = #expect(throws: ArtifactError.self) { _ = try s3.head(bucket: "bkt", key: "k/x") }
        let m = e?.message ?? ""
        #expect(m.contains("s3://bkt/k/x") && m.contains("127.0.0.1:1") && m.contains("after 3 tries"), "\(m)")
    }

    @Test func virtualHostedAndPathStyleAddressing() {
        let aws = S3Client(endpoint: S3Endpoint(region: "eu-west-1"))
        #expect(aws.endpoint.pathStyle == false)
        #expect(aws.endpoint.description == "https://s3.eu-west-1.amazonaws.com")
        let t = aws.target(bucket: "my-bucket", key: "a b/c.tgz")
        #expect(t.url == "https://my-bucket.s3.eu-west-1.amazonaws.com/a%20b/c.tgz" && t.host == "my-bucket.s3.eu-west-1.amazonaws.com" && t.path == "/a%20b/c.tgz")
        let minio = S3Client(endpoint: S3Endpoint(url: "http://minio:9000/"))
        #expect(minio.endpoint.pathStyle && minio.endpoint.description == "http://minio:9000")
        let p = minio.target(bucket: "my-bucket", key: "a b/c.tgz")
        #expect(p.url == "http://minio:9000/my-bucket/a%20b/c.tgz" && p.host == "minio:9000" && p.path == "/my-bucket/a%20b/c.tgz")
        #expect(minio.target(bucket: "my-bucket", key: nil).url == "http://minio:9000/my-bucket")
    }
}

/// Against a server that checks every signature (moto with IAM on): the requests the client
/// signs are accepted, multipart and listing with their queries included; a wrong secret
/// and an unknown key are refused with what the server said.
@Suite(.serialized) struct S3SignatureCheckTests {
    @Test func signedRequestsPassAndWrongKeysAreRefused() throws {
        let server = try S3TestServer(checkingSignatures: true)
        defer { server.stop() }
        let keys = try #require(server.checkedKeys)
        func client(_ id: String, _ secret: String) -> S3Client {
            var c = S3Client(endpoint: S3Endpoint(url: server.endpoint, credentials: AWSCredentials(accessKeyID: id, secretAccessKey: secret)),
                             attempts: 2, backoff: 0.05)
            c.multipartThreshold = 5 << 20
            c.partSize = 5 << 20
            return c
        }
        let s3 = client(keys.accessKey, keys.secretKey)
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try s3.createBucket("signed")
        var bytes = [UInt8](repeating: 0, count: 11 << 20)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 7 >> 3) }
        try Data(bytes).write(to: URL(fileURLWithPath: scratch.path + "/big.bin"))
        try s3.put(bucket: "signed", key: "dir/big file.bin", file: scratch.path + "/big.bin")
        try s3.get(bucket: "signed", key: "dir/big file.bin", to: scratch.path + "/back.bin")
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/back.bin")) == Data(bytes))
        // (moto checks the signature of a query value with "/" wrongly, boto3's too: the prefix has none.)
        #expect(try s3.list(bucket: "signed", prefix: "dir", pageSize: 1).map(\.key) == ["dir/big file.bin"])

        let wrongSecret = #expect(throws: ArtifactError.self) { _ = try client(keys.accessKey, "not-the-secret").head(bucket: "signed", key: "dir/big file.bin") }
        // HEAD answers carry no body: the status speaks for the server.
        #expect(wrongSecret?.message.contains("HTTP 403") == true && wrongSecret?.message.contains("s3://signed/dir/big file.bin") == true,
                "\(wrongSecret?.message ?? "")")
        let wrongPut = #expect(throws: ArtifactError.self) { try client(keys.accessKey, "not-the-secret").put(bucket: "signed", key: "x", bytes: [1]) }
        #expect(wrongPut?.message.contains("SignatureDoesNotMatch") == true && wrongPut?.message.contains("check the access key") == true,
                "\(wrongPut?.message ?? "")")
        let unknown = #expect(throws: ArtifactError.self) { try client("AKIANOBODY", "x").put(bucket: "signed", key: "x", bytes: [1]) }
        #expect(unknown?.message.contains("InvalidAccessKeyId") == true && unknown?.message.contains("s3://signed/x") == true, "\(unknown?.message ?? "")")
    }
}

/// Server-side encryption as S3 takes it: SSE-S3 and SSE-KMS on the writes (the server keeps
/// and reports them), SSE-C's key and its MD5 on every write, part and read (seen by a proxy
/// in front of the server); and a bucket made on the first write when asked.
@Suite(.serialized) struct S3EncryptionTests {
    func client(_ endpoint: String, _ encryption: S3Encryption?) -> S3Client {
        var c = S3Client(endpoint: S3Endpoint(url: endpoint, credentials: AWSCredentials(accessKeyID: S3TestServer.accessKey,
                                                                                       secretAccessKey: S3TestServer.secretKey)),
                         attempts: 2, backoff: 0.05)
        c.encryption = encryption
        c.multipartThreshold = 5 << 20
        c.partSize = 5 << 20
        return c
    }

    @Test func sseS3AndKMSAreKeptWithTheObject() throws {
        let server = try S3TestServer.shared()
        let plain = client(server.endpoint, nil)
        try plain.createBucket("sse-kept")
        try client(server.endpoint, .s3).put(bucket: "sse-kept", key: "s3", bytes: [1, 2])
        try client(server.endpoint, .kms(keyID: "alias/skein", context: #"{"team":"data"}"#)).put(bucket: "sse-kept", key: "kms", bytes: [3])
        func header(_ key: String, _ name: String) throws -> String? { try plain.headers(bucket: "sse-kept", key: key)?.last { $0.0 == name }?.1 }
        #expect(try header("s3", "x-amz-server-side-encryption") == "AES256")
        #expect(try header("kms", "x-amz-server-side-encryption") == "aws:kms")
        #expect(try header("kms", "x-amz-server-side-encryption-aws-kms-key-id") == "alias/skein")
    }

    @Test func sseCSendsTheKeyOnEveryWriteAndRead() throws {
        let server = try S3TestServer.shared()
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let log = scratch.path + "/requests.log"
        let proxy = try FaultyS3Proxy(upstream: server, rules: ["log=" + log])
        defer { proxy.stop() }
        let key = Array("0123456789abcdef0123456789abcdef".utf8)
        let s3 = client(proxy.endpoint, .customerKey(key))
        try s3.createBucket("sse-c")
        var bytes = [UInt8](repeating: 7, count: 6 << 20)
        bytes[0] = 1
        try Data(bytes).write(to: URL(fileURLWithPath: scratch.path + "/big"))
        try s3.put(bucket: "sse-c", key: "big", file: scratch.path + "/big")
        try s3.get(bucket: "sse-c", key: "big", to: scratch.path + "/back")
        #expect(try s3.head(bucket: "sse-c", key: "big") == bytes.count)
        let md5 = Data(Insecure.MD5.hash(data: key)).base64EncodedString()
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").filter { $0.contains("/sse-c/big") }
        // The start of the multipart upload, its two parts, the GET and the HEAD; not the completion.
        let carrying = lines.filter {
            $0.contains("x-amz-server-side-encryption-customer-algorithm=AES256") && $0.contains("x-amz-server-side-encryption-customer-key-md5=\(md5)")
                && $0.contains("x-amz-server-side-encryption-customer-key=\(Data(key).base64EncodedString())")
        }
        #expect(carrying.filter { $0.hasPrefix("PUT ") && $0.contains("partNumber=") }.count == 2, "\(lines)")
        #expect(carrying.contains { $0.hasPrefix("POST ") && $0.contains("uploads") }, "\(lines)")
        #expect(carrying.contains { $0.hasPrefix("GET ") } && carrying.contains { $0.hasPrefix("HEAD ") }, "\(lines)")
    }

    @Test func aStoreMakesItsBucketWhenAsked() throws {
        let server = try S3TestServer.shared()
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try scratch.write("f", "x")
        let plain = client(server.endpoint, nil)
        var store = S3Store(client: plain, bucket: "made-on-write", prefix: "p")
        let refused = #expect(throws: ArtifactError.self) { try store.put(file: scratch.path + "/f", key: "a/f") }
        #expect(refused?.message.contains("NoSuchBucket") == true)
        store.createBucketIfMissing = true
        try store.put(file: scratch.path + "/f", key: "a/f")
        try store.put(file: scratch.path + "/f", key: "a/g")
        #expect(try plain.list(bucket: "made-on-write", prefix: "p").map(\.key) == ["p/a/f", "p/a/g"])
    }
}
