@testable import BuildPolicy
import ImageReference
import Lock
import Testing

/// verify's rule, one row per case: what the lock pinned against what its tag names now.
@Suite struct DriftFindingTests {
    static let index = try! Digest(parsing: "sha256:" + String(repeating: "1", count: 64))
    static let child = try! Digest(parsing: "sha256:" + String(repeating: "2", count: 64))
    static let otherIndex = try! Digest(parsing: "sha256:" + String(repeating: "3", count: 64))
    static let otherChild = try! Digest(parsing: "sha256:" + String(repeating: "4", count: 64))

    static func container(_ source: LockFile.Source) -> LockFile.Container {
        .init(name: "app", reference: "registry.test/edge/app:1.0", repository: "registry.test/edge/app", tag: "1.0", source: source,
              platform: "linux/amd64", digest: source == .pinned ? index : nil, platformDigest: source == .pinned ? child : nil, note: "why")
    }

    static func now(_ index: Digest, _ child: Digest) -> Resolution {
        .resolved(digest: index, platformDigest: child, mediaType: "application/vnd.oci.image.index.v1+json", size: 1, platforms: nil)
    }

    static let rows: [(LockFile.Source, Resolution?, DriftFinding.Status, String?)] = [
        (.pinned, now(index, child), .ok, nil),
        (.pinned, now(otherIndex, child), .drifted, "the tag now names another index; the linux/amd64 manifest is unchanged"),
        (.pinned, now(otherIndex, otherChild), .drifted, "the tag now names different linux/amd64 content"),
        (.pinned, .failed(reason: "HTTP 503", missingTag: false, unavailable: true), .unchecked, "HTTP 503"),
        (.pinned, nil, .unchecked, "no result"),
        (.unresolvedTag, now(index, child), .unpinned, "kept on its tag at build time; it resolves now: build again to pin it"),
        (.unresolvedTag, .failed(reason: "HTTP 404", missingTag: true, unavailable: false), .unpinned, "HTTP 404"),
        (.build, .failed(reason: "HTTP 404", missingTag: true, unavailable: false), .built, "the pre-built image still does not exist; the image builds it"),
        (.build, now(index, child), .unpinned, "built in the image at build time; the pre-built image exists now: build again to pin it"),
        (.tag, nil, .notPinnedByDesign, "why"),
    ]

    @Test(arguments: rows.indices)
    func theRuleForEachCase(_ row: Int) {
        let (source, answer, status, detail) = Self.rows[row]
        let lock = LockFile(image: .init(name: "edge", version: "2026.11.1"), definitionSHA256: "", containers: [Self.container(source)])
        let findings = DriftFinding.findings(lock, results: answer.map { ["app": $0] } ?? [:])
        #expect(findings.count == 1)
        #expect(findings.first?.status == status, "row \(row)")
        #expect(findings.first?.detail == detail, "row \(row)")
        #expect(findings.first?.status.isProblem == (status == .drifted || status == .unpinned))
    }
}
