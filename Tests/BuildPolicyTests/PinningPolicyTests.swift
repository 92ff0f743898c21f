import BuildPolicy
import ImageDefinition
import ImageReference
import Lock
import Testing

/// The build's pinning rules as a table, in-process (IntegrationTests run them through the
/// real binary against Debian's docker-registry).
@Suite struct PinningPolicyTests {
    static func definition(_ containers: [String]) throws -> ImageDefinition {
        try ImageDefinition.parse("""
            schema_version: 1
            name: edge-test
            base:
              ubuntu_release: "22.04"
              qemu: {iso_url: "https://example.net/ubuntu.img", iso_checksum: "sha256:\(String(repeating: "c", count: 64))"}
            docker: {docker_ce_version: "5:27.3.1-1~ubuntu.22.04~jammy", nvidia_container_toolkit_version: "1.16.2-1"}
            containers:
            \(containers.map { "  - \($0)" }.joined(separator: "\n"))

            """, file: "image.yaml")
    }

    static let digest = try! Digest(parsing: "sha256:" + String(repeating: "a", count: 64))
    static let child = try! Digest(parsing: "sha256:" + String(repeating: "b", count: 64))
    static let resolved = Resolution.resolved(digest: digest, platformDigest: child, mediaType: "application/vnd.oci.image.index.v1+json", size: 500, platforms: nil)
    static let unreachable = Resolution.failed(reason: "registry.test: connection refused", missingTag: false, unavailable: true)
    static let missing = Resolution.failed(reason: "HTTP 404 MANIFEST_UNKNOWN", missingTag: true, unavailable: false)
    static let denied = Resolution.failed(reason: "HTTP 401 UNAUTHORIZED", missingTag: false, unavailable: false)

    static let plain = "{name: app, image: \"registry.test/edge/app:1.0\", platform: linux/amd64}"
    static let keepTag = "{name: app, image: \"registry.test/edge/app:1.0\", platform: linux/amd64, on_unresolved: keep-tag}"
    static let buildable = "{name: app, image: \"registry.test/edge/app:1.0\", platform: linux/amd64, build: {context: app}}"
    static let unpinned = "{name: app, image: \"registry.test/edge/app:1.0\", platform: linux/amd64, pin: false}"

    /// (container, resolution, --prebuilt-only, --keep-unresolved-tags, expected source or
    /// "refused" / "unavailable")
    static let table: [(String, Resolution?, Bool, Bool, String)] = [
        (plain, resolved, false, false, "pinned"),
        (unpinned, nil, false, false, "tag"),
        (plain, unreachable, false, false, "unavailable"),
        (keepTag, unreachable, false, false, "unresolved-tag"),
        (plain, unreachable, false, true, "unresolved-tag"),
        (keepTag, denied, false, false, "refused"),
        (plain, missing, false, false, "refused"),
        (buildable, missing, false, false, "build"),
        (buildable, missing, true, false, "refused"),
        (buildable, unreachable, false, false, "unavailable"),
        (plain, nil, false, false, "refused"),
    ]

    @Test(arguments: table.indices)
    func theRuleForEachOutcome(_ row: Int) throws {
        let (container, resolution, prebuiltOnly, keepUnresolved, expected) = Self.table[row]
        let policy = PinningPolicy(prebuiltOnly: prebuiltOnly, keepUnresolvedTags: keepUnresolved, timestamp: "2026-12-02T00:00:00Z")
        let outcome = policy.containers(for: try Self.definition([container]), resolutions: resolution.map { ["app": $0] } ?? [:], previous: nil)
        switch outcome {
        case .success(let containers):
            #expect(containers.count == 1)
            #expect(containers[0].source.rawValue == expected, "row \(row)")
            if expected == "pinned" {
                #expect(containers[0].pinnedReference == "registry.test/edge/app@\(Self.child)")
                #expect(containers[0].resolvedAt == "2026-12-02T00:00:00Z")
            } else {
                #expect(containers[0].note?.isEmpty == false, "an unpinned container says why")
                #expect(containers[0].platformDigest == nil)
            }
        case .failure(let refusal):
            #expect(expected == (refusal.allUnavailable ? "unavailable" : "refused"), "row \(row): \(refusal.messages)")
            #expect(refusal.messages.last == "nothing was written")
        }
    }

