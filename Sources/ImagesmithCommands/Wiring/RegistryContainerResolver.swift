import BuildPolicy
import ImageBuild
import ImageReference
import RegistryClient

/// The build's and verify's `ContainerResolving` seam over the registry client: its answers
/// reduced to what the pinning and drift rules decide on.
struct RegistryContainerResolver: ContainerResolving {
    let resolver: Resolver

    /// A resolver from the command's registry options, or the build error its configuration
    /// problem is.
    static func make(_ setup: RegistrySetup, environment: [String: String]) throws(BuildError) -> RegistryContainerResolver {
        do { return RegistryContainerResolver(resolver: try setup.makeResolver(environment: environment)) }
        catch { throw BuildError.from(error.exitStatus, ["\(error)"]) }
    }

    func resolve(_ references: [Reference], platform: Platform) async throws(BuildError) -> [Reference: Resolution] {
        await resolver.resolve(references, platform: platform).mapValues(Self.resolution)
    }

    func cosignSignatures(_ reference: Reference, digest: Digest) async throws(BuildError) -> [(payload: [UInt8], signature: String)]? {
        do { return try await resolver.cosignSignatures(reference, digest: digest)?.map { ($0.payload, $0.signature) } }
        catch { throw BuildError.from(error.exitStatus, ["the signatures of \(reference.name)@\(digest) could not be read: \(error)"]) }
    }

    static func resolution(_ result: Result<ResolvedImage, RegistryError>) -> Resolution {
        switch result {
        case .success(let image):
            .resolved(digest: image.digest, platformDigest: image.platformDigest, mediaType: image.mediaType, size: image.size,
                      platforms: image.platforms?.map { .init(platform: $0.platform.description, digest: $0.digest) })
        case .failure(let error):
            .failed(reason: "\(error)", missingTag: isMissingTag(error), unavailable: error.exitStatus == .unavailable)
        }
    }

    /// A 404 for the tag itself: the pre-built image does not exist.
    static func isMissingTag(_ error: RegistryError) -> Bool {
        if case .refused(let status, _, let errors) = error {
            return status == 404 || errors.contains { $0.code == "MANIFEST_UNKNOWN" || $0.code == "NAME_UNKNOWN" }
        }
        return false
    }
}
