import COpenSSL

/// One owner for one OpenSSL `EVP_PKEY`, freed in `deinit`.
final class OpenSSLKey: @unchecked Sendable {
    let raw: OpaquePointer

    init(_ raw: OpaquePointer) { self.raw = raw }

    deinit { EVP_PKEY_free(raw) }

    /// The one place OpenSSL return codes become Swift errors.
    static func check(_ code: Int32, _ operation: String) throws(SigningError) {
        guard code == 1 else { throw .openSSL(operation: operation, detail: lastError()) }
    }

    static func lastError() -> String {
        var text = ""
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            text += (text.isEmpty ? "" : "; ") + String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return text.isEmpty ? "no error detail" : text
    }

    /// A key read from PEM text (`private`: a private key, else a public one); nil when the
    /// text holds no key of that kind.
    static func read(pem: [UInt8], private isPrivate: Bool) -> OpenSSLKey? {
        guard !pem.isEmpty, pem.count < 1 << 20 else { return nil }
        let key: OpaquePointer? = pem.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return isPrivate ? PEM_read_bio_PrivateKey(bio, nil, nil, nil) : PEM_read_bio_PUBKEY(bio, nil, nil, nil)
        }
        ERR_clear_error()
        return key.map(OpenSSLKey.init)
    }

    /// The key as PEM text.
    func pem(private isPrivate: Bool) throws(SigningError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw .openSSL(operation: "BIO_new", detail: Self.lastError()) }
        defer { BIO_free(bio) }
        if isPrivate {
            try Self.check(PEM_write_bio_PrivateKey(bio, raw, nil, nil, 0, nil, nil), "PEM_write_bio_PrivateKey")
        } else {
            try Self.check(PEM_write_bio_PUBKEY(bio, raw), "PEM_write_bio_PUBKEY")
        }
        var data: UnsafeMutablePointer<CChar>?
        let length = edge_bio_mem_data(bio, &data)
        guard let data, length > 0 else { throw .openSSL(operation: "BIO_get_mem_data", detail: Self.lastError()) }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }

    var baseID: Int32 { EVP_PKEY_get_base_id(raw) }

    /// Whether `signature` is this key's over `message`: `digest` nil for Ed25519 (which
    /// hashes itself), the digest for ECDSA. Any failure is a no.
    func verify(_ signature: [UInt8], over message: [UInt8], digest: OpaquePointer?) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context); ERR_clear_error() }
        guard EVP_DigestVerifyInit(context, nil, digest, nil, raw) == 1 else { return false }
        return signature.withUnsafeBufferPointer { signatureBytes in
            message.withUnsafeBufferPointer { messageBytes in
                EVP_DigestVerify(context, signatureBytes.baseAddress, signatureBytes.count, messageBytes.baseAddress, messageBytes.count) == 1
            }
        }
    }
}
