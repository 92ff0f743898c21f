import COpenSSL
import Hashing
import Trust

/// The trust rules' cryptography over OpenSSL: SHA-256 through EVP digests, Ed25519 and
/// ECDSA P-256 verification through EVP_DigestVerify.
public struct OpenSSLTrustCrypto: TrustCrypto {
    public init() {}

    public func sha256(_ bytes: [UInt8]) -> [UInt8] {
        // An EVP digest of memory does not fail short of OpenSSL being unusable, which would
        // have stopped the tool long before (every bundle file is hashed the same way).
        guard let context = try? DigestContext(algorithm: "sha256"), (try? context.update(bytes)) != nil,
              let digest = try? context.finalize() else { return [] }
        return digest
    }

    public func verifyEd25519(publicKey: [UInt8], signature: [UInt8], message: [UInt8]) -> Bool {
        guard let key = try? Ed25519PublicKey(raw: publicKey) else { return false }
        return key.verify(signature, over: message)
    }

    public func verifyECDSAP256(publicKeyPEM: [UInt8], signature: [UInt8], message: [UInt8]) -> Bool {
        guard let key = try? ECDSAP256PublicKey(pem: publicKeyPEM) else { return false }
        return key.verify(derSignature: signature, over: message)
    }
}

