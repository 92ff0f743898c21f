import Basics
import FoundationEssentials
import Trust

extension TrustDesk {
    public struct RootChange: Sendable {
        public var rootKeys: [TrustKey]?
        public var rootThreshold: Int?
        public var releaseKeys: [TrustKey]?
        public var releaseThreshold: Int?
        public var expiresInDays: Int

        public init(rootKeys: [TrustKey]? = nil, rootThreshold: Int? = nil, releaseKeys: [TrustKey]? = nil, releaseThreshold: Int? = nil, expiresInDays: Int) {
            self.rootKeys = rootKeys
            self.rootThreshold = rootThreshold
            self.releaseKeys = releaseKeys
            self.releaseThreshold = releaseThreshold
            self.expiresInDays = expiresInDays
        }
    }

    /// Root version 1, signed by `signers` (the root keys at hand; the others sign in turn
    /// with `signRoot`).
    public func initRoot(out: String, change: RootChange, signers: [any TrustSigning]) throws(AuthoringError) -> RootMetadata {
        guard let rootKeys = change.rootKeys, let releaseKeys = change.releaseKeys else { throw .usage("a new root needs --root-key and --release-key") }
        let draft = RootDraft(version: 1, expires: Self.days(change.expiresInDays, after: issued), rootKeys: rootKeys,
                              rootThreshold: change.rootThreshold ?? 1, releaseKeys: releaseKeys, releaseThreshold: change.releaseThreshold ?? 1)
        return try finish(draft, previous: nil, out: out, signers: signers)
    }

    /// The next root after `previous`: its keys and thresholds unless changed, one version
    /// newer. It must be signed by a threshold of the old root keys and of its own.
    public func rotateRoot(previous path: String, out: String, change: RootChange, signers: [any TrustSigning]) throws(AuthoringError) -> RootMetadata {
        let previous = try root(path)
        var draft = RootDraft(following: previous, expires: Self.days(change.expiresInDays, after: issued))
        if let keys = change.rootKeys { draft.rootKeys = keys }
        if let keys = change.releaseKeys { draft.releaseKeys = keys }
        if let threshold = change.rootThreshold { draft.rootThreshold = threshold }
        if let threshold = change.releaseThreshold { draft.releaseThreshold = threshold }
        return try finish(draft, previous: previous, out: out, signers: signers)
    }

    func finish(_ draft: RootDraft, previous: RootMetadata?, out: String, signers: [any TrustSigning]) throws(AuthoringError) -> RootMetadata {
        do { try draft.check(now: issued) } catch { throw .trust(error) }
        let allowed = Set(draft.rootKeys.map(\.keyid) + (previous?.roles["root"]?.keyids ?? []))
        for signer in signers where !allowed.contains(signer.key.keyid) {
            throw .usage("key \(signer.key.keyid.prefix(16)) is not a root key of this root\(previous == nil ? "" : " or of root \(previous?.version ?? 0)"); only root keys sign a root")
        }
        let bytes: [UInt8]
        let made: RootMetadata
        do {
            bytes = try draft.signed(by: signers)
            made = try RootMetadata.parse(bytes, document: out, crypto: crypto)
        } catch { throw .trust(error) }
        try write(bytes, to: out, replacing: false)
        return made
    }

    /// Adds each signer's signature to the root at `path`, in place.
    public func signRoot(_ path: String, signers: [any TrustSigning]) throws(AuthoringError) -> RootMetadata {
        var current = try root(path)
        for signer in signers {
            do { current = try RootMetadata.parse(try current.addingSignature(by: signer), document: path, crypto: crypto) }
            catch { throw .trust(error) }
        }
        try write(current.bytes, to: path, replacing: true)
        return current
    }

    /// Whether `candidate` is complete: self-signed with its threshold, and, after `previous`,
    /// signed by its threshold too and exactly one version newer. What a box will decide.
    public func checkRoot(_ candidate: RootMetadata, previous: RootMetadata?, document: String) -> TrustError? {
        do {
            if let previous { try previous.verifyNext(candidate, crypto: crypto, document: document) }
            else { try candidate.verifySelfSigned(crypto: crypto, document: document) }
            return nil
        } catch { return error }
    }

    /// The root at `path`, parsed.
    public func readRoot(_ path: String) throws(AuthoringError) -> RootMetadata { try root(path) }
}
