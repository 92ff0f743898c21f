import Foundation
import Testing
import TestSupport

/// The local content-addressed manifest cache: tags are always asked for, content already
/// seen is re-hashed from disk instead of fetched, and damaged entries cost a fetch, not a pin.
@Suite struct CacheTests {
    @Test func warmCacheNeedsOnlyAHeadPerTag() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let proxy = try await FaultProxy.start(upstream: registry, mode: "pass")
        let cache = try TemporaryDirectory("cache")
        let references = [seed.single, seed.multi, seed.nested].map { "\(proxy.host)/\($0.repository):v1" }
        let cold = await resolve(references, platform: "linux/amd64", insecure: [proxy.host], cacheDirectory: cache.path)
        #expect(cold.code == 0, "\(cold.stderr)")
        let coldCount = proxy.requests().count
        let warm = await resolve(references, platform: "linux/amd64", insecure: [proxy.host], cacheDirectory: cache.path)
        #expect(warm.code == 0, "\(warm.stderr)")
        #expect(warm.stdout == cold.stdout)
        let warmRequests = Array(proxy.requests().dropFirst(coldCount))
        #expect(warmRequests.count == 3)
        #expect(warmRequests.allSatisfy { $0["method"] as? String == "HEAD" })
    }

    /// One run asks for each verified digest once: the tag's manifest asked for again by its
    /// digest, and the image config both need, come from what the run already verified.
    @Test func aDigestVerifiedInThisRunIsNotFetchedAgain() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let proxy = try await FaultProxy.start(upstream: registry, mode: "pass")
        let byTag = "\(proxy.host)/\(seed.single.repository):v1"
        let byDigest = "\(proxy.host)/\(seed.single.repository)@\(seed.single.digest)"
        // One at a time, so the second reference starts after the first was verified.
        let run = await resolve([byTag, byDigest], platform: "linux/amd64", json: true, insecure: [proxy.host], jobs: 1)
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.json.map { $0["digest"] as? String } == [seed.single.digest, seed.single.digest])
        let paths = proxy.requests().compactMap { $0["path"] as? String }
        #expect(paths.filter { $0.contains("/manifests/") }.count == 1, "\(paths)")
        #expect(paths.filter { $0.contains("/blobs/") }.count == 1, "the config is fetched once: \(paths)")
    }

    @Test func pinnedDigestAlreadySeenNeedsNoNetwork() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let proxy = try await FaultProxy.start(upstream: registry, mode: "pass")
        let cache = try TemporaryDirectory("cache-digest")
        let reference = "\(proxy.host)/\(seed.multi.repository)@\(seed.multi.digest)"
        #expect(await resolve([reference], insecure: [proxy.host], cacheDirectory: cache.path).code == 0)
        let before = proxy.requests().count
        let again = await resolve([reference], json: true, insecure: [proxy.host], cacheDirectory: cache.path)
        #expect(again.code == 0, "\(again.stderr)")
        #expect(again.json.first?["digest"] as? String == seed.multi.digest)
        #expect(proxy.requests().count == before)
    }

    @Test func damagedEntryIsDetectedRefetchedAndRepaired() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let cache = try TemporaryDirectory("cache-damaged")
        let reference = "\(registry.host)/\(seed.single.repository):v1"
        #expect(await resolve([reference], insecure: [registry.host], cacheDirectory: cache.path).code == 0)
        let entry = cache.file("sha256/\(seed.single.digest.dropFirst(7))")
        let original = try Data(contentsOf: URL(fileURLWithPath: entry))
        var damaged = original
        damaged[damaged.count - 2] ^= 0x20
        try damaged.write(to: URL(fileURLWithPath: entry))
        let run = await resolve([reference], insecure: [registry.host], cacheDirectory: cache.path)
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.stdout.hasSuffix("@\(seed.single.digest)\n"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: entry)) == original)
    }

    @Test func cacheFilesAreNotWorldReadable() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let cache = try TemporaryDirectory("cache-mode")
        #expect(await resolve(["\(registry.host)/\(seed.single.repository):v1"], insecure: [registry.host], cacheDirectory: cache.path).code == 0)
        let entry = cache.file("sha256/\(seed.single.digest.dropFirst(7))")
        #expect(try FileManager.default.attributesOfItem(atPath: entry)[.posixPermissions] as? Int == 0o600)
    }
}
