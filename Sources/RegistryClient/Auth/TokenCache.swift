/// A bearer token and when it stops being usable.
public struct BearerToken: Sendable {
    public var value: String
    public var expires: ContinuousClock.Instant

    public init(value: String, expires: ContinuousClock.Instant) {
        self.value = value
        self.expires = expires
    }

    /// RFC 6750's b64token (RFC 7235's token68): letters, digits, `-._~+/`, then `=` padding.
    /// Also what a JWT is.
    public static func isToken68(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let isCharacter = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || byte == 0x2d || byte == 0x2e || byte == 0x5f || byte == 0x7e || byte == 0x2b || byte == 0x2f
            guard isCharacter else { break }
            index += 1
        }
        guard index > 0 else { return false }
        while index < bytes.count, bytes[index] == 0x3d { index += 1 }
        return index == bytes.count
    }
}

/// One token per (realm, service, scope), shared by every request of the run. Concurrent
/// requests for the same key wait on one fetch instead of each asking the token server.
public actor TokenCache {
    public struct Key: Hashable, Sendable {
        public var realm: String
        public var service: String?
        public var scopes: [String]

        public init(realm: String, service: String?, scopes: [String]) {
            self.realm = realm
            self.service = service
            self.scopes = Array(Set(scopes)).sorted()
        }
    }

    private var tokens: [Key: BearerToken] = [:]
    private var inFlight: [Key: Task<BearerToken, any Error>] = [:]
    /// How many tokens were fetched from token servers (for diagnostics and tests).
    public private(set) var fetches = 0

    public init() {}

    /// A cached token still valid for at least `margin`, or the result of one shared `fetch`.
    public func token(
        for key: Key,
        margin: Duration = .seconds(5),
        fetch: @escaping @Sendable () async throws -> BearerToken
    ) async throws -> BearerToken {
        if let token = tokens[key], token.expires - margin > .now {
            return token
        }
        if let running = inFlight[key] {
            return try await running.value
        }
        let task = Task { try await fetch() }
        inFlight[key] = task
        fetches += 1
        defer { inFlight[key] = nil }
        let token = try await task.value
        tokens[key] = token
        return token
    }

    public func invalidate(_ key: Key) { tokens[key] = nil }
}
