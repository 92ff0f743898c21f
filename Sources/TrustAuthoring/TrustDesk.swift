import Basics
import FoundationEssentials
import HostIO
import Release
import ReleaseArchive
import Signing
import Trust

/// What a release manager does with keys, kept apart from the build: make and rotate the
/// root of trust, sign releases, countersign, revoke, and authorize a rollback. Inputs are
/// read as hostile (bounded, regular files, parsed by the same strict readers a box uses);
/// every output is written crash-safe through `files`, and each document is checked the way
/// a box will check it before it is written.
public struct TrustDesk: Sendable {
    public let files: any FileSystem
    public let crypto: any TrustCrypto
    /// When documents are issued (SOURCE_DATE_EPOCH in a reproducible pipeline).
    public let now: Date

    public init(files: any FileSystem, crypto: any TrustCrypto = OpenSSLTrustCrypto(), now: Date) {
        self.files = files
        self.crypto = crypto
        self.now = now
    }

    static let maximumDocumentBytes = 1 << 20

    func readDocument(_ path: String, what: String) throws(AuthoringError) -> [UInt8] {
        switch BoundedFile.read(path, limit: Self.maximumDocumentBytes) {
        case .bytes(let bytes): return bytes
        case .missing: throw .noInput("\(what) \(path) does not exist")
        case .notRegularFile: throw .noInput("\(what) \(path) is not a regular file")
        case .tooLarge(let size): throw .badData("\(what) \(path) is \(size) bytes; at most \(Self.maximumDocumentBytes) are read")
        case .unreadable(let code): throw .noInput("\(what) \(path) \(BoundedFile.problem(.unreadable(errno: code), limit: 0) ?? "cannot be read")")
        }
    }

    func write(_ bytes: [UInt8], to path: String, replacing: Bool) throws(AuthoringError) {
        if !replacing, files.exists(path) || files.linkTarget(path) != nil {
            throw .usage("\(path) exists already (give another --out, or move it away)")
        }
        do { try files.write(bytes, to: path, mode: 0o644) } catch { throw .cannotWrite(error) }
    }

    func root(_ path: String) throws(AuthoringError) -> RootMetadata {
        let bytes = try readDocument(path, what: "the root")
        do { return try RootMetadata.parse(bytes, document: path, crypto: crypto) } catch { throw .trust(error) }
    }

    func envelope(_ path: String, what: String) throws(AuthoringError) -> Envelope {
        let bytes = try readDocument(path, what: what)
        do { return try Envelope.parse(bytes, document: path) } catch { throw .trust(error) }
    }

    static func days(_ days: Int, after date: Date) -> Date { date.addingTimeInterval(TimeInterval(days) * 86_400) }

    /// Whole seconds: what a signed document can say.
    var issued: Date { Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down)) }
}
