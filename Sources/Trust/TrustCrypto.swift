/// The cryptography the trust rules need, as a seam: the rules are pure and testable; the
/// OpenSSL adapter (module Signing, `OpenSSLTrustCrypto`) does the arithmetic.
public protocol TrustCrypto: Sendable {
    /// SHA-256 of `bytes`, 32 raw bytes.
    func sha256(_ bytes: [UInt8]) -> [UInt8]
    /// Whether `signature` is the Ed25519 signature of the 32-byte `publicKey` over `message`.
    func verifyEd25519(publicKey: [UInt8], signature: [UInt8], message: [UInt8]) -> Bool
    /// Whether the ASN.1 DER `signature` is the ECDSA P-256 SHA-256 signature of the PEM key
    /// over `message` (cosign's key pairs).
    func verifyECDSAP256(publicKeyPEM: [UInt8], signature: [UInt8], message: [UInt8]) -> Bool
}

extension TrustCrypto {
    public func sha256Hex(_ bytes: [UInt8]) -> String { sha256(bytes).map(\.hexByte).joined() }
}

extension UInt8 {
    var hexByte: String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(self >> 4)], digits[Int(self & 0x0f)]])
    }
}
