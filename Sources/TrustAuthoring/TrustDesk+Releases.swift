import Basics
import FoundationEssentials
import Hashing
import HostIO
import Release
import ReleaseArchive
import Trust

extension TrustDesk {
    public struct ReleaseOptions: Sendable {
        public var counter: UInt64?
        public var expiresInDays: Int
        public var hardware: [String]
        public var osImage: String?
        public var osVersion: String?
        public var parents: [ReleaseStatement.Parent]
        /// Where the signature goes (default: the bundle's path + ".sig").
        public var out: String?
        /// The root the signature is checked against (its release threshold), and a signed
        /// revocation list the release must not fall under.
        public var root: String?
        public var revocations: String?

        public init(counter: UInt64? = nil, expiresInDays: Int, hardware: [String] = [], osImage: String? = nil, osVersion: String? = nil,
                    parents: [ReleaseStatement.Parent] = [], out: String? = nil, root: String? = nil, revocations: String? = nil) {
            self.counter = counter
            self.expiresInDays = expiresInDays
            self.hardware = hardware
            self.osImage = osImage
            self.osVersion = osVersion
            self.parents = parents
            self.out = out
            self.root = root
            self.revocations = revocations
        }
    }

    public struct SignedDocument: Sendable {
        public var path: String
        public var envelope: Envelope
        /// sha256 of the payload: how revocations name it.
        public var digest: String
        /// Valid release-key signatures and the threshold, when a root was given.
        public var valid: Int?
        public var threshold: Int?
    }

    /// Signs the release `bundlePath` holds: a statement of its files, counter, expiry,
    /// hardware, OS image and parents, in a DSSE envelope beside it. Signing the same
    /// statement again with another key adds that key's signature.
    public func signRelease(_ bundlePath: String, options: ReleaseOptions, signers: [any TrustSigning]) throws(AuthoringError) -> (SignedDocument, ReleaseStatement) {
        guard !signers.isEmpty else { throw .usage("give at least one --key") }
        let bundle: ReleaseBundle
        do { bundle = try BundleArchive.read(bundlePath) }
        catch {
            switch error {
            case .noInput(let text): throw .noInput(text)
            case .badData(let text): throw .badData(text)
            }
        }
        var osImage: ReleaseStatement.OSImage?
        if let path = options.osImage {
            guard FileInfo.isRegularFile(path) else { throw .noInput("the OS image \(path) does not exist or is not a regular file") }
            let digest: String
            do { digest = try Hash.fileHex(at: path) } catch { throw .noInput("the OS image \(path) cannot be read: \(error)") }
            osImage = ReleaseStatement.OSImage(version: options.osVersion ?? bundle.version, sha256: digest)
        } else if options.osVersion != nil {
            throw .usage("--os-version names the version of --os-image; give the image too")
        }
        let statement = try ReleaseStatement.describing(bundle, counter: options.counter, issuedAt: issued, expires: Self.days(options.expiresInDays, after: issued),
                                                        hardware: options.hardware, osImage: osImage, parents: options.parents, crypto: crypto)
        let root = try options.root.map { path throws(AuthoringError) in try self.root(path) }
        if let listPath = options.revocations {
            guard let root else { throw .usage("--revocations is checked with the root's release keys; give --root too") }
            let list = try verifiedRevocations(listPath, root: root)
            if let why = list.reason(for: statement, digest: crypto.sha256Hex(statement.payload()), now: issued) {
                throw .trust(.refused(document: bundlePath, detail: "it would be revoked at once: \(why)"))
            }
        }
        let out = options.out ?? bundlePath + ".sig"
        let document = try sign(statement.payload(), type: ReleaseStatement.payloadType, out: out, signers: signers, root: root)
        return (document, statement)
    }

    /// Adds each signer's signature to the envelope at `path` (a release, a revocation list
    /// or a rollback authorization), in place.
    public func countersign(_ path: String, signers: [any TrustSigning], root rootPath: String?) throws(AuthoringError) -> SignedDocument {
        guard !signers.isEmpty else { throw .usage("give at least one --key") }
        var envelope = try self.envelope(path, what: "the signed document")
        guard [ReleaseStatement.payloadType, RevocationList.payloadType, RollbackAuthorization.payloadType].contains(envelope.payloadType) else {
            throw .badData("\(path) is a '\(envelope.payloadType.printable)' document, which this tool does not sign")
        }
        do { for signer in signers { try envelope.addSignature(by: signer) } } catch { throw .trust(error) }
        let root = try rootPath.map { path throws(AuthoringError) in try self.root(path) }
        try write(envelope.encoded(), to: path, replacing: true)
        return describe(envelope, path: path, root: root)
    }

    /// Signs `payload` as `type` into `out`. When `out` holds an envelope of the same bytes,
    /// the signatures are added to it; any other file there is never replaced.
    func sign(_ payload: [UInt8], type: String, out: String, signers: [any TrustSigning], root: RootMetadata?, replacing: Bool = false) throws(AuthoringError) -> SignedDocument {
        var envelope = Envelope(payloadType: type, payload: payload, signatures: [])
        if !replacing, files.exists(out) || files.linkTarget(out) != nil {
            let existing = try self.envelope(out, what: "the signature file")
            guard existing.payloadType == type, existing.payload == payload else {
                throw .usage("\(out) exists and signs something else; move it away, or add a signature to it with `imagesmith countersign`")
            }
            envelope = existing
        }
        do { for signer in signers { try envelope.addSignature(by: signer) } } catch { throw .trust(error) }
        try write(envelope.encoded(), to: out, replacing: true)
        return describe(envelope, path: out, root: root)
    }

    func describe(_ envelope: Envelope, path: String, root: RootMetadata?) -> SignedDocument {
        SignedDocument(path: path, envelope: envelope, digest: crypto.sha256Hex(envelope.payload),
                       valid: root.map { $0.validSignatures("targets", signatures: envelope.signatures, over: envelope.signingInput, crypto: crypto) },
                       threshold: root?.releaseRole.threshold)
    }

    /// A rollback authorization for the release signed in `signaturePath`: boxes that have
    /// installed newer releases may install this one again until it expires.
    public func authorizeRollback(_ signaturePath: String, expiresInDays: Int, out: String, signers: [any TrustSigning], root rootPath: String?) throws(AuthoringError) -> (SignedDocument, RollbackAuthorization) {
        guard !signers.isEmpty else { throw .usage("give at least one --key") }
        let envelope = try self.envelope(signaturePath, what: "the release's signature")
        let root = try rootPath.map { path throws(AuthoringError) in try self.root(path) }
        let statement: ReleaseStatement
        do throws(TrustError) {
            var payload = envelope.payload
            if let root {
                payload = try envelope.verifiedPayload(expecting: ReleaseStatement.payloadType, root: root, crypto: crypto, document: signaturePath)
            } else if envelope.payloadType != ReleaseStatement.payloadType {
                throw .refused(document: signaturePath, detail: "it is not a release's signature")
            }
            statement = try ReleaseStatement.parse(payload, document: signaturePath)
        } catch { throw .trust(error) }
        let authorization = RollbackAuthorization(image: statement.image, version: statement.version, releaseCounter: statement.releaseCounter,
                                                  issuedAt: issued, expires: Self.days(expiresInDays, after: issued))
        let document = try sign(authorization.payload(), type: RollbackAuthorization.payloadType, out: out, signers: signers, root: root)
        return (document, authorization)
    }
}
