import Crypto
import SwiftASN1
import X509
import _CryptoExtras

/// The device's private key, made on the device (it never leaves it), and the CSR for it.
public struct DeviceKey: Sendable {
    /// Which key to make.
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        /// RSA with 3072 or 4096 bits (the default is 4096).
        case rsa(bits: Int)
        /// EC on P-256.
        case ecP256

        /// `RSA-4096`, `EC P-256`.
        public var description: String {
            switch self {
            case .rsa(let bits): "RSA-\(bits)"
            case .ecP256: "EC P-256"
            }
        }
    }

    let key: Certificate.PrivateKey
    /// The key in PEM (PKCS#8 for EC, PKCS#1 for RSA), for the 0600 key file.
    public let pem: String
    let signatureAlgorithm: Certificate.SignatureAlgorithm

    /// Makes a key of `kind`.
    /// - Throws: ``EnrollError`` `usage` for an RSA size other than 3072 or 4096, `local` when
    ///   the key cannot be made.
    public static func make(_ kind: Kind) throws(EnrollError) -> DeviceKey {
        do {
            switch kind {
            case .rsa(let bits):
                let size: _RSA.Signing.KeySize
                switch bits {
                case 3072: size = .bits3072
                case 4096: size = .bits4096
                default: throw EnrollError(.usage, "RSA keys are 3072 or 4096 bits, not \(bits)")
                }
                let rsa = try _RSA.Signing.PrivateKey(keySize: size)
                return DeviceKey(key: Certificate.PrivateKey(rsa), pem: rsa.pemRepresentation, signatureAlgorithm: .sha256WithRSAEncryption)
            case .ecP256:
                let ec = P256.Signing.PrivateKey()
                return DeviceKey(key: Certificate.PrivateKey(ec), pem: ec.pemRepresentation, signatureAlgorithm: .ecdsaWithSHA256)
            }
        } catch let error as EnrollError {
            throw error
        } catch {
            throw EnrollError(.local, "cannot make a \(kind) key: \(error)")
        }
    }

    /// A PEM CSR with the subject `CN=<id>`, asking for EKU clientAuth, signed by this key.
    /// - Throws: ``EnrollError`` `local` when it cannot be made.
    public func csrPEM(commonName id: String) throws(EnrollError) -> String {
        do {
            let subject = try DistinguishedName { CommonName(id) }
            let request = ExtensionRequest(extensions: try Certificate.Extensions { try ExtendedKeyUsage([.clientAuth]) })
            let csr = try CertificateSigningRequest(
                version: .v1, subject: subject, privateKey: key,
                attributes: CertificateSigningRequest.Attributes([try .init(request)]), signatureAlgorithm: signatureAlgorithm)
            return try csr.serializeAsPEM().pemString
        } catch {
            throw EnrollError(.local, "cannot make the CSR: \(error)")
        }
    }

    /// The public key, to compare with a certificate's.
    var publicKey: Certificate.PublicKey { key.publicKey }
}
