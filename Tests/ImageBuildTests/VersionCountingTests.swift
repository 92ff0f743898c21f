import Basics
import Foundation
import HostIO
@testable import ImageBuild
import Lock
import Testing
import TestSupport

/// Versions never collide: the next version comes from what was released before (a lock or
/// bundle given with --previous, a lock already in --out), never from an empty workspace.
/// Each build here runs in a fresh "CI workspace" (a new output directory) on one disk.
@Suite struct VersionCountingTests {
    typealias World = BuildEngineTests

    static func build(_ files: InMemoryFileSystem, out: String, previous: [String] = [], firstRelease: Bool = false,
                      now: Date = World.november, notes: World.Notes = World.Notes()) async throws(BuildError) -> BuildOutcome {
        var request = World.request(previous: previous, firstRelease: firstRelease)
        request.outDirectory = out
        request.now = now
        return try await (try? World.engine(files, request, notes: notes))!.build()
    }

    @Test func twoCIRebuildsInOneMonthGetTwoVersions() async throws {
        let files = try World.world()
        // Build 1: the image's first release, in workspace A; CI publishes its bundle.
        let first = try await Self.build(files, out: "/ci/a", firstRelease: true)
        #expect(first.lock.image.version == "2026.11.1")
        // Build 2 in a fresh workspace B, given the published bundle: .2, not .1 again.
        let second = try await Self.build(files, out: "/ci/b", previous: ["/ci/a/edge-test-2026.11.1.tar.gz"])
        #expect(second.lock.image.version == "2026.11.2")
        // Build 3 in workspace C, given both (a bundle and a lock): counts on from the highest.
        let third = try await Self.build(files, out: "/ci/c", previous: ["/ci/a/edge-test-2026.11.1.tar.gz", "/ci/b/edge-test.lock.json"])
        #expect(third.lock.image.version == "2026.11.3")
        // The next month starts again at 1.
        let december = try await Self.build(files, out: "/ci/d", previous: ["/ci/c/edge-test.lock.json"], now: World.november.addingTimeInterval(31 * 86_400))
        #expect(december.lock.image.version == "2026.12.1")
    }

    @Test func aBuildThatKnowsNothingReleasedBeforeIsRefusedAndWritesNothing() async throws {
        let files = try World.world()
        let before = files.tree
        do {
            _ = try await Self.build(files, out: "/ci/a")
            Issue.record("expected a refusal")
        } catch {
            #expect(error.exitStatus == .usage)
            #expect(error.description.contains("--previous") && error.description.contains("--first-release"), "\(error)")
        }
        #expect(files.tree == before)
    }

    @Test func aClockBehindThePreviousReleaseNeverGoesBackwards() async throws {
        let files = try World.world()
        _ = try await Self.build(files, out: "/ci/a", firstRelease: true, now: World.november.addingTimeInterval(31 * 86_400))
        let notes = World.Notes()
        let behind = try await Self.build(files, out: "/ci/b", previous: ["/ci/a/edge-test.lock.json"], notes: notes)
        #expect(behind.lock.image.version == "2026.12.2")
        #expect(notes.all.contains { $0.contains("later month than the build's clock") })
    }

    @Test(arguments: [
        ("/other.lock.json", "is of image 'other-image', not edge-test"),
        ("/bad-version.lock.json", "has version '2026.1.1'"),
        ("/junk.bin", "is neither a lock nor a bundle"),
        ("/not-a-bundle.tar.gz", "is not a release bundle"),
        ("/missing.lock.json", "cannot read the previous release /missing.lock.json"),
    ])
    func aPreviousReleaseThatIsNotOneIsRefused(path: String, message: String) async throws {
        let files = try World.world()
        _ = try await Self.build(files, out: "/ci/a", firstRelease: true)
        let lock = try #require(files.text("/ci/a/edge-test.lock.json"))
        try files.write(Array(lock.replacing("\"name\" : \"edge-test\"", with: "\"name\" : \"other-image\"").utf8), to: "/other.lock.json", mode: 0o644)
        try files.write(Array(lock.replacing("\"version\" : \"2026.11.1\"", with: "\"version\" : \"2026.1.1\"").utf8), to: "/bad-version.lock.json", mode: 0o644)
        try files.write([0x00, 0x01, 0x02], to: "/junk.bin", mode: 0o644)
        try files.write([0x1f, 0x8b, 0x08, 0x00, 0x00], to: "/not-a-bundle.tar.gz", mode: 0o644)
        let before = files.tree
        do {
            _ = try await Self.build(files, out: "/ci/b", previous: [path])
            Issue.record("expected a refusal")
        } catch {
            #expect(error.description.contains(message), "\(error)")
        }
        #expect(files.tree == before)
    }
}
