import ImageReference

/// A secret for one registry. `description` never shows the secret.
public enum RegistryCredential: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Username and password (or personal access token), sent as Basic or used to get a token.
    case basic(username: String, password: String)
    /// An OAuth2 refresh token (`identitytoken` in docker's config): exchanged for a bearer token.
    case identityToken(String)

    public var description: String {
        switch self {
        case .basic(let username, _): "basic credentials for user '\(username)' (password redacted)"
        case .identityToken: "an identity token (redacted)"
        }
    }

    public var debugDescription: String { description }
}

/// Where credentials come from (docker's config.json, the containers tools' auth.json and
/// credential helpers in module Credentials), per repository: a file may hold credentials for
/// a namespace of a registry (`host/team-a`). Returns nil for anonymous access; a lookup that
/// runs programs (credential helpers) must be over by `deadline`.
public protocol CredentialProvider: Sendable {
    func credential(for registry: Registry, repository: Repository, deadline: ContinuousClock.Instant) async throws -> RegistryCredential?
}

/// Anonymous access everywhere.
public struct NoCredentials: CredentialProvider {
    public init() {}
    public func credential(for registry: Registry, repository: Repository, deadline: ContinuousClock.Instant) async throws -> RegistryCredential? { nil }
}
