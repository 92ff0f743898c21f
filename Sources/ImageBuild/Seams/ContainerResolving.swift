import BuildPolicy
import ImageReference

/// How the build asks what tags name now: the registry client behind it in the tool, a
/// scripted table in a test. Throws when the registry cannot be asked at all (a bad
/// credential helper, a bad configuration), before any container is decided.
package protocol ContainerResolving: Sendable {
    func resolve(_ references: [Reference], platform: Platform) async throws(BuildError) -> [Reference: Resolution]
    /// The cosign signatures stored for `digest` in `reference`'s repository (payload and
    /// base64 signature of each); nil when none are stored.
    func cosignSignatures(_ reference: Reference, digest: Digest) async throws(BuildError) -> [(payload: [UInt8], signature: String)]?
}

extension ContainerResolving {
    /// Resolves named containers, each for its own platform (one batch per platform);
    /// a container the resolver gave no answer for is missing from the result.
    package func resolve(named containers: [(name: String, reference: Reference, platform: Platform)]) async throws(BuildError) -> [String: Resolution] {
        var resolutions: [String: Resolution] = [:]
        for platform in Set(containers.map(\.platform)).sorted() {
            let group = containers.filter { $0.platform == platform }
            let resolved = try await resolve(group.map(\.reference), platform: platform)
            for container in group { resolutions[container.name] = resolved[container.reference] }
        }
        return resolutions
    }
}
