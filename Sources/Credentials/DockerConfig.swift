import Basics
import Foundation
import ImageReference
import RegistryClient

/// The parts of `~/.docker/config.json` (or podman's auth.json) that name credentials.
public struct DockerConfig: Sendable, Equatable {
    public struct AuthEntry: Sendable, Equatable {
        public var username: String?
        public var password: String?
        public var identityToken: String?
    }

    /// Keyed by normalized host (scheme, path and case dropped; Docker Hub's aliases folded
    /// into docker.io).
    public var auths: [String: AuthEntry]
    public var credHelpers: [String: String]
    public var credsStore: String?
    /// The file this came from (nil when none was found).
    public var path: String?

    public init(auths: [String: AuthEntry] = [:], credHelpers: [String: String] = [:], credsStore: String? = nil, path: String? = nil) {
        self.auths = auths
        self.credHelpers = credHelpers
        self.credsStore = credsStore
        self.path = path
    }

    /// Which file to read: `REGISTRY_AUTH_FILE`, else `$DOCKER_CONFIG/config.json`, else
    /// `~/.docker/config.json`. The first one that is set is used.
    public static func location(environment: [String: String]) -> String? {
        if let file = environment["REGISTRY_AUTH_FILE"], !file.isEmpty { return file }
        if let directory = environment["DOCKER_CONFIG"], !directory.isEmpty { return directory + "/config.json" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.docker/config.json" }
        return nil
    }

    /// Loads the config for this environment; a missing file means no credentials.
    public static func load(environment: [String: String]) throws(CredentialsError) -> DockerConfig {
        guard let path = location(environment: environment) else { return DockerConfig() }
        guard FileManager.default.fileExists(atPath: path) else { return DockerConfig() }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) }
        catch { throw .unreadableConfig(path: path, detail: error.localizedDescription) }
        return try parse(data, path: path)
    }

    struct RawEntry: Decodable {
        var auth: String?
        var username: String?
        var password: String?
        var identitytoken: String?
    }

    struct RawConfig: Decodable {
        var auths: [String: RawEntry]?
        var credHelpers: [String: String]?
        var credsStore: String?
    }

    public static func parse(_ data: Data, path: String) throws(CredentialsError) -> DockerConfig {
        let raw: RawConfig
        do { raw = try JSONDecoder().decode(RawConfig.self, from: data) }
        catch { throw .malformedConfig(path: path, detail: describe(error)) }
        var config = DockerConfig(path: path)
        config.credsStore = raw.credsStore.flatMap { $0.isEmpty ? nil : $0 }
        for (key, helper) in raw.credHelpers ?? [:] where !helper.isEmpty {
            config.credHelpers[normalize(key)] = helper
        }
        for (key, entry) in (raw.auths ?? [:]).sorted(by: { $0.key < $1.key }) {
            var parsed = AuthEntry(username: entry.username, password: entry.password, identityToken: entry.identitytoken.flatMap { $0.isEmpty ? nil : $0 })
            if let auth = entry.auth, !auth.isEmpty {
                guard let decoded = Data(base64Encoded: auth, options: .ignoreUnknownCharacters),
                      let text = String(data: decoded, encoding: .utf8) else {
                    throw .malformedAuth(path: path, key: key, detail: "is not valid base64 text")
                }
                guard let colon = text.firstIndex(of: ":") else {
                    throw .malformedAuth(path: path, key: key, detail: "has no ':' between username and password")
                }
                parsed.username = String(text[..<colon])
                parsed.password = String(text[text.index(after: colon)...])
            }
            let normalized = normalize(key)
            // Prefer an entry that carries credentials over an empty placeholder for the same host.
            if let existing = config.auths[normalized], existing.hasCredentials, !parsed.hasCredentials { continue }
            config.auths[normalized] = parsed
        }
        return config
    }

    /// `https://index.docker.io/v1/` -> `docker.io`; `HTTPS://Ghcr.io/` -> `ghcr.io`.
    public static func normalize(_ key: String) -> String {
        var text = key.trimmingCharacters(in: .whitespaces)
        if let range = text.range(of: "://") { text = String(text[range.upperBound...]) }
        if let slash = text.firstIndex(of: "/") { text = String(text[..<slash]) }
        text = text.lowercased()
        switch text {
        case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com": return "docker.io"
        default: return text
        }
    }

    static func describe(_ error: any Error) -> String {
        DecodingFailure.describe(error) { ($0 as NSError).userInfo[NSDebugDescriptionErrorKey] as? String }
    }
}

extension DockerConfig.AuthEntry {
    var hasCredentials: Bool { identityToken != nil || (username != nil && password != nil) }

    var credential: RegistryCredential? {
        if let identityToken { return .identityToken(identityToken) }
        if let username, let password, !username.isEmpty { return .basic(username: username, password: password) }
        return nil
    }
}
