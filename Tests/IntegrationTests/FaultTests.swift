import Foundation
import Testing
import TestSupport

/// Faults injected by the loopback proxy in front of the real registry.
@Suite struct FaultTests {
    func setUp(_ mode: String, _ extra: [String] = []) async throws -> (SeededImages, RegistryServer, FaultProxy) {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let proxy = try await FaultProxy.start(upstream: registry, mode: mode, extra: extra)
        return (seed, registry, proxy)
    }

    @Test func missingDigestHeaderMeansGetAndHashTheBody() async throws {
        let (seed, _, proxy) = try await setUp("strip-digest")
        let run = await resolve(["\(proxy.host)/\(seed.multi.repository):v1"], insecure: [proxy.host])
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.stdout.hasSuffix("@\(seed.multi.digest)\n"))
        #expect(proxy.requests().contains { $0["method"] as? String == "GET" })
    }

    @Test func lyingDigestHeaderIsRefused() async throws {
        let (seed, _, proxy) = try await setUp("lie-digest")
        let run = await resolve(["\(proxy.host)/\(seed.multi.repository):v1"], insecure: [proxy.host])
        #expect(run.code == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("hashes to \(seed.multi.digest) but the registry claimed sha256:"))
    }

    @Test func tamperedBodyIsRefused() async throws {
        let (seed, _, proxy) = try await setUp("tamper-body")
        let run = await resolve(["\(proxy.host)/\(seed.single.repository):v1"], insecure: [proxy.host])
        #expect(run.code == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("but the registry claimed \(seed.single.digest)"))
    }

    @Test func contentTypeThatDisagreesWithTheBodyIsRefused() async throws {
        let (seed, _, proxy) = try await setUp("wrong-type")
        let run = await resolve(["\(proxy.host)/\(seed.multi.repository):v1"], insecure: [proxy.host])
        #expect(run.code == 1)
        #expect(run.stderr.contains("was served as application/vnd.docker.distribution.manifest.v2+json but its body says it is application/vnd.oci.image.index.v1+json"))
    }

    @Test func tooManyRequestsHonoursRetryAfter() async throws {
        let (seed, _, proxy) = try await setUp("status", ["--status", "429", "--count", "1", "--retry-after", "1"])
        let run = await resolve(["\(proxy.host)/\(seed.single.repository):v1"], insecure: [proxy.host])
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.stdout.hasSuffix("@\(seed.single.digest)\n"))
        // No cache: the verifying GET is the only request per tag.
        let gets = proxy.requests().filter { $0["method"] as? String == "GET" }
        try #require(gets.count == 2)
        let gap = (gets[1]["time"] as! Double) - (gets[0]["time"] as! Double)
        #expect(gap >= 0.95, "the retry waited for Retry-After (a lower bound, not a timing benchmark)")
    }

    @Test func retryAfterAsHTTPDateIsHonoured() async throws {
        // The proxy writes "Retry-After: <IMF-fixdate two seconds ahead>" when it answers.
        let (seed, _, proxy) = try await setUp("status", ["--status", "429", "--count", "1", "--retry-after-date-in", "2"])
        let run = await resolve(["\(proxy.host)/\(seed.single.repository):v1"], insecure: [proxy.host])
        #expect(run.code == 0, "\(run.stderr)")
        let gets = proxy.requests().filter { $0["method"] as? String == "GET" }
        try #require(gets.count == 2)
        // Whole-second dates: at least one second must have been waited.
        #expect((gets[1]["time"] as! Double) - (gets[0]["time"] as! Double) >= 0.95)
    }

    @Test func serviceUnavailableThenSuccess() async throws {
        let (seed, _, proxy) = try await setUp("status", ["--status", "503", "--count", "2"])
        let run = await resolve(["\(proxy.host)/\(seed.multi.repository):v1"], insecure: [proxy.host])
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.stdout.hasSuffix("@\(seed.multi.digest)\n"))
        #expect(proxy.requests().filter { $0["method"] as? String == "GET" }.count == 3)
        #expect(proxy.requests().filter { $0["method"] as? String == "HEAD" }.isEmpty, "no cache: no HEAD before the verifying GET")
    }

    @Test func persistentServiceUnavailableGivesUpWithTheRegistrysMessage() async throws {
        let (seed, _, proxy) = try await setUp("status", ["--status", "503", "--count", "1000"])
        let run = await resolve(["\(proxy.host)/\(seed.single.repository):v1"], insecure: [proxy.host])
        #expect(run.code == 69)
        #expect(run.stderr.contains("HTTP 503"))
        #expect(run.stderr.contains("UNAVAILABLE: injected fault"))
        #expect(proxy.requests().filter { $0["method"] as? String == "GET" }.count == 5, "bounded attempts, the registry's message from the last")
        #expect(proxy.requests().filter { $0["method"] as? String == "HEAD" }.isEmpty)
    }

    @Test func notFoundIsNotRetried() async throws {
        let (seed, _, proxy) = try await setUp("pass")
        let run = await resolve(["\(proxy.host)/\(seed.single.repository):missing"], insecure: [proxy.host])
        #expect(run.code == 69)
        #expect(proxy.requests().filter { $0["method"] as? String == "GET" }.count == 1)
    }

    @Test func withACacheATagIsAskedWithHEADFirstAndItsManifestComesFromTheCache() async throws {
        let (seed, _, proxy) = try await setUp("pass")
        let cache = try TemporaryDirectory("resolve-cache")
        let reference = "\(proxy.host)/\(seed.single.repository):v1"
        let first = await resolve([reference], insecure: [proxy.host], cacheDirectory: cache.path)
        #expect(first.code == 0, "\(first.stderr)")
        let second = await resolve([reference], insecure: [proxy.host], cacheDirectory: cache.path)
        #expect(second.stdout == first.stdout)
        let methods = proxy.requests().map { $0["method"] as? String ?? "" }
        #expect(methods == ["HEAD", "GET", "HEAD"], "a HEAD and a verifying GET, then a HEAD answered by the cache")
    }

    @Test func hangingRegistryFailsAtTheDeadline() async throws {
        let (seed, _, proxy) = try await setUp("hang")
        let run = await resolve(["\(proxy.host)/\(seed.single.repository):v1"], insecure: [proxy.host], deadline: 2)
        #expect(run.code == 69)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("deadline"))
    }
}
