import Basics
import Foundation
import ImagesmithCommands
import OCILayout
import Testing
import TestSupport

/// `imagesmith tags`: the fleet's registry digest cache against two real registries, each with
/// its own Basic credentials from one auth file; tags moved with skopeo between passes.
@Suite("The registry digest cache (imagesmith tags)", .serialized)
struct TagCacheTests {
    struct FixedClock: WallClock {
        var seconds: Int64
        func now() -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }
    }

    func push(_ writer: OCILayoutWriter, tag: String, seed: String, to target: String, credentials: String) async throws -> String {
        let written = try writer.write(tag: tag, platforms: [OCILayoutWriter.PlatformSpec("linux/amd64")], seed: seed, forceIndex: true)
        try await ProcessSupport.checkDetached("skopeo", ["copy", "--quiet", "--all", "--preserve-digests", "--dest-tls-verify=false", "--dest-creds", credentials,
                                                         "oci:\(writer.directory.path):\(tag)", "docker://\(target)"])
        return written.digest
    }

    @Test("answers younger than the TTL are not asked again; older ones are, moves are reported and kept; a registry that is down leaves the cached answer; a hostile cache is refused untouched")
    func cacheAndMoves() async throws {
        let storageA = try TemporaryDirectory("tags-a"), storageB = try TemporaryDirectory("tags-b")
        let a = try await RegistryServer.start(storage: storageA.path, auth: .basic(user: "team-a", password: "a-Pa55word"))
        let b = try await RegistryServer.start(storage: storageB.path, auth: .basic(user: "team-b", password: "b-Pa55word"))
        let layouts = try TemporaryDirectory("tags-layouts")
        let writer = OCILayoutWriter(directory: layouts.url.appendingPathComponent("layout"))
        let app1 = try await push(writer, tag: "app1", seed: "app-1", to: "\(a.host)/edge/app:latest", credentials: "team-a:a-Pa55word")
        let tool = try await push(writer, tag: "tool", seed: "tool-1", to: "\(b.host)/edge/tool:stable", credentials: "team-b:b-Pa55word")

        let home = try TemporaryDirectory("tags-home")
        func key(_ user: String, _ password: String) -> String { Data("\(user):\(password)".utf8).base64EncodedString() }
        // Each registry its own credentials: neither would let the other's pull through.
        try home.write("auth.json", """
            {"auths": {"\(a.host)": {"auth": "\(key("team-a", "a-Pa55word"))"}, "\(b.host)": {"auth": "\(key("team-b", "b-Pa55word"))"}}}
            """, mode: 0o600)
        let setup = RegistrySetup(insecureRegistries: [a.host, b.host], jobs: 2, deadline: 30, useCache: false, authFile: home.file("auth.json"))
        let cachePath = home.file("cache/tags.json")
        let references = ["\(a.host)/edge/app:latest", "\(b.host)/edge/tool:stable"]
        let start: Int64 = 1_796_000_000
        func pass(at seconds: Int64, json: Bool = false) async -> (Basics.ExitStatus, String, String) {
            let capture = Capture()
            let output = CommandOutput(writeOut: { capture.appendOut($0) }, writeErr: { capture.appendErr($0) })
            let status = await TagsRunner(references: references, cachePath: cachePath, ttl: 3_600, json: json, registry: setup,
                                          environment: ["HOME": "/nonexistent"], output: output, clock: FixedClock(seconds: seconds)).run()
            let (out, err) = capture.texts
            return (status, out, err)
        }

        var (status, out, err) = await pass(at: start)
        #expect(status == .success, "\(err)")
        #expect(out.contains("\(app1)  new") && out.contains("\(tool)  new") && out.contains("no tag moved"), "\(out)")
        let firstBytes = try Data(contentsOf: URL(fileURLWithPath: cachePath))

        // The tag moves in the registry; within the TTL nobody asks, so nothing is seen.
        let app2 = try await push(writer, tag: "app2", seed: "app-2", to: "\(a.host)/edge/app:latest", credentials: "team-a:a-Pa55word")
        #expect(app2 != app1)
        (status, out, err) = await pass(at: start + 1_800)
        #expect(status == .success && out.contains("\(app1)  cached, asked 1800 s ago"), "\(out)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: cachePath)) == firstBytes, "a pass that asked nothing changed the cache")

        // Past the TTL: asked again; the move is reported, and kept.
        (status, out, err) = await pass(at: start + 3_600, json: true)
        #expect(status == .success, "\(err)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let moved = try #require(report["moved"] as? [[String: Any]])
        #expect(moved.count == 1 && moved.first?["reference"] as? String == references[0])
        #expect(moved.first?["from"] as? String == app1 && moved.first?["to"] as? String == app2)
        let rows = try #require(report["references"] as? [[String: Any]])
        #expect(rows.map { $0["state"] as? String } == ["moved", "unchanged"])
        let kept = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cachePath))) as? [String: Any])
        #expect((kept["moves"] as? [[String: Any]])?.count == 1)

        // Registry A goes away: its answer stays cached, the pass says so and exits 69.
        a.stop()
        (status, out, err) = await pass(at: start + 7_200)
        #expect(status == .unavailable)
        #expect(out.contains("\(app2)  failed, cached answer kept") && out.contains("\(tool)  unchanged"), "\(out)")
        #expect(err.contains(references[0]))
        let afterOutage = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cachePath))) as? [String: Any])
        let entries = try #require(afterOutage["entries"] as? [String: [String: Any]])
        #expect(entries[references[0]]?["digest"] as? String == app2)
        #expect(entries[references[1]]?["checked_at"] as? Int == Int(start + 7_200))
        #expect(!(try String(contentsOfFile: cachePath, encoding: .utf8)).contains("Pa55word"))

        // A cache that is not what we write: refused with where, nothing asked or changed.
        for (text, mention) in [("{\"format\": 2, \"entries\": {}, \"moves\": []}", "/format"),
                                ("{\"format\": 1, \"entries\": {\"nginx@sha256:\(String(repeating: "a", count: 64))\": {\"digest\": \"sha256:\(String(repeating: "a", count: 64))\", \"since\": 1, \"checked_at\": 1}}, \"moves\": []}", "/entries/"),
                                ("not json", "JSON")] {
            try home.write("cache/tags.json", text)
            (status, out, err) = await pass(at: start + 9_000)
            #expect(status == .dataError && err.contains(cachePath) && err.contains(mention), "\(err)")
            #expect(try String(contentsOfFile: cachePath, encoding: .utf8) == text)
        }
    }

    @Test("watching: each pass sleeps until the first answer expires, a tenth of the TTL after a failure")
    func watchWakesWhenAnswersExpire() async throws {
        let storage = try TemporaryDirectory("tags-watch")
        let registry = try await RegistryServer.start(storage: storage.path, auth: .basic(user: "w", password: "w-Pa55word"))
        let layouts = try TemporaryDirectory("tags-watch-layouts")
        _ = try await push(OCILayoutWriter(directory: layouts.url.appendingPathComponent("l")), tag: "x", seed: "watch", to: "\(registry.host)/edge/w:latest", credentials: "w:w-Pa55word")
        let home = try TemporaryDirectory("tags-watch-home")
        try home.write("auth.json", #"{"auths": {"\#(registry.host)": {"auth": "\#(Data("w:w-Pa55word".utf8).base64EncodedString())"}}}"#, mode: 0o600)
        let setup = RegistrySetup(insecureRegistries: [registry.host], jobs: 1, deadline: 30, useCache: false, authFile: home.file("auth.json"))
        let waits = Waits()
        let capture = Capture()
        let output = CommandOutput(writeOut: { capture.appendOut($0) }, writeErr: { capture.appendErr($0) })
        let runner = TagsRunner(references: ["\(registry.host)/edge/w:latest"], cachePath: home.file("tags.json"), ttl: 600, registry: setup,
                                environment: ["HOME": "/nonexistent"], output: output, clock: FixedClock(seconds: 1_796_000_000), sleep: { waits.add($0) })
        #expect(await runner.watch(passes: 2) == .success)
        #expect(waits.all == [600], "\(waits.all)")
        registry.stop()
        var late = runner
        late.clock = FixedClock(seconds: 1_796_000_600)
        #expect(await late.watch(passes: 2) == .unavailable)
        #expect(waits.all == [600, 60], "\(waits.all)")
    }
}

final class Waits: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Int64] = []
    func add(_ seconds: Int64) { lock.lock(); recorded.append(seconds); lock.unlock() }
    var all: [Int64] { lock.lock(); defer { lock.unlock() }; return recorded }
}
