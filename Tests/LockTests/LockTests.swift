import Foundation
import ImageReference
import Testing
@testable import Lock

@Suite struct ImageVersionTests {
    @Test(arguments: [
        (2026, 11, nil, "2026.11.1"),
        (2026, 11, "2026.11.1", "2026.11.2"),
        (2026, 11, "2026.11.9", "2026.11.10"),
        (2026, 12, "2026.11.4", "2026.12.1"),
        (2027, 1, "2026.12.3", "2027.01.1"),
    ] as [(Int, Int, String?, String)])
    func nextVersion(year: Int, month: Int, previous: String?, expected: String) {
        #expect(ImageVersion.next(year: year, month: month, after: previous.flatMap(ImageVersion.init(parsing:))).description == expected)
    }

    @Test(arguments: ["2026.11", "2026.13.1", "26.11.1", "2026.11.0", "2026.11.01", "2026.1.1", "latest", "2026.11.x",
                      "2026.+1.1", "+202.11.1", "2026.11.+1", "2026.11.-1", "２０２６.11.1", "2026.11.1\n", " 2026.11.1", "2026.11.1/..",
                      "../2026.11.1", "2026.11.1.1", "2026.11.9999999", "", "2026..1"])
    func rejects(text: String) {
        #expect(ImageVersion(parsing: text) == nil)
    }

    @Test(arguments: ["2026.11.1", "2026.01.10", "1999.12.999999"])
    func acceptsOnlyTheCanonicalSpellingAndRoundTrips(text: String) throws {
        #expect(try #require(ImageVersion(parsing: text)).description == text)
    }
}

@Suite struct LockFileTests {
    static func digest(_ c: Character) -> Digest { try! Digest(parsing: "sha256:" + String(repeating: c, count: 64)) }

    static func container(_ name: String, digest: Character = "a", child: Character = "b", platforms: [String] = ["linux/amd64"]) -> LockFile.Container {
        LockFile.Container(name: name, reference: "ghcr.io/acme/\(name):1", repository: "ghcr.io/acme/\(name)", tag: "1", source: .pinned,
                           platform: "linux/amd64", digest: Self.digest(digest), platformDigest: Self.digest(child),
                           mediaType: "application/vnd.oci.image.index.v1+json", size: 100,
                           platforms: platforms.map { .init(platform: $0, digest: Self.digest(child)) }, resolvedAt: "2026-11-01T00:00:00Z")
    }

    @Test func encodingIsCanonicalAndRoundTrips() throws {
        let lock = LockFile(image: .init(name: "x", version: "2026.11.1"), definitionSHA256: String(repeating: "f", count: 64),
                            containers: [Self.container("b"), Self.container("a")])
        let bytes = lock.encoded()
        #expect(bytes == lock.encoded())
        #expect(bytes.last == 0x0a)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#""platform_digest" : "sha256:bbbb"#))
        #expect(text.contains(#""schema_version" : 1"#))
        #expect(!text.contains("\\/"))
        #expect(try LockFile.decode(bytes, path: "x.lock.json") == lock)
    }

    @Test func badLocksNameTheProblem() {
        #expect(throws: LockError.unsupportedSchema(path: "l.json", version: 9)) {
            try LockFile.decode(Array(#"{"schema_version": 9}"#.utf8), path: "l.json")
        }
        do {
            _ = try LockFile.decode(Array(#"{"schema_version": 1, "image": {"name": "x", "version": "1"}, "definition_sha256": "d", "containers": [{"name": "a"}]}"#.utf8), path: "l.json")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("l.json is not a valid lock file: missing /containers/0/"))
        }
        #expect(throws: LockError.self) {
            try LockFile.decode(Array(#"{"schema_version": 1, "image": {"name": "x", "version": "1"}, "definition_sha256": "d", "containers": [{"name": "a", "reference": "r", "repository": "r", "source": "pinned", "platform": "p", "digest": "sha256:nothex"}]}"#.utf8), path: "l.json")
        }
    }
}

@Suite struct LockDiffTests {
    typealias C = LockFileTests

    func lock(_ version: String, _ containers: [LockFile.Container]) -> LockFile {
        LockFile(image: .init(name: "x", version: version), definitionSHA256: "d", containers: containers)
    }

    @Test func addedRemovedAndRepinned() {
        let old = lock("2026.10.1", [C.container("gone"), C.container("same"), C.container("moved", digest: "a", child: "b"), C.container("indexonly", digest: "a", child: "b")])
        let new = lock("2026.11.1", [C.container("same"), C.container("moved", digest: "c", child: "d"),
                                     C.container("indexonly", digest: "e", child: "b", platforms: ["linux/amd64", "linux/arm64"]), C.container("new")])
        let diff = LockDiff(old: old, new: new)
        #expect(diff.changes.map(\.name) == ["gone", "indexonly", "moved", "new"])
        guard case .repinned(_, _, _, _, _, _, let indexChanged, let added, _) = diff.changes[1],
              case .repinned(_, _, _, _, _, _, let contentChanged, _, _) = diff.changes[2] else {
            Issue.record("expected re-pins")
            return
        }
        #expect(indexChanged == false)
        #expect(added == ["linux/arm64"])
        #expect(contentChanged == true)
        let text = diff.humanReadable()
        #expect(text.contains("- gone: removed"))
        #expect(text.contains("+ new: added"))
        #expect(text.contains("~ indexonly: re-pinned ghcr.io/acme/indexonly:1 sha256:aaaaaaaaaaaa -> sha256:eeeeeeeeeeee; the pulled platform's content is unchanged (only the index changed); platforms added: linux/arm64"))
        #expect(text.contains("~ moved: re-pinned ghcr.io/acme/moved:1 sha256:aaaaaaaaaaaa -> sha256:cccccccccccc; the pulled platform's content changed"))
    }

    @Test func identicalLocksHaveNoChanges() {
        let a = lock("2026.11.1", [C.container("a")])
        #expect(LockDiff(old: a, new: a).isEmpty)
        #expect(LockDiff(old: a, new: a).humanReadable() == "no changes between 2026.11.1 and 2026.11.1\n")
    }

    @Test func jsonIsStable() throws {
        let diff = LockDiff(old: lock("1", [C.container("a")]), new: lock("2", [C.container("a", digest: "c", child: "d")]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(diff), as: UTF8.self)
        #expect(text.contains(#""kind":"repinned""#))
        #expect(text.contains(#""platform_content_changed":true"#))
        #expect(text.contains(#""from_version":"1""#))
    }
}
