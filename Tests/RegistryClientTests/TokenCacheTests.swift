import Testing
@testable import RegistryClient

@Suite struct TokenCacheTests {
    actor Counter {
        var value = 0
        func next() -> Int { value += 1; return value }
    }

    @Test func concurrentRequestsForOneScopeShareOneFetch() async throws {
        let cache = TokenCache()
        let counter = Counter()
        let key = TokenCache.Key(realm: "https://r/t", service: "s", scopes: ["repository:a:pull"])
        let values = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await cache.token(for: key) {
                        let n = await counter.next()
                        try await Task.sleep(for: .milliseconds(50))
                        return BearerToken(value: "t\(n)", expires: .now + .seconds(60))
                    }.value
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(values) == ["t1"])
        #expect(await counter.value == 1)
        #expect(await cache.fetches == 1)
    }

    @Test func scopesAreAKeyComponentAndOrderDoesNotMatter() async throws {
        #expect(TokenCache.Key(realm: "r", service: "s", scopes: ["b", "a"]) == TokenCache.Key(realm: "r", service: "s", scopes: ["a", "b", "a"]))
        #expect(TokenCache.Key(realm: "r", service: "s", scopes: ["a"]) != TokenCache.Key(realm: "r", service: nil, scopes: ["a"]))
    }

    @Test func expiredTokensAreFetchedAgain() async throws {
        let cache = TokenCache()
        let key = TokenCache.Key(realm: "r", service: nil, scopes: [])
        let first = try await cache.token(for: key) { BearerToken(value: "old", expires: .now + .seconds(1)) }
        let second = try await cache.token(for: key) { BearerToken(value: "new", expires: .now + .seconds(60)) }
        #expect(first.value == "old")
        #expect(second.value == "new", "a token inside the safety margin is not reused")
        let third = try await cache.token(for: key) { BearerToken(value: "newer", expires: .now + .seconds(60)) }
        #expect(third.value == "new")
    }
}
