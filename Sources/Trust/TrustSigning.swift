/// A private key that signs trust documents, as a seam: the documents are made here, the
/// signing is OpenSSL's (module Signing, `Ed25519PrivateKey`). Its `key` names it in
/// metadata.
public protocol TrustSigning: Sendable {
    var key: TrustKey { get }
    /// The 64-byte Ed25519 signature over `message`.
    func signature(over message: [UInt8]) throws(TrustError) -> [UInt8]
}
