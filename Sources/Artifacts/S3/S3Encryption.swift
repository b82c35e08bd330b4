import Crypto
import Foundation

/// Server-side encryption of the objects a client writes: SSE-S3 (`AES256`), SSE-KMS (a key
/// id, and an encryption context as JSON), or SSE-C (a 32-byte key of the caller's, sent on
/// every write and read of the object).
public enum S3Encryption: Sendable, Equatable {
    case s3
    case kms(keyID: String?, context: String?)
    case customerKey([UInt8])

    /// Headers for a PUT or the start of a multipart upload.
    var writeHeaders: [(String, String)] {
        switch self {
        case .s3: return [("x-amz-server-side-encryption", "AES256")]
        case .kms(let id, let context):
            var h = [("x-amz-server-side-encryption", "aws:kms")]
            if let id, !id.isEmpty { h.append(("x-amz-server-side-encryption-aws-kms-key-id", id)) }
            if let context, !context.isEmpty { h.append(("x-amz-server-side-encryption-context", Data(context.utf8).base64EncodedString())) }
            return h
        case .customerKey: return customerHeaders
        }
    }

    /// Headers for reading the object and for the parts of a multipart upload (SSE-C only).
    var customerHeaders: [(String, String)] {
        guard case .customerKey(let key) = self else { return [] }
        return [("x-amz-server-side-encryption-customer-algorithm", "AES256"),
                ("x-amz-server-side-encryption-customer-key", Data(key).base64EncodedString()),
                ("x-amz-server-side-encryption-customer-key-MD5", Data(Insecure.MD5.hash(data: key)).base64EncodedString())]
    }
}
