import COpenSSL
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// One owner for one OpenSSL `EVP_MD_CTX`: streaming message digests (sha256, sha384, sha512).
/// Freed in `deinit`. Not thread-safe; use one per stream.
public final class DigestContext {
    private let context: OpaquePointer
    public let algorithm: String

    /// `algorithm` is an OpenSSL digest name: "sha256", "sha384", "sha512".
    public init(algorithm: String = "sha256") throws {
        guard let md = EVP_get_digestbyname(algorithm) else { throw HashingError.unknownAlgorithm(algorithm) }
        guard let context = EVP_MD_CTX_new() else { throw HashingError.openSSL(operation: "EVP_MD_CTX_new", detail: Self.lastError()) }
        self.context = context
        self.algorithm = algorithm
        try Self.check(EVP_DigestInit_ex(context, md, nil), "EVP_DigestInit_ex")
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        try Self.check(EVP_DigestUpdate(context, base, bytes.count), "EVP_DigestUpdate")
    }

    public func update(_ data: some DataProtocol) throws {
        for region in data.regions {
            try region.withUnsafeBytes { try update($0) }
        }
    }

    /// Finishes the digest and returns its lower-case hex encoding.
    public func finalizeHex() throws -> String { Self.hex(try finalize()) }

    /// Finishes the digest and returns its bytes.
    public func finalize() throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        try Self.check(EVP_DigestFinal_ex(context, &output, &length), "EVP_DigestFinal_ex")
        return Array(output.prefix(Int(length)))
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var result = [UInt8]()
        for byte in bytes {
            result.append(digits[Int(byte >> 4)])
            result.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// The one place OpenSSL return codes become Swift errors.
    static func check(_ code: Int32, _ operation: String) throws {
        guard code == 1 else { throw HashingError.openSSL(operation: operation, detail: lastError()) }
    }

    static func lastError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "no error detail" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// One-shot helpers.
public enum Hash {
    public static func hex(_ data: some DataProtocol, algorithm: String = "sha256") throws -> String {
        let context = try DigestContext(algorithm: algorithm)
        try context.update(data)
        return try context.finalizeHex()
    }

    /// Streams a file through the digest in 1 MiB chunks.
    public static func fileHex(at path: String, algorithm: String = "sha256") throws -> String {
        let context = try DigestContext(algorithm: algorithm)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw HashingError.openSSL(operation: "open", detail: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw HashingError.openSSL(operation: "read", detail: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            try context.update(chunk[0..<count])
        }
        return try context.finalizeHex()
    }
}
