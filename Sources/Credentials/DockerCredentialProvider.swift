import Foundation
import ImageReference
import Logging
import RegistryClient

/// `CredentialProvider` over the credentials files of the run (`AuthFiles`, in the containers
/// tools' order). In each file, in turn: the registry's `credHelpers` entry (authoritative for
/// that file), else the `auths` entry whose key matches the repository most specifically
/// (`host/team-a/app`, `host/team-a`, `host`), else `credsStore`. The first file with a
/// credential answers. Each helper is asked once per server per run, within the run's deadline.
public actor DockerCredentialProvider: CredentialProvider {
    public let files: AuthFiles
    let environment: [String: String]
    let logger: Logger
    /// One question per (helper, server URL), shared by concurrent callers (so a helper runs once).
    private var helperAnswers: [String: Task<RegistryCredential?, any Error>] = [:]

    public init(files: AuthFiles, environment: [String: String], logger: Logger = Logger(label: "imagesmith.credentials")) {
        self.files = files
        self.environment = environment
        self.logger = logger
    }

    public init(config: DockerConfig, environment: [String: String], logger: Logger = Logger(label: "imagesmith.credentials")) {
        self.init(files: AuthFiles([config]), environment: environment, logger: logger)
    }

    public func credential(for registry: Registry, repository: Repository, deadline: ContinuousClock.Instant) async throws -> RegistryCredential? {
        let found = try await lookUp(registry, repository, deadline: deadline)
        logger.debug("credentials", metadata: ["registry": "\(registry)", "repository": "\(repository)", "found": "\(found.map { "\($0)" } ?? "none")"])
        return found
    }

    func lookUp(_ registry: Registry, _ repository: Repository, deadline: ContinuousClock.Instant) async throws -> RegistryCredential? {
        let host = DockerConfig.normalize(registry.host)
        for config in files.configs {
            if let helper = config.credHelpers[host] {
                if let answer = try await ask(helper, registry: registry, deadline: deadline) { return answer }
                continue
            }
            if let (_, entry) = config.entry(for: registry, repository), let credential = entry.credential {
                return credential
            }
            if let store = config.credsStore, let answer = try await ask(store, registry: registry, deadline: deadline) {
                return answer
            }
        }
        return nil
    }

    func ask(_ helper: String, registry: Registry, deadline: ContinuousClock.Instant) async throws -> RegistryCredential? {
        // Docker stores Hub credentials under its v1 index URL.
        let serverURL = registry == .dockerHub ? "https://index.docker.io/v1/" : registry.host
        let key = helper + "\u{0}" + serverURL
        if let running = helperAnswers[key] { return try await running.value }
        let environment = self.environment
        let task = Task { () async throws -> RegistryCredential? in
            guard let answer = try await CredentialHelper(name: helper, environment: environment).get(serverURL: serverURL, deadline: deadline) else {
                return nil
            }
            if answer.username == "<token>" { return .identityToken(answer.secret) }
            return .basic(username: answer.username, password: answer.secret)
        }
        helperAnswers[key] = task
        return try await task.value
    }
}
