import Basics
import ImageReference

/// What one resolver has already hash-verified in this run, by digest: content-addressed, so
/// a digest asked for again (ten tags naming one index, a config shared by many images) is
/// answered from memory instead of being read, hashed and decoded again. Only bytes this
/// process verified itself go in; nothing read back from disk is trusted unverified.
final class VerifiedContent: @unchecked Sendable {
    struct Manifest {
        var mediaType: String
        var body: [UInt8]
        var document: ManifestDocument
    }

    private let lock = Lock()
    private var manifests: [Digest: Manifest] = [:]
    private var blobs: [Digest: [UInt8]] = [:]

    func manifest(_ digest: Digest) -> Manifest? { lock.withLock { manifests[digest] } }
    func remember(_ digest: Digest, manifest: Manifest) { lock.withLock { manifests[digest] = manifest } }
    func blob(_ digest: Digest) -> [UInt8]? { lock.withLock { blobs[digest] } }
    func remember(_ digest: Digest, blob: [UInt8]) { lock.withLock { blobs[digest] = blob } }
}
