import Trust

/// An Ed25519 private key as the trust documents' signer.
public struct Ed25519Signer: TrustSigning {
    public let privateKey: Ed25519PrivateKey
    public let key: TrustKey

    public init(_ privateKey: Ed25519PrivateKey) {
        self.privateKey = privateKey
        key = TrustKey(publicKey: privateKey.publicKey.raw, crypto: OpenSSLTrustCrypto())
    }

    public func signature(over message: [UInt8]) throws(TrustError) -> [UInt8] {
        do { return try privateKey.sign(message) }
        catch { throw .refused(document: "the signature", detail: "signing with key \(key.keyid.prefix(16)) failed: \(error.description)") }
    }
}
