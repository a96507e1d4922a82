@_spi(DisableValidityCheck) import X509

/// Verifies that a client certificate chains to a CA, with swift-certificates' `Verifier` (issuer
/// names, signatures, basic constraints, name constraints).
///
/// Validity in time is not part of this: the certificate item checks the leaf's dates itself
/// and the CA certificates' dates on the verified chain, so an expired certificate from the
/// right CA is reported as expired, not also as "not issued by the CA".
enum CertificateChain {
    enum Outcome {
        /// The chain, leaf first, root last.
        case verified([Certificate])
        /// Why no chain was found.
        case notVerified(String)
    }

    static func verify(leaf: Certificate, intermediates: [Certificate], roots: [Certificate]) async -> Outcome {
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy.withValidityCheckDisabled()
        }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)) {
        case .validCertificate(let chain):
            return .verified(Array(chain))
        case .couldNotValidate:
            // A few CAs are named; a system bundle (a hundred or more) is counted, not listed.
            let known = roots.count <= 3 ? roots.map { "\($0.subject)" }.joined(separator: "; ") : "any of \(roots.count) CA certificates"
            return .notVerified("issued by \(leaf.issuer), which does not chain to the CA (\(known))")
        }
    }
}
