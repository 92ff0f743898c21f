import Basics
import FoundationEssentials
import HTTPCore
import ImageReference
import Logging

/// Talks to registries for one run: deadlines, retries with backoff, redirects (without
/// leaking credentials), and authentication (Basic, Bearer tokens cached per scope).
final class RegistrySession: Sendable {
    let transport: any HTTPTransport
    let credentials: any CredentialProvider
    let configuration: ResolverConfiguration
    let tokens: TokenCache
    let hostAuth = HostAuthState()
    let logger: Logger
    let deadline: ContinuousClock.Instant

    init(transport: any HTTPTransport, credentials: any CredentialProvider, configuration: ResolverConfiguration, tokens: TokenCache, logger: Logger) {
        self.transport = transport
        self.credentials = credentials
        self.configuration = configuration
        self.tokens = tokens
        self.logger = logger
        self.deadline = .now + configuration.deadline
    }

    func baseURL(_ registry: Registry) -> String {
        "\(configuration.isInsecure(registry) ? "http" : "https")://\(registry.endpoint)"
    }

    // MARK: Registry API requests with authentication

    /// Sends a request to `/v2/<repository>/<path>`, answering auth challenges once. Returns
    /// the final response whatever its status; throws only when no usable answer came.
    func registryRequest(_ method: HTTPMethod, registry: Registry, repository: Repository, path: String, accept: String?, maxAttempts: Int? = nil) async throws(RegistryError) -> (response: HTTPResponse, url: String) {
        let urlText = "\(baseURL(registry))/v2/\(repository.path)/\(path)"
        guard let url = URL(string: urlText) else {
            throw RegistryError.malformedManifest(url: urlText, detail: "cannot form a URL")
        }
        let defaultScope = "repository:\(repository.path):pull"
        var scopes = [defaultScope]
        // Round 1 answers the first challenge; round 2 a token the registry then rejected
        // (expired, or `insufficient_scope`), with that token dropped from the cache.
        var challengesAnswered = 0
        while true {
            var headers = HTTPHeaders()
            if let accept { headers.add("Accept", accept) }
            let authorization = try await authorization(for: registry, repository: repository, scopes: scopes)
            if let authorization { headers.add("Authorization", authorization) }
            let response = try await exchange(method: method, url: url, headers: headers, endpoint: registry.endpoint, maxAttempts: maxAttempts)
            let needsAuth = response.status == 401 || (response.status == 403 && Self.isInsufficientScope(response))
            guard needsAuth, challengesAnswered < 2 else {
                if response.status == 401 {
                    throw RegistryError.unauthorized(registry: registry.host, detail: "HTTP 401 even after authenticating" + Self.apiErrorSuffix(response))
                }
                return (response, urlText)
            }
            challengesAnswered += 1
            let challenges = AuthChallenge.parse(response.headers.values("WWW-Authenticate"))
            scopes = try await learn(challenges, registry: registry, repository: repository, defaultScopes: [defaultScope],
                                     sentBearer: authorization?.hasPrefix("Bearer ") == true)
        }
    }

    static func isInsufficientScope(_ response: HTTPResponse) -> Bool {
        AuthChallenge.parse(response.headers.values("WWW-Authenticate")).contains { $0.parameter("error") == "insufficient_scope" }
    }

    static func apiErrorSuffix(_ response: HTTPResponse) -> String {
        guard let envelope = try? JSONDecoder().decode(RegistryAPIError.Envelope.self, from: Data(response.body)),
              !envelope.errors.isEmpty else { return "" }
        return " (" + envelope.errors.map { e in e.message.map { "\(e.code): \($0)" } ?? e.code }.joined(separator: "; ") + ")"
    }

