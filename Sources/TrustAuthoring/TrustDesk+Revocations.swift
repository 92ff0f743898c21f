import Basics
import FoundationEssentials
import Trust

extension TrustDesk {
    /// The list at `path`, checked against `root`'s release keys.
    public func verifiedRevocations(_ path: String, root: RootMetadata) throws(AuthoringError) -> RevocationList {
        let envelope = try self.envelope(path, what: "the revocation list")
        do {
            let payload = try envelope.verifiedPayload(expecting: RevocationList.payloadType, root: root, crypto: crypto, document: path)
            return try RevocationList.parse(payload, document: path)
        } catch { throw .trust(error) }
    }

    /// Adds `entries` to the revocation list at `path` (version 1 when there is none yet; one
    /// version newer than the list there otherwise, every entry kept) and signs it. With a
    /// root, the list there must be signed by its release keys (a list swapped on disk cannot
    /// quietly drop an entry).
    public func revoke(_ path: String, entries: [RevocationList.Entry], signers: [any TrustSigning], root rootPath: String?) throws(AuthoringError) -> (SignedDocument, RevocationList) {
        guard !signers.isEmpty else { throw .usage("give at least one --key") }
        guard !entries.isEmpty else { throw .usage("name what to revoke: --release IMAGE@COUNTER or --sha256 HEX") }
        let root = try rootPath.map { path throws(AuthoringError) in try self.root(path) }
        var list = RevocationList(version: 1, issuedAt: issued, entries: [])
        if files.exists(path) {
            if let root {
                list = try verifiedRevocations(path, root: root)
            } else {
                let envelope = try self.envelope(path, what: "the revocation list")
                guard envelope.payloadType == RevocationList.payloadType else { throw .badData("\(path) is not a revocation list") }
                do { list = try RevocationList.parse(envelope.payload, document: path) } catch { throw .trust(error) }
            }
            list.version += 1
            list.issuedAt = TrustTime.format(issued)
        }
        for entry in entries where !list.entries.contains(entry) { list.entries.append(entry) }
        // Read back as a box will read it.
        do { list = try RevocationList.parse(list.payload(), document: path) } catch { throw .trust(error) }
        let document = try sign(list.payload(), type: RevocationList.payloadType, out: path, signers: signers, root: root, replacing: true)
        return (document, list)
    }
}
