import Basics
import FoundationEssentials

/// The rules a box applies before it installs a release, in order, each refusal saying what
/// and why: a root of trust that has not expired; an envelope of the right type signed by a
/// threshold of the root's release keys; a statement for this bundle's image and version,
/// this box's hardware, not expired; a release counter not lower than the highest this box
/// has installed (unless a signed rollback authorization names it) and not reused by another
/// version; the bundle's files exactly those signed, byte for byte; and nothing revoked in it
/// or under it. Pure: the box's state comes in as values.
public struct ReleaseVerifier: Sendable {
    /// The highest release counter a box has installed, and the release that had it (a
    /// box's `highest.json`: only ever raised, read back as hostile).
    public struct Highest: Sendable, Equatable, Codable {
        public var counter: UInt64
        public var version: String

        enum CodingKeys: String, CodingKey { case counter = "release_counter", version }

        public init(counter: UInt64, version: String) {
            self.counter = counter
            self.version = version
        }

        public func encoded() -> [UInt8] { CanonicalJSON.encode(self) }

        public static func parse(_ bytes: [UInt8], document: String) throws(TrustError) -> Highest {
            let json: PositionedJSON
            do { json = try JSONReader.parse(bytes, maximumBytes: 4096) }
            catch { throw .malformed(document: document, detail: "\(error.position): \(error.message)") }
            let fields = try FieldReader(json, document: document)
            try fields.allowOnly(["release_counter", "version"])
            let version = try fields.string("version", maximumLength: 16)
            guard ReleaseStatement.isVersion(version) else { throw fields.fail("version", "'\(version)' is not a version YYYY.MM.N") }
            return Highest(counter: try fields.integer("release_counter"), version: version)
        }
    }

    public struct Verified: Sendable, Equatable {
        public var statement: ReleaseStatement
        /// sha256 of the signed payload: the release's own digest, as revocations name it.
        public var digest: String
        /// Set when an older counter was let in by a rollback authorization.
        public var authorizedRollback: Bool
    }

    public var root: RootMetadata
    public var crypto: any TrustCrypto
    public var now: Date
    /// What this box is: `linux/amd64`, or the model its image names.
    public var hardware: [String]
    public var highest: Highest?
    public var revocations: RevocationList?
    public var authorization: [UInt8]?
    /// Releases installed already (for revocations that reach through them).
    public var installed: [(statement: ReleaseStatement, digest: String)]

    public init(root: RootMetadata, crypto: any TrustCrypto, now: Date, hardware: [String], highest: Highest? = nil,
                revocations: RevocationList? = nil, authorization: [UInt8]? = nil, installed: [(statement: ReleaseStatement, digest: String)] = []) {
        self.root = root
        self.crypto = crypto
        self.now = now
        self.hardware = hardware
        self.highest = highest
        self.revocations = revocations
        self.authorization = authorization
        self.installed = installed
    }

    public func verify(_ envelopeBytes: [UInt8], document: String, image: String, version: String, files: [String: [UInt8]]) throws(TrustError) -> Verified {
        guard root.expires > now else {
            throw .refused(document: document, detail: "the box's root of trust (version \(root.version)) expired at \(TrustTime.format(root.expires)); install a newer root first (rollback trust update)")
        }
        let envelope = try Envelope.parse(envelopeBytes, document: document)
        let payload = try envelope.verifiedPayload(expecting: ReleaseStatement.payloadType, root: root, crypto: crypto, document: document)
        let statement = try ReleaseStatement.parse(payload, document: document)
        let digest = crypto.sha256Hex(payload)

        guard statement.image == image, statement.version == version else {
            throw .refused(document: document, detail: "it signs \(statement.image) \(statement.version), but the bundle is \(image) \(version)")
        }
        guard statement.hardware.contains(where: hardware.contains) else {
            throw .refused(document: document, detail: "it is for \(statement.hardware.joined(separator: ", ")), and this box is \(hardware.joined(separator: ", "))")
        }
        guard statement.expiryDate > now else {
            throw .refused(document: document, detail: "it expired at \(statement.expires); a release is only installed before its expiry")
        }

        var authorized = false
        if let highest {
            if statement.releaseCounter < highest.counter {
                guard let authorization else {
                    throw .refused(document: document, detail: "its release counter \(statement.releaseCounter) is lower than the highest this box has installed (\(highest.counter), \(highest.version)): going back needs a new release with a higher counter, or a signed rollback authorization for it")
                }
                try checkAuthorization(authorization, for: statement, document: document)
                authorized = true
            } else if statement.releaseCounter == highest.counter && statement.version != highest.version {
                throw .refused(document: document, detail: "its release counter \(statement.releaseCounter) was already used by \(highest.version); every release has a counter of its own")
            }
        }

        let signedNames = Set(statement.files.keys), bundleNames = Set(files.keys)
        if let missing = signedNames.subtracting(bundleNames).sorted().first {
            throw .refused(document: document, detail: "the bundle lacks \(missing), which the release signs")
        }
        if let extra = bundleNames.subtracting(signedNames).sorted().first {
            throw .refused(document: document, detail: "the bundle has \(extra), which the release does not sign")
        }
        for name in signedNames.sorted() {
            let actual = crypto.sha256Hex(files[name] ?? [])
            guard actual == statement.files[name] else {
                throw .refused(document: document, detail: "\(name) hashes to \(actual.prefix(16))…, but the release signs \(statement.files[name]?.prefix(16) ?? "")…")
            }
        }

        if let revocations, let why = revocations.reason(for: statement, digest: digest, now: now, others: installed) {
            throw .refused(document: document, detail: "revoked: \(why)")
        }
        return Verified(statement: statement, digest: digest, authorizedRollback: authorized)
    }

    func checkAuthorization(_ bytes: [UInt8], for statement: ReleaseStatement, document: String) throws(TrustError) {
        let name = "the rollback authorization"
        let envelope = try Envelope.parse(bytes, document: name)
        let payload = try envelope.verifiedPayload(expecting: RollbackAuthorization.payloadType, root: root, crypto: crypto, document: name)
        let authorization = try RollbackAuthorization.parse(payload, document: name)
        guard authorization.image == statement.image, authorization.releaseCounter == statement.releaseCounter, authorization.version == statement.version else {
            throw .refused(document: name, detail: "it authorizes \(authorization.image) \(authorization.version) (counter \(authorization.releaseCounter)), not \(statement.image) \(statement.version) (counter \(statement.releaseCounter))")
        }
        guard authorization.expiryDate > now else { throw .refused(document: name, detail: "it expired at \(authorization.expires)") }
    }
}
