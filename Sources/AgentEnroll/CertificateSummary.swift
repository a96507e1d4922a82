import Crypto
import FoundationEssentials
import SwiftASN1
import X509

/// What an installer shows of a client certificate: its SHA-256 fingerprint and validity, as
/// `orchestrator-agent enroll` (and `--verify-installed`) print them after the id. This is the
/// installer summary's source, so that it needs no openssl.
public struct CertificateSummary: Sendable, Equatable {
    /// SHA-256 of the certificate's DER, `AB:CD:…` (openssl's `-fingerprint -sha256` form).
    public let fingerprint: String
    /// The start of the certificate's validity.
    public let notBefore: Date
    /// The end of the certificate's validity.
    public let notAfter: Date

    /// The summary of a parsed certificate.
    /// - Throws: ``EnrollError`` `local` when the certificate cannot be serialised again.
    init(_ certificate: Certificate) throws(EnrollError) {
        let der: [UInt8]
        do {
            var serializer = DER.Serializer()
            try serializer.serialize(certificate)
            der = serializer.serializedBytes
        } catch {
            throw EnrollError(.local, "cannot serialise the certificate: \(error)")
        }
        fingerprint = SHA256.hash(data: der).map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined(separator: ":")
        notBefore = certificate.notValidBefore
        notAfter = certificate.notValidAfter
    }

    /// The lines `sha256 fingerprint: …`, `not before: …`, `not after: …` (dates in ISO 8601, UTC).
    public var lines: [String] {
        ["sha256 fingerprint: \(fingerprint)", "not before: \(notBefore.formatted(.iso8601))", "not after: \(notAfter.formatted(.iso8601))"]
    }
}
