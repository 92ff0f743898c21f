import ImageReference
import Lock

/// What resolving one container's tag came to, as the pinning policy needs it (the registry
/// client's errors reduced to the two facts the policy decides on).
package enum Resolution: Sendable, Equatable {
    /// Hash-verified: the digest the tag names and, for the container's platform, the child.
    case resolved(digest: Digest, platformDigest: Digest?, mediaType: String, size: Int, platforms: [LockFile.PlatformEntry]?)
    /// Not resolved. `missingTag`: the registry said the tag does not exist (404,
    /// MANIFEST_UNKNOWN, NAME_UNKNOWN); `unavailable`: it could not be asked (network, 5xx).
    case failed(reason: String, missingTag: Bool, unavailable: Bool)
}
