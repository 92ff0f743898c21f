import COpenSSL

/// HMAC-SHA256 over OpenSSL's one-shot `HMAC()` (RFC 2104): the request signatures S3's
/// Signature Version 4 chains four of.
public enum MessageAuthentication {
    public static func hmacSHA256(key: [UInt8], _ message: [UInt8]) throws(HashingError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let done = key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                output.withUnsafeMutableBytes { out in
                    HMAC(EVP_sha256(), keyBytes.baseAddress, Int32(keyBytes.count), messageBytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                         messageBytes.count, out.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) != nil
                }
            }
        }
        guard done, length == 32 else { throw .openSSL(operation: "HMAC", detail: DigestContext.lastError()) }
        return output
    }
}
