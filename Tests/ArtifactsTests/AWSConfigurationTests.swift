@testable import Artifacts
import Foundation
import SkeinTestSupport
import Testing

/// Endpoint, region and keys found as the AWS CLI finds them: the environment first, then the
/// profile of the shared credentials and config files.
@Suite struct AWSConfigurationTests {
    @Test func theEnvironmentWinsOverTheProfileFiles() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try scratch.write("credentials", """
            [default]
            aws_access_key_id = FILEKEY
            aws_secret_access_key = filesecret
            [ci]
            aws_access_key_id=CIKEY
            aws_secret_access_key=cisecret
            aws_session_token=citoken
            """)
        try scratch.write("config", """
            [default]
            region = eu-west-3
            [profile ci]
            region = ap-south-1
            endpoint_url = http://minio.local:9000
            s3 =
              addressing_style = path
            """)
        let files = ["AWS_SHARED_CREDENTIALS_FILE": scratch.path + "/credentials", "AWS_CONFIG_FILE": scratch.path + "/config"]
        let d = AWSConfiguration.resolve(environment: files)
        #expect(d.credentials == AWSCredentials(accessKeyID: "FILEKEY", secretAccessKey: "filesecret") && d.region == "eu-west-3" && d.endpointURL == nil)
        #expect(d.credentialSource.contains("profile default"))
        let ci = AWSConfiguration.resolve(environment: files.merging(["AWS_PROFILE": "ci"]) { a, _ in a })
        #expect(ci.credentials == AWSCredentials(accessKeyID: "CIKEY", secretAccessKey: "cisecret", sessionToken: "citoken"))
        #expect(ci.region == "ap-south-1" && ci.endpointURL == "http://minio.local:9000")
        let env = AWSConfiguration.resolve(environment: files.merging([
            "AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_REGION": "us-west-2",
            "AWS_ENDPOINT_URL": "http://generic:1", "AWS_ENDPOINT_URL_S3": "http://s3only:2",
        ]) { a, _ in a })
        #expect(env.credentials == AWSCredentials(accessKeyID: "ENVKEY", secretAccessKey: "envsecret") && env.region == "us-west-2")
        #expect(env.endpointURL == "http://s3only:2" && env.credentialSource.contains("environment"))
        let none = AWSConfiguration.resolve(environment: ["HOME": scratch.path + "/nowhere"])
        #expect(none.credentials == nil && none.region == "us-east-1")
    }

    /// A directory kept as is (Argo's `archive: none`): one object per file under the key.
    @Test func aDirectoryIsOneObjectPerFile() throws {
        let server = try S3TestServer.shared()
        let client = S3ClientTests.client(server)
        try client.createBucket("dirs")
        let store = S3Store(client: client, bucket: "dirs", prefix: "/p/")
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try scratch.write("tree/a.txt", "a")
        try scratch.write("tree/sub/b.txt", "b")
        try store.put(file: scratch.path + "/tree", key: "wf/out")
        #expect(try client.list(bucket: "dirs", prefix: "").map(\.key).sorted() == ["p/wf/out/a.txt", "p/wf/out/sub/b.txt"])
        #expect(try store.exists(key: "wf/out") && !store.exists(key: "wf/other"))
        try store.get(key: "wf/out", toFile: scratch.path + "/back")
        #expect(try String(contentsOfFile: scratch.path + "/back/sub/b.txt", encoding: .utf8) == "b")
        let missing = #expect(throws: ArtifactError.self) { try store.get(key: "wf/none", toFile: scratch.path + "/x") }
        #expect(missing?.message.contains("s3://dirs/p/wf/none") == true, "\(missing?.message ?? "")")
        #expect(throws: ArtifactError.self) { try store.put(file: scratch.path + "/tree", key: "../escape") }
        try store.delete(key: "wf/out")
        #expect(try client.list(bucket: "dirs", prefix: "").isEmpty)
        #expect(S3Store.parse(url: "s3://bucket/a/b")! == ("bucket", "a/b") && S3Store.parse(url: "s3://") == nil)
    }
}

