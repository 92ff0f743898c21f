import Basics
import Foundation
import ImageReference
import RegistryClient

/// One credentials file as docker (`config.json`) and the containers tools (`auth.json`)
/// write it: `auths` keyed by a registry or by a namespace in it (`host/team-a`), `credHelpers`
/// keyed by registry, `credsStore`.
public struct DockerConfig: Sendable, Equatable {
    public struct AuthEntry: Sendable, Equatable {
        public var username: String?
        public var password: String?
        public var identityToken: String?

        public init(username: String? = nil, password: String? = nil, identityToken: String? = nil) {
            self.username = username
            self.password = password
            self.identityToken = identityToken
        }
    }

    /// Keyed by normalized key: a host (scheme, URL path and case dropped; Docker Hub's aliases
    /// folded into docker.io), or a host and a namespace path (`ghcr.io/acme/team-a`).
    public var auths: [String: AuthEntry]
    public var credHelpers: [String: String]
    public var credsStore: String?
    /// The file this came from (nil when built in memory).
    public var path: String?

    public init(auths: [String: AuthEntry] = [:], credHelpers: [String: String] = [:], credsStore: String? = nil, path: String? = nil) {
        self.auths = auths
        self.credHelpers = credHelpers
        self.credsStore = credsStore
        self.path = path
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

    /// The most a credentials file may be (they hold a few entries).
    public static let maximumBytes = 4 << 20

    public static func parse(_ data: Data, path: String) throws(CredentialsError) -> DockerConfig {
        guard data.count <= maximumBytes else { throw .malformedConfig(path: path, detail: "it is \(data.count) bytes; at most \(maximumBytes) are read") }
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
            // Prefer an entry that carries credentials over an empty placeholder for the same key.
            if let existing = config.auths[normalized], existing.hasCredentials, !parsed.hasCredentials { continue }
            config.auths[normalized] = parsed
        }
        return config
    }

    /// A key as docker and the containers tools read it: with a scheme it is a legacy URL and
    /// names a host only (`https://index.docker.io/v1/` -> `docker.io`); without one it is a
    /// host optionally followed by a namespace (`ghcr.io/acme/team-a`), which is kept. Case is
    /// folded (hosts and repository paths are lower case) and trailing slashes dropped.
    public static func normalize(_ key: String) -> String {
        var text = key.trimmingCharacters(in: .whitespaces).lowercased()
        var path = ""
        if let range = text.range(of: "://") {
            text = String(text[range.upperBound...])
            if let slash = text.firstIndex(of: "/") { text = String(text[..<slash]) }
        } else if let slash = text.firstIndex(of: "/") {
            path = String(text[slash...])
            text = String(text[..<slash])
            while path.hasSuffix("/") { path.removeLast() }
        }
        switch text {
        case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com": text = "docker.io"
        default: break
        }
        return text + path
    }

    /// The keys that may hold credentials for `repository` on `registry`, most specific
    /// first: `host/a/b/c`, `host/a/b`, `host/a`, `host` (containers-auth.json(5)).
    public static func lookupKeys(_ registry: Registry, _ repository: Repository) -> [String] {
        let host = normalize(registry.host)
        var components = repository.path.split(separator: "/").map(String.init)
        var keys: [String] = []
        while !components.isEmpty {
            keys.append(host + "/" + components.joined(separator: "/"))
            components.removeLast()
        }
        return keys + [host]
    }

    /// The entry with credentials for `repository` whose key matches it most specifically, and
    /// that key.
    public func entry(for registry: Registry, _ repository: Repository) -> (key: String, entry: AuthEntry)? {
        for key in Self.lookupKeys(registry, repository) {
            if let entry = auths[key], entry.hasCredentials { return (key, entry) }
        }
        return nil
    }

    static func describe(_ error: any Error) -> String {
        DecodingFailure.describe(error) { ($0 as NSError).userInfo[NSDebugDescriptionErrorKey] as? String }
    }
}

extension DockerConfig.AuthEntry {
    var hasCredentials: Bool { identityToken != nil || (username != nil && password != nil && username?.isEmpty == false) }

    var credential: RegistryCredential? {
        if let identityToken { return .identityToken(identityToken) }
        if let username, let password, !username.isEmpty { return .basic(username: username, password: password) }
        return nil
    }
}
