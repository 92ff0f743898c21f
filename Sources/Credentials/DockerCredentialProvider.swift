import Foundation
import ImageReference
import Logging
import RegistryClient

/// `CredentialProvider` over a docker config: `credHelpers` for the host first, then inline
/// `auths` credentials, then `credsStore`. Each registry is looked up once per run.
public actor DockerCredentialProvider: CredentialProvider {
    public let config: DockerConfig
    let environment: [String: String]
    let logger: Logger
    /// One lookup per registry, shared by concurrent callers (so a helper runs once).
    private var lookups: [Registry: Task<RegistryCredential?, any Error>] = [:]

    public init(config: DockerConfig, environment: [String: String], logger: Logger = Logger(label: "imagesmith.credentials")) {
        self.config = config
        self.environment = environment
        self.logger = logger
    }

    public func credential(for registry: Registry) async throws -> RegistryCredential? {
        if let running = lookups[registry] { return try await running.value }
        let task = Task { () async throws -> RegistryCredential? in try await self.lookUp(registry) }
        lookups[registry] = task
        let found = try await task.value
        logger.debug("credentials", metadata: ["registry": "\(registry)", "found": "\(found.map { "\($0)" } ?? "none")"])
        return found
    }

    func lookUp(_ registry: Registry) async throws(CredentialsError) -> RegistryCredential? {
        let key = DockerConfig.normalize(registry.host)
        if let helper = config.credHelpers[key] {
            return try await ask(helper, registry: registry)
        }
        if let entry = config.auths[key], let credential = entry.credential {
            return credential
        }
        if let store = config.credsStore {
            return try await ask(store, registry: registry)
        }
        return nil
    }

    func ask(_ helper: String, registry: Registry) async throws(CredentialsError) -> RegistryCredential? {
        // Docker stores Hub credentials under its v1 index URL.
        let serverURL = registry == .dockerHub ? "https://index.docker.io/v1/" : registry.host
        guard let answer = try await CredentialHelper(name: helper, environment: environment).get(serverURL: serverURL) else {
            return nil
        }
        if answer.username == "<token>" { return .identityToken(answer.secret) }
        return .basic(username: answer.username, password: answer.secret)
    }
}
