import Basics
import Foundation
import Testing
@testable import Trust

@Suite struct RevocationListTests {
    let now = Date(timeIntervalSince1970: 1_796_000_000)
    func digest(_ n: Int) -> String { String(repeating: String(format: "%02x", n), count: 32) }

    @Test func aRevokedBaseReachesEveryReleaseBuiltOnItThroughOtherReleases() throws {
        // base (1) <- OS image of release A (2) <- release B names A's OS image as its parent.
        let a = ReleaseStatement(image: "edge", version: "2026.11.1", releaseCounter: 1, issuedAt: now, expires: now.addingTimeInterval(9e6),
                                 hardware: ["linux/amd64"], files: ["x": digest(9)], osImage: .init(version: "2026.11.1", sha256: digest(2)),
                                 parents: [.init(name: "base", sha256: digest(1))])
        let b = ReleaseStatement(image: "edge", version: "2026.12.1", releaseCounter: 2, issuedAt: now, expires: now.addingTimeInterval(9e6),
                                 hardware: ["linux/amd64"], files: ["x": digest(9)], osImage: nil, parents: [.init(name: "A's OS", sha256: digest(2))])
        let list = RevocationList(version: 1, issuedAt: now, entries: [.init(sha256: digest(1), effective: now, reason: "base compromised")])
        #expect(list.reason(for: a, digest: digest(5), now: now)?.contains("base compromised") == true)
        #expect(list.reason(for: b, digest: digest(6), now: now, others: [(a, digest(5))])?.contains("base compromised") == true)
        // Revoking A's OS image revokes B, built on it; revoking release A alone (its containers,
        // say) does not revoke the OS image it brought, so B stands.
        let byOS = RevocationList(version: 1, issuedAt: now, entries: [.init(sha256: digest(2), effective: now, reason: "OS pulled")])
        #expect(byOS.reason(for: b, digest: digest(6), now: now, others: [(a, digest(5))])?.contains("OS pulled") == true)
        let byRelease = RevocationList(version: 1, issuedAt: now, entries: [.init(sha256: digest(5), effective: now, reason: "A pulled")])
        #expect(byRelease.reason(for: a, digest: digest(5), now: now)?.contains("A pulled") == true)
        #expect(byRelease.reason(for: b, digest: digest(6), now: now, others: [(a, digest(5))]) == nil)
        // Not effective yet: nothing.
        let later = RevocationList(version: 1, issuedAt: now, entries: [.init(sha256: digest(1), effective: now.addingTimeInterval(60), reason: "later")])
        #expect(later.reason(for: b, digest: digest(6), now: now, others: [(a, digest(5))]) == nil)
    }

    @Test(arguments: [
        (#"{"_type":"edge-imagesmith/revocations","version":1,"issued_at":"2026-12-01T00:00:00Z","entries":[{"release_counter":3,"effective":"2026-12-01T00:00:00Z","reason":"x"}]}"#, "either an image's release_counter (with image) or a sha256"),
        (#"{"_type":"edge-imagesmith/revocations","version":1,"issued_at":"2026-12-01T00:00:00Z","entries":[{"image":"edge","release_counter":3,"sha256":"\#(String(repeating: "a", count: 64))","effective":"2026-12-01T00:00:00Z","reason":"x"}]}"#, "either"),
        (#"{"_type":"edge-imagesmith/revocations","version":0,"issued_at":"2026-12-01T00:00:00Z","entries":[]}"#, "/version: versions start at 1"),
        (#"{"_type":"edge-imagesmith/revocations","version":1,"issued_at":"2026-12-01T00:00:00Z","entries":[{"sha256":"\#(String(repeating: "A", count: 64))","effective":"2026-12-01T00:00:00Z","reason":"x"}]}"#, "/entries/0/sha256"),
        (#"{"_type":"edge-imagesmith/revocations","version":1,"issued_at":"2026-12-01T00:00:00Z","entries":[{"sha256":"\#(String(repeating: "a", count: 64))","effective":"2026-12-01T00:00:00Z","reason":"a\u001b[31m"}]}"#, "/entries/0/reason: control characters"),
        (#"{"_type":"edge-imagesmith/revocations","version":1,"issued_at":"2026-12-01","entries":[]}"#, "/issued_at"),
    ])
    func malformedListsAreRefused(payload: String, expected: String) {
        #expect(throws: TrustError.self) { try RevocationList.parse(Array(payload.utf8), document: "revocations.json") }
        do { _ = try RevocationList.parse(Array(payload.utf8), document: "revocations.json") } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }
}