    @Test func aFailureThatIsNotTheNetworkMakesTheWholeBuildARefusal() throws {
        let definition = try Self.definition([Self.plain, "{name: db, image: \"registry.test/edge/db:1.0\", platform: linux/amd64}"])
        let policy = PinningPolicy(prebuiltOnly: false, keepUnresolvedTags: false, timestamp: "t")
        guard case .failure(let refusal) = policy.containers(for: definition, resolutions: ["app": Self.unreachable, "db": Self.denied], previous: nil) else {
            Issue.record("a lock was made"); return
        }
        #expect(!refusal.allUnavailable)
        #expect(refusal.messages.count == 3)
    }

    @Test(arguments: [(digest, "2026-11-01T00:00:00Z"), (child, "2026-12-02T00:00:00Z")])
    func resolvedAtIsKeptWhileTheTagKeepsItsDigest(previousDigest: Digest, expected: String) throws {
        let definition = try Self.definition([Self.plain])
        var old = LockFile.Container(name: "app", reference: "registry.test/edge/app:1.0", repository: "registry.test/edge/app", tag: "1.0",
                                     source: .pinned, platform: "linux/amd64", digest: previousDigest, platformDigest: Self.child,
                                     resolvedAt: "2026-11-01T00:00:00Z")
        old.size = 500
        let previous = LockFile(image: .init(name: "edge-test", version: "2026.11.1"), definitionSHA256: "", containers: [old])
        let policy = PinningPolicy(prebuiltOnly: false, keepUnresolvedTags: false, timestamp: "2026-12-02T00:00:00Z")
        let containers = try policy.containers(for: definition, resolutions: ["app": Self.resolved], previous: previous).get()
        #expect(containers[0].resolvedAt == expected)
    }

    @Test func anOfflineLockMustFitTheDefinition() throws {
        let definition = try Self.definition([Self.plain, "{name: db, image: \"registry.test/edge/db:2\", platform: linux/arm64}"])
        let lock = LockFile(image: .init(name: "other", version: "2026.11.1"), definitionSHA256: "", containers: [
            .init(name: "app", reference: "registry.test/edge/app:9.9", repository: "registry.test/edge/app", tag: "9.9", source: .pinned, platform: "linux/amd64"),
            .init(name: "extra", reference: "x:1", repository: "docker.io/library/x", tag: "1", source: .tag, platform: "linux/amd64"),
        ])
        let problems = LockCheck.problems(lock, against: definition, path: "l.json")
        #expect(problems == [
            "l.json /image/name: the lock is of image 'other', not 'edge-test'",
            "l.json /definition_sha256: '' is not a sha256 (64 lowercase hex digits)",
            "l.json /containers/0/reference: container 'app' is locked as registry.test/edge/app:9.9 but the definition says registry.test/edge/app:1.0",
            "l.json /containers/0/tag: container 'app' is locked with tag '9.9' but the definition names '1.0'",
            "l.json /containers/0/platform_digest: container 'app' is marked pinned but has no platform_digest",
            "l.json /containers: there is no entry for container 'db'",
            "l.json /containers/1/name: container 'extra' is not in the definition",
        ])
        let fitting = LockFile(image: .init(name: "edge-test", version: "2026.11.1"), definitionSHA256: String(repeating: "d", count: 64), containers: [
            .init(name: "app", reference: "registry.test/edge/app:1.0", repository: "registry.test/edge/app", tag: "1.0", source: .pinned,
                  platform: "linux/amd64", digest: Self.digest, platformDigest: Self.child),
            .init(name: "db", reference: "registry.test/edge/db:2", repository: "registry.test/edge/db", tag: "2", source: .pinned,
                  platform: "linux/arm64", digest: Self.digest, platformDigest: Self.child),
        ])
        #expect(LockCheck.problems(fitting, against: definition, path: "l.json").isEmpty)
    }
}
