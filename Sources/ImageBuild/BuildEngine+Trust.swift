import Basics
import FoundationEssentials
import ImageDefinition
import Release
import Trust

extension BuildEngine {
    /// What the build knows about signed releases: the root the image will carry (checked as
    /// a box will check it), and the parent images the release stands on, none of them revoked.
    struct TrustInputs {
        var root: [UInt8]?
        var parents: [ReleaseManifest.ParentImage]
    }

    func readTrust(_ definition: ImageDefinition, in directory: String) throws(BuildError) -> TrustInputs {
        let definitionPath = request.definitionPath
        let rootPath = request.trustRoot ?? definition.trust.map { "\(directory)/\($0.root)" }
        var root: RootMetadata?
        var rootBytes: [UInt8]?
        if let rootPath {
            guard let bytes = files.contents(rootPath) else { throw .noInput(["the root of trust \(rootPath) does not exist or cannot be read"]) }
            do throws(TrustError) {
                let parsed = try RootMetadata.parse(bytes, document: rootPath, crypto: crypto)
                try parsed.verifySelfSigned(crypto: crypto, document: rootPath)
                guard parsed.expires > request.now else {
                    throw TrustError.refused(document: rootPath, detail: "it expired at \(TrustTime.format(parsed.expires)); a box carrying it would install nothing")
                }
                root = parsed
                rootBytes = bytes
            } catch { throw .badData(["\(definitionPath): /trust/root: \(error.description)"]) }
        }

        var parents = request.parents
        if let qemu = definition.base.qemu, qemu.isoChecksum.hasPrefix("sha256:") {
            let hex = String(qemu.isoChecksum.dropFirst(7)).lowercased()
            if hex.utf8.count == 64, hex != String(repeating: "0", count: 64), !parents.contains(where: { $0.sha256 == hex }) {
                parents.append(.init(name: "qemu source image \(qemu.isoURL)".printableText(limit: 200), sha256: hex))
            }
        }

        let revocationsPath = request.revocations ?? definition.trust?.revocations.map { "\(directory)/\($0)" }
        if let revocationsPath {
            guard let root else { throw .usage(["a revocation list is checked with the root's release keys: give the definition a trust root (or --trust-root)"]) }
            guard let bytes = files.contents(revocationsPath) else { throw .noInput(["the revocation list \(revocationsPath) does not exist or cannot be read"]) }
            let list: RevocationList
            do throws(TrustError) {
                let envelope = try Envelope.parse(bytes, document: revocationsPath)
                let payload = try envelope.verifiedPayload(expecting: RevocationList.payloadType, root: root, crypto: crypto, document: revocationsPath)
                list = try RevocationList.parse(payload, document: revocationsPath)
            } catch { throw .badData([error.description]) }
            let active = list.entries.filter { $0.effectiveDate <= request.now }
            var refusals: [String] = []
            for parent in parents {
                if let entry = active.first(where: { $0.sha256 == parent.sha256 }) {
                    refusals.append("the parent image \(parent.name) (sha256:\(parent.sha256)) is revoked: \(entry.reason); build on another")
                }
            }
            if !refusals.isEmpty { throw .badData(refusals) }
        }
        return TrustInputs(root: rootBytes, parents: parents)
    }
}
