import ImageReference

/// `ContentDigester` over OpenSSL's EVP API.
public struct OpenSSLDigester: ContentDigester {
    public init() {}

    public func digest(of bytes: [UInt8], algorithm: Digest.Algorithm) throws -> Digest {
        let context = try DigestContext(algorithm: algorithm.rawValue)
        try bytes.withUnsafeBytes { try context.update($0) }
        return try Digest(algorithm: algorithm, encoded: try context.finalizeHex())
    }
}