    /// Records what a 401/403 asked for; returns the scopes the next request needs.
    /// `sentBearer`: whether the request that was challenged carried a token (only then was a
    /// token refused; a request sent before the scheme was known carried none).
    func learn(_ challenges: [AuthChallenge], registry: Registry, repository: Repository, defaultScopes: [String],
               sentBearer: Bool) async throws(RegistryError) -> [String] {
        if let bearer = challenges.first(where: \.isBearer) {
            guard let realm = bearer.parameter("realm"), !realm.isEmpty else {
                throw RegistryError.unauthorized(registry: registry.host, detail: "its Bearer challenge names no realm")
            }
            let scheme = HostAuthState.Scheme.bearer(realm: realm, service: bearer.parameter("service"))
            let previous = await hostAuth.scheme(for: registry)
            await hostAuth.set(scheme, for: registry)
            let scopes = bearer.scopes().isEmpty ? defaultScopes : Array(Set(bearer.scopes() + defaultScopes)).sorted()
            // A token we sent was refused: fetch a fresh one for this scope.
            if sentBearer && previous == scheme {
                await tokens.invalidate(TokenCache.Key(realm: realm, service: bearer.parameter("service"), scopes: scopes))
            }
            return scopes
        }
        if challenges.contains(where: \.isBasic) {
            guard case .basic = try await credential(for: registry, repository: repository) else {
                throw RegistryError.unauthorized(registry: registry.host, detail: "it asks for a username and password (Basic) and no credentials for \(repository) were found in the credentials files")
            }
            await hostAuth.set(.basic, for: registry)
            return defaultScopes
        }
        let schemes = challenges.map(\.scheme).joined(separator: ", ")
        throw RegistryError.unauthorized(registry: registry.host, detail: schemes.isEmpty ? "HTTP 401 without a WWW-Authenticate challenge" : "unsupported authentication scheme \(schemes)")
    }

    func authorization(for registry: Registry, repository: Repository, scopes: [String]) async throws(RegistryError) -> String? {
        switch await hostAuth.scheme(for: registry) {
        case nil:
            return nil
        case .basic:
            guard case .basic(let user, let password) = try await credential(for: registry, repository: repository) else { return nil }
            return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        case .bearer(let realm, let service):
            let key = TokenCache.Key(realm: realm, service: service, scopes: scopes)
            do {
                let token = try await tokens.token(for: key) { [self] in
                    try await fetchToken(realm: realm, service: service, scopes: key.scopes, registry: registry, repository: repository)
                }
                return "Bearer " + token.value
            } catch let error as RegistryError {
                throw error
            } catch {
                throw RegistryError.tokenServer(realm: realm, detail: "\(error)")
            }
        }
    }

    /// The credential for `repository` (a file may scope one to a namespace), looked up
    /// within the run's deadline.
    func credential(for registry: Registry, repository: Repository) async throws(RegistryError) -> RegistryCredential? {
        guard ContinuousClock.now < deadline else { throw deadlineError("credentials for \(registry.host) were still being looked up") }
        do { return try await credentials.credential(for: registry, repository: repository, deadline: deadline) }
        catch let error as RegistryError { throw error }
        catch { throw RegistryError.credentials(registry: registry.host, detail: "\(error)") }
    }

    // MARK: Tokens

    struct TokenResponse: Decodable {
        var token: String?
        var access_token: String?
        var expires_in: Int?
    }

