import Basics
import COpenSSL
import Hashing

/// An Ed25519 public key (RFC 8032): 32 raw bytes. Verification is OpenSSL's.
public struct Ed25519PublicKey: Sendable, Hashable {
    public let raw: [UInt8]

    public init(raw: [UInt8]) throws(SigningError) {
        guard raw.count == 32 else { throw .invalidKey("an Ed25519 public key is 32 bytes, not \(raw.count)") }
        self.raw = raw
    }

    /// From a PEM `PUBLIC KEY` (SubjectPublicKeyInfo), which must be an Ed25519 key.
    public init(pem: [UInt8]) throws(SigningError) {
        guard let key = OpenSSLKey.read(pem: pem, private: false) else { throw .invalidKey("not a PEM public key") }
        guard key.baseID == EDGE_EVP_PKEY_ED25519 else { throw .invalidKey("not an Ed25519 public key") }
        try self.init(raw: try Self.rawPublic(key))
    }

    static func rawPublic(_ key: OpenSSLKey) throws(SigningError) -> [UInt8] {
        var length = 32
        var bytes = [UInt8](repeating: 0, count: 32)
        try OpenSSLKey.check(EVP_PKEY_get_raw_public_key(key.raw, &bytes, &length), "EVP_PKEY_get_raw_public_key")
        return Array(bytes.prefix(length))
    }

    func key() throws(SigningError) -> OpenSSLKey {
        let made = raw.withUnsafeBufferPointer { EVP_PKEY_new_raw_public_key(EDGE_EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count) }
        guard let made else { throw .openSSL(operation: "EVP_PKEY_new_raw_public_key", detail: OpenSSLKey.lastError()) }
        return OpenSSLKey(made)
    }

    /// Whether `signature` (64 bytes) is this key's signature over `message`.
    public func verify(_ signature: [UInt8], over message: [UInt8]) -> Bool {
        guard signature.count == 64, let key = try? key() else { return false }
        return key.verify(signature, over: message, digest: nil)
    }

    /// As a PEM `PUBLIC KEY`.
    public func pem() throws(SigningError) -> [UInt8] { try key().pem(private: false) }

    public var hex: String { raw.map(\.paddedHex).joined() }
}

/// An Ed25519 private key: made, read and written as PKCS#8 PEM, used to sign. The key never
/// leaves this type but as PEM its owner writes (0600).
public final class Ed25519PrivateKey: @unchecked Sendable {
    let key: OpenSSLKey
    public let publicKey: Ed25519PublicKey

    init(_ key: OpenSSLKey) throws(SigningError) {
        guard key.baseID == EDGE_EVP_PKEY_ED25519 else { throw .invalidKey("not an Ed25519 private key") }
        self.key = key
        publicKey = try Ed25519PublicKey(raw: try Ed25519PublicKey.rawPublic(key))
    }

    /// A new key from OpenSSL's random generator.
    public static func generate() throws(SigningError) -> Ed25519PrivateKey {
        guard let context = EVP_PKEY_CTX_new_id(EDGE_EVP_PKEY_ED25519, nil) else {
            throw .openSSL(operation: "EVP_PKEY_CTX_new_id", detail: OpenSSLKey.lastError())
        }
        defer { EVP_PKEY_CTX_free(context) }
        try OpenSSLKey.check(EVP_PKEY_keygen_init(context), "EVP_PKEY_keygen_init")
        var made: OpaquePointer?
        try OpenSSLKey.check(EVP_PKEY_keygen(context, &made), "EVP_PKEY_keygen")
        guard let made else { throw .openSSL(operation: "EVP_PKEY_keygen", detail: "no key") }
        return try Ed25519PrivateKey(OpenSSLKey(made))
    }

    /// From PKCS#8 PEM (`PRIVATE KEY`); an encrypted key is refused (no passphrase is asked).
    public convenience init(pem: [UInt8]) throws(SigningError) {
        guard let key = OpenSSLKey.read(pem: pem, private: true) else { throw .invalidKey("not an unencrypted PEM private key") }
        try self.init(key)
    }

    public func pem() throws(SigningError) -> [UInt8] { try key.pem(private: true) }

    /// The 64-byte Ed25519 signature over `message`.
    public func sign(_ message: [UInt8]) throws(SigningError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw .openSSL(operation: "EVP_MD_CTX_new", detail: OpenSSLKey.lastError()) }
        defer { EVP_MD_CTX_free(context) }
        try OpenSSLKey.check(EVP_DigestSignInit(context, nil, nil, nil, key.raw), "EVP_DigestSignInit")
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        let code = message.withUnsafeBufferPointer { EVP_DigestSign(context, &signature, &length, $0.baseAddress, $0.count) }
        try OpenSSLKey.check(code, "EVP_DigestSign")
        return Array(signature.prefix(length))
    }
}

/// An ECDSA P-256 public key (what cosign's key pairs are): verifies ASN.1 DER signatures
/// over SHA-256 of a message.
public struct ECDSAP256PublicKey: @unchecked Sendable {
    let key: OpenSSLKey

    /// From a PEM `PUBLIC KEY`, which must be an EC key on P-256.
    public init(pem: [UInt8]) throws(SigningError) {
        guard let key = OpenSSLKey.read(pem: pem, private: false) else { throw .invalidKey("not a PEM public key") }
        guard key.baseID == EDGE_EVP_PKEY_EC else { throw .invalidKey("not an EC public key") }
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_group_name(key.raw, &name, name.count, &length) == 1,
              String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) == "prime256v1" else {
            throw .invalidKey("not a P-256 (prime256v1) key")
        }
        self.key = key
    }

    public func verify(derSignature: [UInt8], over message: [UInt8]) -> Bool {
        guard !derSignature.isEmpty, derSignature.count <= 80 else { return false }
        return key.verify(derSignature, over: message, digest: EVP_sha256())
    }
}
