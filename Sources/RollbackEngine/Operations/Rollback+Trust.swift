import Basics
import FoundationEssentials
import Hashing
import HostIO
import Release
import Trust
#if canImport(Glibc)
import Glibc
#endif

extension Rollback {
    /// The signed-release inputs of an install or a verify, as the operator named them.
    package struct SignedInputs: Sendable {
        /// The release's signature (default: the bundle's path + ".sig").
        package var signature: String?
        /// A rollback authorization, for a release older than the highest installed.
        package var authorization: String?
        /// The OS image the release ships, to check against the signed sha256.
        package var osImage: String?

        package init(signature: String? = nil, authorization: String? = nil, osImage: String? = nil) {
            self.signature = signature
            self.authorization = authorization
            self.osImage = osImage
        }
    }

    /// The box's trust state (nil: no root of trust, releases install unsigned).
    package func trustState() throws(RollbackError) -> TrustState? { try store.trust(context.crypto) }

    /// What this box is, as releases name hardware: `linux/<arch>` and the lines of
    /// /etc/edge-imagesmith/hardware (a model, a board revision).
    package func boxHardware() -> [String] {
        var names = [context.platform]
        if let text = context.files.text(paths.hardware) {
            for line in text.split(whereSeparator: \.isNewline) {
                let name = String(line).trimmed
                if !name.isEmpty, !name.hasPrefix("#"), !names.contains(name) { names.append(name) }
            }
        }
        return names
    }

    static let signedDocumentLimit = 1 << 20

    /// An operator's input file (a signature, an authorization, a root, a list), read as
    /// hostile: a regular file, bounded.
    static func readInput(_ path: String, what: String) throws(RollbackError) -> [UInt8] {
        switch BoundedFile.read(path, limit: signedDocumentLimit) {
        case .bytes(let bytes): return bytes
        case .missing: throw .noInput("\(what) \(path) does not exist")
        case .notRegularFile: throw .noInput("\(what) \(path) is not a regular file")
        case .tooLarge(let size): throw .badData("\(what) \(path) is \(size) bytes; at most \(signedDocumentLimit) are read")
        case let outcome: throw .noInput("\(what) \(path) \(BoundedFile.problem(outcome, limit: signedDocumentLimit) ?? "cannot be read")")
        }
    }

    /// Verifies `bundle` against the box's trust before anything is written. nil when the
    /// box has no root of trust (and no signature was named); otherwise the verified
    /// statement, or the refusal.
    package func verifyRelease(_ bundle: ReleaseBundle, bundlePath: String, inputs: SignedInputs, osVersion: String?, trust: TrustState?) throws(RollbackError) -> (ReleaseVerifier.Verified, [UInt8])? {
        guard let trust else {
            if inputs.signature != nil || inputs.authorization != nil {
                throw .usage("this box has no root of trust (\(paths.bakedRoot)), so a signature cannot be checked; its image was built without one")
            }
            return nil
        }
        let signaturePath = inputs.signature ?? bundlePath + ".sig"
        if inputs.signature == nil, BoundedFile.read(signaturePath, limit: 0) == .missing {
            throw .badData(TrustError.unsigned(document: bundlePath).description + " (no \(signaturePath); name the signature with --signature)")
        }
        let envelopeBytes = try Self.readInput(signaturePath, what: "the release's signature")
        let authorization = try inputs.authorization.map { path throws(RollbackError) in try Self.readInput(path, what: "the rollback authorization") }
        let verifier = ReleaseVerifier(root: trust.root, crypto: context.crypto, now: context.now(), hardware: boxHardware(), highest: trust.highest,
                                       revocations: trust.revocations, authorization: authorization, installed: trust.installed)
        let verified: ReleaseVerifier.Verified
        do { verified = try verifier.verify(envelopeBytes, document: signaturePath, image: bundle.manifest.image, version: bundle.version, files: bundle.files) }
        catch { throw .badData(error.description) }
        if let os = verified.statement.osImage {
            if let osVersion, osVersion != os.version {
                throw .badData("\(signaturePath) signs OS image \(os.version) for this release, not --os-version \(osVersion)")
            }
            if let path = inputs.osImage {
                guard FileInfo.isRegularFile(path) || FileInfo.isBlockDevice(path) else { throw .noInput("the OS image \(path) does not exist or is not a file or block device") }
                let digest: String
                do { digest = try Hash.fileHex(at: path) } catch { throw .noInput("the OS image \(path) cannot be read: \(error)") }
                guard digest == os.sha256 else {
                    throw .badData("the OS image \(path) hashes to \(digest.prefix(16))…, but \(signaturePath) signs \(os.sha256.prefix(16))…; it is not this release's OS image")
                }
            }
        } else if inputs.osImage != nil {
            throw .badData("\(signaturePath) signs no OS image for this release, so --os-image cannot be checked")
        }
        return (verified, envelopeBytes)
    }

    /// Raises the box's highest installed counter (crash-safe), never lowers it.
    package func raiseHighest(_ statement: ReleaseStatement, trust: TrustState) throws(RollbackError) {
        guard statement.releaseCounter > (trust.highest?.counter ?? 0) || trust.highest == nil else { return }
        try store.saveTrustFile(ReleaseVerifier.Highest(counter: statement.releaseCounter, version: statement.version).encoded(), to: paths.highest)
    }

    /// Why `version` may not run on this box, if it is revoked; a problem with the trust
    /// state itself is a reason too (fail closed).
    package func revocation(of version: String) -> String? {
        do {
            guard let trust = try trustState() else { return nil }
            return trust.revocation(of: version, now: context.now()).map { "it is revoked: \($0)" }
        } catch { return "the box's trust state cannot be read: \(error.description)" }
    }
}

extension FileInfo {
    static func isBlockDevice(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0 else { return false }
        return (status.st_mode & S_IFMT) == S_IFBLK
    }
}
