import ImageDefinition
import Lock

/// The build's pinning rules, pure: given the definition, what each tag resolved to and the
/// previous lock, the lock's containers, or why nothing may be written. Fail closed; keep a
/// tag only where the definition (or --keep-unresolved-tags) allows and only when the registry
/// could not be asked; build in the image when the pre-built tag is missing and the definition
/// says how (unless --prebuilt-only); keep `resolved_at` while a tag keeps its digest.
package struct PinningPolicy: Sendable {
    package var prebuiltOnly: Bool
    package var keepUnresolvedTags: Bool
    /// When this build resolved (RFC 3339): the `resolved_at` of newly seen digests.
    package var timestamp: String

    package init(prebuiltOnly: Bool, keepUnresolvedTags: Bool, timestamp: String) {
        self.prebuiltOnly = prebuiltOnly
        self.keepUnresolvedTags = keepUnresolvedTags
        self.timestamp = timestamp
    }

    /// Why the lock cannot be made. `allUnavailable`: every failure was the registry not
    /// answering (exit 69), else a refusal (exit 1).
    package struct Refusal: Error, Sendable, Equatable {
        package var messages: [String]
        package var allUnavailable: Bool
    }

    package func containers(for definition: ImageDefinition, resolutions: [String: Resolution],
                            previous: LockFile?) -> Result<[LockFile.Container], Refusal> {
        let previousByName = Dictionary((previous?.containers ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var containers: [LockFile.Container] = []
        var failures: [(message: String, unavailable: Bool)] = []
        for container in definition.containers {
            var entry = LockFile.Container(name: container.name, reference: container.image, repository: container.reference.name,
                                           tag: container.reference.tag?.value, source: .tag, platform: container.platform.description)
            guard container.pin else {
                entry.note = "pin: false in the definition; this stateful service stays on its tag"
                containers.append(entry)
                continue
            }
            switch resolutions[container.name] {
            case .resolved(let digest, let platformDigest, let mediaType, let size, let platforms)?:
                entry.source = .pinned
                entry.digest = digest
                entry.platformDigest = platformDigest
                entry.mediaType = mediaType
                entry.size = size
                entry.platforms = platforms
                // The first time this tag resolved to this digest.
                if let old = previousByName[container.name], old.reference == entry.reference, old.digest == digest,
                   old.platformDigest == platformDigest, let when = old.resolvedAt {
                    entry.resolvedAt = when
                } else {
                    entry.resolvedAt = timestamp
                }
            case .failed(let reason, let missingTag, let unavailable)?:
                if missingTag, let build = container.build {
                    if prebuiltOnly {
                        failures.append(("container '\(container.name)': the pre-built image \(container.image) does not exist and --prebuilt-only forbids building it (\(reason))", false))
                        continue
                    }
                    entry.source = .build
                    entry.buildContext = build.context
                    entry.dockerfile = build.dockerfile
                    entry.note = "the pre-built image does not exist in the registry; the image build builds it from \(build.context)"
                } else if unavailable && (container.onUnresolved == .keepTag || keepUnresolvedTags) {
                    entry.source = .unresolvedTag
                    entry.note = "the tag could not be resolved (\(reason)); kept on its tag by on_unresolved: keep-tag"
                } else {
                    failures.append(("cannot pin container '\(container.name)' (\(container.image)): \(reason)", unavailable))
                    continue
                }
            case nil:
                failures.append(("cannot pin container '\(container.name)' (\(container.image)): no result", false))
                continue
            }
            containers.append(entry)
        }
        guard failures.isEmpty else {
            return .failure(Refusal(messages: failures.map(\.message) + ["nothing was written"], allUnavailable: failures.allSatisfy(\.unavailable)))
        }
        return .success(containers)
    }
}
