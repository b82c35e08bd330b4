@testable import Artifacts
import Testing

/// Signature Version 4 against AWS's published vectors: the generic test suite (service
/// `service`, 2015-08-30) and the worked examples of the S3 pages (2013-05-24), byte for byte.
@Suite struct SigV4Tests {
    static let suite = SigV4(credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                             region: "us-east-1", service: "service")
    static let s3 = SigV4(credentials: AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                          region: "us-east-1")
    static let suiteDate = "20150830T123600Z", s3Date = "20130524T000000Z"
    static let host = ("Host", "example.amazonaws.com"), date = ("X-Amz-Date", "20150830T123600Z")

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String, method: String, path: String, query: [(String, String)], headers: [(String, String)], signature: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(name: "get-vanilla", method: "GET", path: "/", query: [], headers: [host, date],
             signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        Case(name: "get-vanilla-query-order-key-case", method: "GET", path: "/", query: [("Param2", "value2"), ("Param1", "value1")], headers: [host, date],
             signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Case(name: "get-vanilla-query-unreserved", method: "GET", path: "/",
             query: [("-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")],
             headers: [host, date], signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        Case(name: "get-vanilla-utf8-query", method: "GET", path: "/", query: [("\u{1234}", "bar")], headers: [host, date],
             signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        Case(name: "get-utf8", method: "GET", path: SigV4.uriEncode("/\u{1234}", keepSlash: true), query: [], headers: [host, date],
             signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        Case(name: "get-header-value-trim", method: "GET", path: "/", query: [],
             headers: [host, ("My-Header1", " value1"), ("My-Header2", " \"a   b   c\""), date],
             signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        Case(name: "get-header-key-duplicate", method: "GET", path: "/", query: [],
             headers: [host, ("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1"), date],
             signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
        Case(name: "post-vanilla-query", method: "POST", path: "/", query: [("Param1", "value1")], headers: [host, date],
             signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
        Case(name: "get-slashes-unnormalized (S3 keeps the path)", method: "GET", path: "//example//", query: [], headers: [host, date],
             signature: "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5"),
    ])
    func testSuite(_ c: Case) {
        let auth = Self.suite.authorization(method: c.method, path: c.path, query: c.query, headers: c.headers,
                                            payloadHash: SigV4.emptyPayloadHash, amzDate: Self.suiteDate)
        let signed = SigV4.canonicalHeaders(c.headers).signed
        #expect(auth == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=\(signed), Signature=\(c.signature)")
    }

    @Test func canonicalRequestAndStringToSignOfTheSuite() {
        let (creq, signed) = SigV4.canonicalRequest(method: "GET", path: "/", query: [],
                                                    headers: [Self.host, ("My-Header1", " value1"), ("My-Header2", " \"a   b   c\""), Self.date],
                                                    payloadHash: SigV4.emptyPayloadHash)
        #expect(creq == "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(signed == "host;my-header1;my-header2;x-amz-date")
        #expect(Self.suite.stringToSign(canonicalRequest: creq, amzDate: Self.suiteDate)
                == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\na726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7")
    }

    @Test func signingKeys() {
        #expect(Self.s3.signingKeyHex(date: Self.s3Date) == "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378")
        let iam = SigV4(credentials: AWSCredentials(accessKeyID: "x", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), region: "us-east-1", service: "iam")
        #expect(iam.signingKeyHex(date: "20120215") == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    static let s3Host = ("Host", "examplebucket.s3.amazonaws.com")

    /// The four worked examples of "Signature Calculations for the Authorization Header".
    @Test func s3Examples() {
        func sig(_ method: String, _ path: String, _ query: [(String, String)], _ extra: [(String, String)], _ payload: String) -> String {
            let headers = [Self.s3Host] + extra + [("x-amz-date", Self.s3Date), ("x-amz-content-sha256", payload)]
            let (creq, _) = SigV4.canonicalRequest(method: method, path: path, query: query, headers: headers, payloadHash: payload)
            return Self.s3.signature(stringToSign: Self.s3.stringToSign(canonicalRequest: creq, amzDate: Self.s3Date), amzDate: Self.s3Date)
        }
        #expect(sig("GET", "/test.txt", [], [("Range", "bytes=0-9")], SigV4.emptyPayloadHash)
                == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        let body = SigV4.sha256Hex(Array("Welcome to Amazon S3.".utf8))
        #expect(body == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        #expect(sig("PUT", S3Path.encode(key: "test$file.text"), [], [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")], body)
                == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
        #expect(sig("GET", "/", [("lifecycle", "")], [], SigV4.emptyPayloadHash) == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
        #expect(sig("GET", "/", [("max-keys", "2"), ("prefix", "J")], [], SigV4.emptyPayloadHash)
                == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func presignedURL() {
        // 2013-05-24T00:00:00Z
        #expect(SigV4.amzDate(1_369_353_600) == Self.s3Date)
        #expect(Self.s3.presign(method: "GET", scheme: "https", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", expires: 86400, unix: 1_369_353_600)
                == "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test func amzDatesAndEncoding() {
        #expect(SigV4.amzDate(0) == "19700101T000000Z")
        #expect(SigV4.amzDate(1_440_938_160) == Self.suiteDate)
        #expect(SigV4.uriEncode("a b/c+d=é", keepSlash: true) == "a%20b/c%2Bd%3D%C3%A9")
        #expect(SigV4.uriEncode("a/b") == "a%2Fb")
    }
}