/// After the environment and the profile: a web identity token exchanged with STS (IRSA) and
/// the instance metadata service with an IMDSv2 session token, both answered by moto.
@Suite(.serialized) struct AWSCredentialProviderTests {
    @Test func aWebIdentityTokenIsExchangedWithSTS() throws {
        let server = try S3TestServer.shared()
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try scratch.write("token", "eyJhbGciOiJSUzI1NiJ9.the-service-account-token.sig\n")
        let env = ["HOME": scratch.path, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/skein-artifacts",
                   "AWS_WEB_IDENTITY_TOKEN_FILE": scratch.path + "/token", "AWS_ENDPOINT_URL_STS": server.endpoint,
                   "AWS_EC2_METADATA_DISABLED": "true"]
        let c = AWSConfiguration.resolve(environment: env)
        let credentials = try #require(c.credentials, "\(c.credentialSource)")
        #expect(!credentials.accessKeyID.isEmpty && !credentials.secretAccessKey.isEmpty && credentials.sessionToken?.isEmpty == false)
        #expect(c.credentialSource.contains("web identity") && c.credentialSource.contains("skein-artifacts"), "\(c.credentialSource)")
        // Keys in the environment win: no exchange.
        let mine = AWSConfiguration.resolve(environment: env.merging(["AWS_ACCESS_KEY_ID": "MINE", "AWS_SECRET_ACCESS_KEY": "s"]) { $1 })
        #expect(mine.credentials?.accessKeyID == "MINE")
        // A token file that is not there says so.
        let broken = AWSConfiguration.resolve(environment: env.merging(["AWS_WEB_IDENTITY_TOKEN_FILE": scratch.path + "/absent"]) { $1 })
        #expect(broken.credentials == nil && broken.credentialSource.contains("cannot read the token file"), "\(broken.credentialSource)")
    }

    @Test func theInstanceRoleComesThroughIMDSv2() throws {
        let server = try S3TestServer.shared()
        let env = ["HOME": "/nonexistent", "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.endpoint + "/"]
        let c = AWSConfiguration.resolve(environment: env)
        #expect(c.credentials == AWSCredentials(accessKeyID: "test-key", secretAccessKey: "test-secret-key", sessionToken: "test-session-token"),
                "\(c.credentialSource)")
        #expect(c.credentialSource.contains("instance metadata service") && c.credentialSource.contains("role default-role"))
        // Turned off: nothing is asked.
        let off = AWSConfiguration.resolve(environment: env.merging(["AWS_EC2_METADATA_DISABLED": "true"]) { $1 })
        #expect(off.credentials == nil)
        // Not fetched when the caller asks for the files only.
        #expect(AWSConfiguration.resolve(environment: env, fetchingCredentials: false).credentials == nil)
    }
}

/// A directory artifact through S3 as a step passes it (tar.gz up, unpacked down): modes and
/// symbolic links come back as they were.
@Suite struct S3DirectoryRoundTripTests {
    @Test func modesAndSymlinksSurviveTheRoundTrip() throws {
        let server = try S3TestServer.shared()
        let client = S3ClientTests.client(server)
        try client.createBucket("dir-round-trip")
        let store = S3Store(client: client, bucket: "dir-round-trip", prefix: "runs")
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        try scratch.write("tree/run.sh", "#!/bin/sh\necho hi\n")
        try scratch.write("tree/data/table.csv", "a,b\n1,2\n")
        let fm = FileManager.default
        try fm.setAttributes([.posixPermissions: 0o750], ofItemAtPath: scratch.path + "/tree/run.sh")
        try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: scratch.path + "/tree/data/table.csv")
        try fm.createSymbolicLink(atPath: scratch.path + "/tree/latest.csv", withDestinationPath: "data/table.csv")
        try ArtifactUploader.upload(path: scratch.path + "/tree", format: .tarGzip(level: nil), key: "wf/pod/tree.tgz", to: store)
        #expect(try client.head(bucket: "dir-round-trip", key: "runs/wf/pod/tree.tgz") != nil)
        try ArtifactFetcher.fetch(.store(key: "wf/pod/tree.tgz"), from: store, to: scratch.path + "/back", unpack: true)
        func mode(_ p: String) throws -> Int { (try fm.attributesOfItem(atPath: scratch.path + "/back/" + p)[.posixPermissions] as? Int ?? 0) & 0o777 }
        #expect(try mode("run.sh") == 0o750 && mode("data/table.csv") == 0o600)
        #expect(try fm.destinationOfSymbolicLink(atPath: scratch.path + "/back/latest.csv") == "data/table.csv")
        #expect(try String(contentsOfFile: scratch.path + "/back/latest.csv", encoding: .utf8) == "a,b\n1,2\n")
    }
}
