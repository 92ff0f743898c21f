import BuildPolicy
import ImageReference

/// How the build asks what tags name now: the registry client behind it in the tool, a
/// scripted table in a test. Throws when the registry cannot be asked at all (a bad
/// credential helper, a bad configuration), before any container is decided.
package protocol ContainerResolving: Sendable {
    func resolve(_ references: [Reference], platform: Platform) async throws(BuildError) -> [Reference: Resolution]
}
