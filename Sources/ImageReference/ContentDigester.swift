/// The hashing seam: computes a `Digest` over bytes. The OpenSSL adapter (module Hashing)
/// implements it; the core never links a crypto library itself.
public protocol ContentDigester: Sendable {
    func digest(of bytes: [UInt8], algorithm: Digest.Algorithm) throws -> Digest
}
