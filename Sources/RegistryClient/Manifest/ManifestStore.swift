import ImageReference

/// Content-addressed storage for manifests and config blobs already fetched and verified
/// ("local first"). The resolver re-hashes whatever a store returns before using it, so a
/// damaged store can cost a fetch but never a wrong pin.
public protocol ManifestStore: Sendable {
    /// The bytes stored under `digest` and the media type they were served as, if any.
    func load(_ digest: Digest) -> (mediaType: String, bytes: [UInt8])?
    /// Stores verified bytes. Failures are the store's business: caching is best effort.
    func store(_ digest: Digest, mediaType: String, bytes: [UInt8])
    /// Forgets an entry that did not verify.
    func remove(_ digest: Digest)
    /// Whether this store can ever answer `load` (false: asking the registry for a tag's
    /// digest first buys nothing, so the resolver goes straight to the verifying GET).
    var mayHoldManifests: Bool { get }
}

extension ManifestStore {
    public var mayHoldManifests: Bool { true }
}

/// No caching.
public struct NoManifestStore: ManifestStore {
    public init() {}
    public func load(_ digest: Digest) -> (mediaType: String, bytes: [UInt8])? { nil }
    public var mayHoldManifests: Bool { false }
    public func store(_ digest: Digest, mediaType: String, bytes: [UInt8]) {}
    public func remove(_ digest: Digest) {}
}
