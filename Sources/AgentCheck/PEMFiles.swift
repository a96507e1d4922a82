import SwiftASN1
import X509

/// Reads the PEM files of the mTLS identity with swift-certificates: the certificate file (leaf
/// first, intermediates after it, as the transport reads it), the key, a CA bundle.
enum PEMFiles {
    /// Every certificate in the PEM file at `path`, in file order.
    /// - Throws: ``CheckError`` `missing`, `permission_denied`, `io`, or `invalid` when the file
    ///   holds no certificate or one that does not parse.
    static func certificates(at path: String) throws(CheckError) -> [Certificate] {
        let text = String(decoding: try FileFacts.read(path), as: UTF8.self)
        var certificates: [Certificate] = []
        for (index, block) in blocks(of: "CERTIFICATE", in: text).enumerated() {
            do {
                certificates.append(try Certificate(pemEncoded: block))
            } catch {
                throw CheckError(.invalid, "certificate \(index + 1) in '\(path)' does not parse: \(error)")
            }
        }
        guard !certificates.isEmpty else { throw CheckError(.invalid, "'\(path)' holds no PEM certificate") }
        return certificates
    }

    /// The private key in the PEM file at `path` (PKCS#8, SEC1 EC or PKCS#1 RSA; not encrypted).
    /// - Throws: ``CheckError`` `missing`, `permission_denied`, `io`, or `invalid`.
    static func privateKey(at path: String) throws(CheckError) -> Certificate.PrivateKey {
        let text = String(decoding: try FileFacts.read(path), as: UTF8.self)
        guard !text.contains("ENCRYPTED PRIVATE KEY"), !text.contains("Proc-Type: 4,ENCRYPTED") else {
            throw CheckError(.invalid, "'\(path)' is an encrypted key; the agent needs it unencrypted")
        }
        let label = ["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"].first { !blocks(of: $0, in: text).isEmpty }
        guard let label, let block = blocks(of: label, in: text).first else {
            throw CheckError(.invalid, "'\(path)' holds no PEM private key")
        }
        do {
            return try Certificate.PrivateKey(pemEncoded: block)
        } catch {
            throw CheckError(.invalid, "the key in '\(path)' does not parse: \(error)")
        }
    }

    /// The `-----BEGIN <label>-----` … `-----END <label>-----` blocks of `text`, whole.
    static func blocks(of label: String, in text: String) -> [String] {
        let begin = "-----BEGIN \(label)-----"
        let end = "-----END \(label)-----"
        var out: [String] = []
        var rest = text[...]
        while let start = rest.firstRange(of: begin), let stop = rest[start.upperBound...].firstRange(of: end) {
            out.append(String(rest[start.lowerBound..<stop.upperBound]))
            rest = rest[stop.upperBound...]
        }
        return out
    }
}
