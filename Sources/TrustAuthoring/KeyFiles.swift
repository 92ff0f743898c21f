import Basics
import HostIO
import Signing
import Trust

/// Release and root keys on disk: a private key is PKCS#8 PEM, mode 0600, never printed; a
/// public key is a PEM `PUBLIC KEY` beside it. Both are read as hostile input (a regular
/// file, bounded), and a private key that others can read is refused, as ssh refuses one.
public enum KeyFiles {
    static let maximumBytes = 64 << 10

    public static func read(_ path: String, what: String) throws(AuthoringError) -> [UInt8] {
        switch BoundedFile.read(path, limit: maximumBytes) {
        case .bytes(let bytes): return bytes
        case .missing: throw .noInput("\(what) \(path) does not exist")
        case .notRegularFile: throw .noInput("\(what) \(path) is not a regular file")
        case let outcome:
            if case .tooLarge = outcome { throw .badData("\(what) \(path) \(BoundedFile.problem(outcome, limit: maximumBytes) ?? "")") }
            throw .noInput("\(what) \(path) \(BoundedFile.problem(outcome, limit: maximumBytes) ?? "cannot be read")")
        }
    }

    /// A signer from a private key file.
    public static func signer(_ path: String) throws(AuthoringError) -> Ed25519Signer {
        let bytes = try read(path, what: "the private key")
        if let mode = FileInfo.permissions(path), mode & 0o077 != 0 {
            throw .badData("the private key \(path) can be read by others (mode \(String(mode & 0o777, radix: 8))); chmod 600 it, and consider it exposed")
        }
        do { return Ed25519Signer(try Ed25519PrivateKey(pem: bytes)) }
        catch { throw .badData("\(path) is not an Ed25519 private key (PKCS#8 PEM, unencrypted): \(error.description)") }
    }

    /// A public key from a PEM file (a `PUBLIC KEY`).
    public static func publicKey(_ path: String) throws(AuthoringError) -> TrustKey {
        let bytes = try read(path, what: "the public key")
        do { return TrustKey(publicKey: try Ed25519PublicKey(pem: bytes).raw, crypto: OpenSSLTrustCrypto()) }
        catch { throw .badData("\(path) is not an Ed25519 public key (PEM PUBLIC KEY): \(error.description)") }
    }

    /// Makes `NAME.key` (0600) and `NAME.pub` in `directory`; refuses to replace either.
    public static func generate(in directory: String, name: String, files: any FileSystem) throws(AuthoringError) -> TrustKey {
        let privatePath = Path.join(directory, "\(name).key"), publicPath = Path.join(directory, "\(name).pub")
        for path in [privatePath, publicPath] where files.exists(path) || files.linkTarget(path) != nil {
            throw .usage("\(path) exists already; a key is never replaced (move it away first)")
        }
        let key: Ed25519PrivateKey
        let privatePEM: [UInt8], publicPEM: [UInt8]
        do {
            key = try Ed25519PrivateKey.generate()
            privatePEM = try key.pem()
            publicPEM = try key.publicKey.pem()
        } catch { throw .badData("the key could not be made: \(error.description)") }
        do {
            try files.makeDirectory(directory, mode: 0o700)
            try files.write(privatePEM, to: privatePath, mode: 0o600)
            try files.write(publicPEM, to: publicPath, mode: 0o644)
        } catch { throw .cannotWrite(error) }
        return TrustKey(publicKey: key.publicKey.raw, crypto: OpenSSLTrustCrypto())
    }
}
