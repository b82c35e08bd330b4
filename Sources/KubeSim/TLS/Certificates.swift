import Crypto
import Foundation
import SwiftASN1
import X509

/// The simulator's PKI, made fresh at every start: a CA, a server certificate for
/// 127.0.0.1 and localhost, and a client certificate (CN skein-test, O system:masters),
/// all P-256, as PEM.
struct SimCertificates: Sendable {
    var caPEM: String
    var serverCertPEM: String
    var serverKeyPEM: String
    var clientCertPEM: String
    var clientKeyPEM: String

    static func generate() throws -> SimCertificates {
        let now = Date()
        let notBefore = now.addingTimeInterval(-3600)
        let notAfter = now.addingTimeInterval(86400 * 365)
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("skein")
            CommonName("skein-sim-ca")
        }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(caKey.publicKey))
            },
            issuerPrivateKey: .init(caKey))

        func leaf(_ subject: DistinguishedName, server: Bool) throws -> (Certificate, P256.Signing.PrivateKey) {
            let key = P256.Signing.PrivateKey()
            let cert = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
                notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: subject,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                    try ExtendedKeyUsage([server ? .serverAuth : .clientAuth])
                    AuthorityKeyIdentifier(keyIdentifier: try ca.extensions.subjectKeyIdentifier?.keyIdentifier)
                    if server {
                        SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
                    }
                },
                issuerPrivateKey: .init(caKey))
            return (cert, key)
        }
        let (server, serverKey) = try leaf(try DistinguishedName { CommonName("skein-sim") }, server: true)
        let (client, clientKey) = try leaf(try DistinguishedName {
            OrganizationName("system:masters")
            CommonName("skein-test")
        }, server: false)
        return SimCertificates(
            caPEM: try ca.serializeAsPEM().pemString,
            serverCertPEM: try server.serializeAsPEM().pemString, serverKeyPEM: serverKey.pemRepresentation,
            clientCertPEM: try client.serializeAsPEM().pemString, clientKeyPEM: clientKey.pemRepresentation)
    }
}

/// A fresh CA and a server certificate for 127.0.0.1 and localhost (PEM), for tests that
/// serve TLS of their own (an S3 server behind a private CA).
public enum TestPKI {
    public static func serverCertificate() throws -> (caPEM: String, certificatePEM: String, keyPEM: String) {
        let c = try SimCertificates.generate()
        return (c.caPEM, c.serverCertPEM, c.serverKeyPEM)
    }
}
