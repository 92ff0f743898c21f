import ImageReference
import ManifestCache
import Testing

@Suite("The tag digest cache's rules")
struct TagDigestCacheTests {
    func reference(_ text: String) throws -> Reference { try Reference(parsing: text) }
    func digest(_ fill: Character) throws -> Digest { try Digest(parsing: "sha256:" + String(repeating: fill, count: 64)) }

    @Test("due: never asked, or asked a TTL ago (or in the future, a clock that went back); pinned references never")
    func due() throws {
        var cache = TagDigestCache()
        let app = try reference("registry.example/edge/app:latest"), pinned = try reference("registry.example/edge/app@sha256:" + String(repeating: "c", count: 64))
        #expect(cache.due([app, pinned], now: 100, ttl: 60) == [app])
        cache.record(app, digest: try digest("a"), at: 100)
        #expect(cache.due([app], now: 159, ttl: 60).isEmpty)
        #expect(cache.due([app], now: 160, ttl: 60) == [app])
        #expect(cache.due([app], now: 50, ttl: 60) == [app])
        #expect(cache.nextDue([app, pinned], ttl: 60) == 160)
        #expect(cache.record(pinned, digest: try digest("c"), at: 100) == nil)
        #expect(cache.entries.count == 1)
    }

    @Test("a move is reported once, kept in order, and the oldest fall off past the limit; the same cache gives the same bytes")
    func moves() throws {
        var cache = TagDigestCache()
        let app = try reference("registry.example/edge/app:latest")
        cache.record(app, digest: try digest("a"), at: 1)
        #expect(cache.record(app, digest: try digest("a"), at: 2) == nil)
        #expect(cache.entry(app)?.checkedAt == 2 && cache.entry(app)?.since == 1)
        let a = try digest("a"), b = try digest("b")
        let recorded = cache.record(app, digest: b, at: 3)
        let move = try #require(recorded)
        #expect(move.from == a && move.to == b && move.at == 3)
        #expect(cache.entry(app)?.since == 3)
        for step in 0..<TagDigestCache.movesKept + 10 {
            cache.record(app, digest: try digest(step % 2 == 0 ? "a" : "b"), at: Int64(10 + step))
        }
        #expect(cache.moves.count == TagDigestCache.movesKept)
        #expect(cache.moves.last?.at == Int64(10 + TagDigestCache.movesKept + 9))
        let bytes = cache.encoded()
        #expect(try TagDigestCache.decode(bytes) == cache)
        #expect(try TagDigestCache.decode(bytes).encoded() == bytes)
    }

    @Test("a cache read back is checked: references in normal form that float, times in order", arguments: [
        (#"{"format": 1, "entries": {"nginx:latest": {"digest": "sha256:\#(String(repeating: "a", count: 64))", "since": 1, "checked_at": 1}}, "moves": []}"#, "/entries/nginx:latest is not a floating image reference in its normal form"),
        (#"{"format": 1, "entries": {"registry.example/edge/app:latest": {"digest": "sha256:\#(String(repeating: "a", count: 64))", "since": 5, "checked_at": 1}}, "moves": []}"#, "/since"),
        (#"{"format": 1, "entries": {"registry.example/edge/app:latest": {"digest": "md5:abc", "since": 1, "checked_at": 1}}, "moves": []}"#, "digest"),
        (#"{"format": 1, "entries": {}}"#, "moves"),
        // Read strictly, as every file the tools read back: an unknown field, a key twice, the
        // same reference listed twice, a number out of range, each at its JSON Pointer.
        (#"{"format": 1, "entries": {}, "moves": [], "owner": "x"}"#, "/owner (line 1:43) unknown key 'owner'"),
        (#"{"format": 1, "format": 1, "entries": {}, "moves": []}"#, "/format (line 1:15) not valid JSON: duplicate key 'format'"),
        (#"{"format": 1, "entries": {"registry.example/edge/app:latest": {"digest": "sha256:\#(String(repeating: "a", count: 64))", "since": 1, "checked_at": 1}, "registry.example/edge/app:latest": {"digest": "sha256:\#(String(repeating: "b", count: 64))", "since": 1, "checked_at": 1}}, "moves": []}"#, "/entries/registry.example~1edge~1app:latest"),
        (#"{"format": 1, "entries": {"registry.example/edge/app:latest": {"digest": "sha256:\#(String(repeating: "a", count: 64))", "since": 1e400, "checked_at": 1}}, "moves": []}"#, "/entries/registry.example~1edge~1app:latest/since"),
        (#"{"format": 1, "entries": {"registry.example/edge/app:latest": {"digest": "sha256:\#(String(repeating: "a", count: 64))", "since": 1, "checked_at": 1, "tag": "x"}}, "moves": []}"#, "/entries/registry.example~1edge~1app:latest/tag (line 1:178) unknown key 'tag'"),
    ])
    func hostile(text: String, mention: String) {
        #expect {
            _ = try TagDigestCache.decode(Array(text.utf8))
        } throws: { error in
            "\(error)".contains(mention)
        }
    }
}
