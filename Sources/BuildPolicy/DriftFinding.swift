import Lock

/// What `imagesmith verify` found for one container of a lock: the rule that compares what
/// the lock pinned with what its tag names now. Pure: the registry's answers come in as
/// `Resolution`s.
package struct DriftFinding: Sendable, Equatable, Encodable {
    /// Its JSON spelling is the raw value.
    package enum Status: String, Sendable, Encodable {
        case ok, drifted, unpinned, unchecked, built
        case notPinnedByDesign = "not-pinned-by-design"

        /// Whether the image no longer matches what its tags name (verify fails).
        package var isProblem: Bool { self == .drifted || self == .unpinned }
    }

    package var name: String
    package var status: Status
    package var reference: String
    package var lockedDigest: String?
    package var currentDigest: String?
    package var lockedPlatformDigest: String?
    package var currentPlatformDigest: String?
    package var detail: String?

    enum CodingKeys: String, CodingKey {
        case name, status, reference, detail
        case lockedDigest = "locked_digest", currentDigest = "current_digest"
        case lockedPlatformDigest = "locked_platform_digest", currentPlatformDigest = "current_platform_digest"
    }

    /// One finding per container, in the lock's order. `results` holds an answer for every
    /// container that names a registry tag (all but `.tag` ones); a missing answer is
    /// `unchecked`.
    package static func findings(_ lock: LockFile, results: [String: Resolution]) -> [DriftFinding] {
        lock.containers.map { container in
            var finding = DriftFinding(name: container.name, status: .ok, reference: container.reference,
                                       lockedDigest: container.digest?.description, lockedPlatformDigest: container.platformDigest?.description)
            switch (container.source, results[container.name]) {
            case (.tag, _):
                finding.status = .notPinnedByDesign
                finding.detail = container.note
            case (_, .failed(let reason, let missingTag, _)?):
                finding.status = container.source == .pinned ? .unchecked : .unpinned
                finding.detail = reason
                if container.source == .build, missingTag {
                    finding.status = .built
                    finding.detail = "the pre-built image still does not exist; the image builds it"
                }
            case (.pinned, .resolved(let digest, let platformDigest, _, _, _)?):
                finding.currentDigest = digest.description
                finding.currentPlatformDigest = platformDigest?.description
                if digest != container.digest || platformDigest != container.platformDigest {
                    finding.status = .drifted
                    finding.detail = platformDigest == container.platformDigest
                        ? "the tag now names another index; the \(container.platform) manifest is unchanged"
                        : "the tag now names different \(container.platform) content"
                }
            case (.unresolvedTag, .resolved(let digest, let platformDigest, _, _, _)?):
                finding.status = .unpinned
                finding.currentDigest = digest.description
                finding.currentPlatformDigest = platformDigest?.description
                finding.detail = "kept on its tag at build time; it resolves now: build again to pin it"
            case (.build, .resolved(let digest, let platformDigest, _, _, _)?):
                finding.status = .unpinned
                finding.currentDigest = digest.description
                finding.currentPlatformDigest = platformDigest?.description
                finding.detail = "built in the image at build time; the pre-built image exists now: build again to pin it"
            case (_, nil):
                finding.status = .unchecked
                finding.detail = "no result"
            }
            return finding
        }
    }
}