    func fetchToken(realm: String, service: String?, scopes: [String], registry: Registry, repository: Repository) async throws(RegistryError) -> BearerToken {
        guard var components = URLComponents(string: realm), let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = components.host else {
            throw RegistryError.tokenServer(realm: realm, detail: "the realm is not an http(s) URL")
        }
        if scheme == "http" {
            let hostPort = components.port.map { "\(host):\($0)" } ?? host
            guard configuration.isInsecure(hostPort: hostPort) else { throw RegistryError.plainHTTPRefused(url: realm) }
        }
        let credential = try await credential(for: registry, repository: repository)
        var headers = HTTPHeaders()
        let method: HTTPMethod
        var body: [UInt8]?
        var query = components.queryItems ?? []
        if case .identityToken(let refreshToken) = credential {
            // OAuth2 refresh-token grant, as docker does for identity tokens.
            method = .post
            var form = [URLQueryItem(name: "grant_type", value: "refresh_token"),
                        URLQueryItem(name: "client_id", value: "imagesmith"),
                        URLQueryItem(name: "refresh_token", value: refreshToken)]
            if let service { form.append(URLQueryItem(name: "service", value: service)) }
            if !scopes.isEmpty { form.append(URLQueryItem(name: "scope", value: scopes.joined(separator: " "))) }
            var formComponents = URLComponents()
            formComponents.queryItems = form
            body = Array((formComponents.percentEncodedQuery ?? "").replacing("+", with: "%2B").utf8)
            headers.add("Content-Type", "application/x-www-form-urlencoded")
        } else {
            method = .get
            if let service { query.append(URLQueryItem(name: "service", value: service)) }
            for scope in scopes { query.append(URLQueryItem(name: "scope", value: scope)) }
            if case .basic(let user, let password) = credential {
                headers.add("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
            }
        }
        if !query.isEmpty { components.queryItems = query }
        guard let url = components.url else { throw RegistryError.tokenServer(realm: realm, detail: "cannot form the token URL") }
        let response = try await exchange(method: method, url: url, headers: headers, body: body, endpoint: host)
        guard response.status == 200 else {
            if response.status == 401 || response.status == 403 {
                throw RegistryError.unauthorized(registry: registry.host, detail: "the token server refused the credentials (HTTP \(response.status))")
            }
            throw RegistryError.tokenServer(realm: realm, detail: "HTTP \(response.status)")
        }
        guard let decoded = try? JSONDecoder().decode(TokenResponse.self, from: Data(response.body)),
              let value = decoded.token ?? decoded.access_token, !value.isEmpty else {
            throw RegistryError.tokenServer(realm: realm, detail: "the answer has no token or access_token")
        }
        // The token goes back out in an Authorization header: RFC 6750's token characters
        // only, so that nothing a token server sends can end the header or add another.
        guard value.utf8.count <= 16 << 10, BearerToken.isToken68(value) else {
            throw RegistryError.tokenServer(realm: realm, detail: "the answer's token has characters a bearer token cannot have (a header must stay one header)")
        }
        let lifetime = min(max(decoded.expires_in ?? 60, 60), 86_400)
        logger.debug("obtained a bearer token", metadata: ["realm": "\(realm)", "scope": "\(scopes.joined(separator: " "))", "expires_in": "\(lifetime)"])
        return BearerToken(value: value, expires: .now + .seconds(lifetime))
    }

    // MARK: One exchange: retries, backoff, deadline, redirects

    /// Sends a request through HTTPCore's one retry loop (transport errors, 429 and 5xx,
    /// honouring `Retry-After`) until it gets an answer or the session's deadline passes;
    /// each attempt follows redirects for GET/HEAD, dropping `Authorization` when a redirect
    /// leaves the original origin.
    func exchange(method: HTTPMethod, url: URL, headers: HTTPHeaders, body: [UInt8]? = nil, endpoint: String, maxAttempts: Int? = nil) async throws(RegistryError) -> HTTPResponse {
        var policy = configuration.retry
        if let maxAttempts { policy.maxAttempts = maxAttempts }
        let outcome: RetryingSender.Outcome
        do {
            outcome = try await RetryingSender(policy: policy).exchange(until: deadline, attempt: { _ in
                try await followRedirects(method: method, url: url, headers: headers, body: body)
            }, shouldRetry: { RetryPolicy.isRetryable(status: $0.status) }, onRetry: { retry in
                switch retry {
                case .transportFailed(let error, let attempt):
                    logger.debug("transport error", metadata: ["url": "\(Self.redacted(url))", "attempt": "\(attempt)", "error": "\(error.detail)"])
                case .answered(let response, let attempt, let retryAfter):
                    logger.debug("retryable status", metadata: ["url": "\(Self.redacted(url))", "status": "\(response.status)", "attempt": "\(attempt)", "retry_after": "\(retryAfter.map { "\($0)" } ?? "-")"])
                }
            })
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError.unreachable(endpoint: endpoint, detail: "\(error)")
        }
        switch outcome {
        case .answered(let response, _):
            return response
        case .failed(let error, let response, _, let deadlinePassed):
            let lastProblem = error.map { "\(endpoint): \($0.detail)" }
                ?? response.map { "\(endpoint) answered HTTP \($0.status)" + Self.apiErrorSuffix($0) }
            if let error, !deadlinePassed {
                if error.kind == .tls { throw RegistryError.tls(endpoint: endpoint, detail: error.detail) }
                throw RegistryError.unreachable(endpoint: endpoint, detail: error.detail)
            }
            // The deadline passed, or the run was cancelled while it waited.
            throw deadlineError(lastProblem)
        }
    }

    /// Throws once the run's deadline has passed: called before every piece of work, cached or not.
    func checkDeadline(reading what: String) throws(RegistryError) {
        if ContinuousClock.now >= deadline { throw deadlineError("still reading \(what)") }
        if Task.isCancelled { throw deadlineError("cancelled while reading \(what)") }
    }

    func deadlineError(_ lastProblem: String?) -> RegistryError {
        let seconds = Double(configuration.deadline.components.seconds) + Double(configuration.deadline.components.attoseconds) / 1e18
        return .deadlineExceeded(seconds: seconds, lastProblem: lastProblem)
    }

    func followRedirects(method: HTTPMethod, url: URL, headers: HTTPHeaders, body: [UInt8]?) async throws -> HTTPResponse {
        var currentURL = url
        var currentHeaders = headers
        let origin = Self.origin(url)
        for _ in 0..<6 {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw TransportError(.timedOut, "the deadline passed") }
            let request = HTTPRequest(method: method, url: currentURL, headers: currentHeaders, body: body, timeout: remaining)
            let response = try await transport.send(request)
            guard [301, 302, 303, 307, 308].contains(response.status), method != .post,
                  let location = response.headers["Location"],
                  let next = URL(string: location, relativeTo: currentURL)?.absoluteURL else {
                return response
            }
            guard let scheme = next.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
                throw RegistryError.insecureRedirect(from: Self.redacted(currentURL), to: Self.redacted(next))
            }
            if scheme == "http" && !configuration.isInsecure(hostPort: Self.hostPort(next)) {
                throw RegistryError.insecureRedirect(from: Self.redacted(currentURL), to: Self.redacted(next))
            }
            if Self.origin(next) != origin {
                // Never hand our credentials to whatever host a redirect names.
                currentHeaders.remove("Authorization")
            }
            logger.debug("following redirect", metadata: ["from": "\(Self.redacted(currentURL))", "to": "\(Self.redacted(next))"])
            currentURL = next
        }
        throw RegistryError.tooManyRedirects(url: Self.redacted(url))
    }

    static func hostPort(_ url: URL) -> String {
        let host = url.host ?? ""
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return url.port.map { "\(bracketed):\($0)" } ?? bracketed
    }

    static func origin(_ url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\((url.host ?? "").lowercased()):\(port)"
    }

    /// A URL fit for logs and errors: no query (redirect targets carry signed tokens there)
    /// and no user info.
    static func redacted(_ url: URL) -> String { URLRedaction.redacted(url.absoluteString) }
}

/// What each registry host asked for last time, so later requests authenticate up front
/// instead of collecting a 401 each.
actor HostAuthState {
    enum Scheme: Equatable, Sendable {
        case basic
        case bearer(realm: String, service: String?)
    }

    private var schemes: [Registry: Scheme] = [:]

    func scheme(for registry: Registry) -> Scheme? { schemes[registry] }
    func set(_ scheme: Scheme, for registry: Registry) { schemes[registry] = scheme }
}
