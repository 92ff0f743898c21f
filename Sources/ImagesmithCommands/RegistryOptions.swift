import Basics
import ArgumentParser
import Credentials
import Foundation
import Hashing
import HostIO
import ImageReference
import Logging
import ManifestCache
import RegistryClient
import Transport

/// Registry options shared by `resolve`, `build` and `verify`.
struct RegistryOptions: ParsableArguments {
    @Option(name: .customLong("ca-file"), help: ArgumentHelp("Trust only the CA certificates in this PEM file, for every registry (per-registry CAs belong in a certs.d directory: --certs-dir).", valueName: "PEM"))
    var caFile: String?

    @Option(name: .customLong("certs-dir"), help: ArgumentHelp("Look for per-registry CA certificates in DIR/HOST[:PORT]/*.crt, before ~/.config/containers/certs.d, /etc/containers/certs.d and /etc/docker/certs.d (repeatable). They are added to the system's trust for that registry only.", valueName: "DIR"))
    var certsDirectories: [String] = []

    @Option(name: .customLong("authfile"), help: ArgumentHelp("Read credentials from this file only (docker config.json or containers auth.json format; default: REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json, then $DOCKER_CONFIG/config.json or ~/.docker/config.json).", valueName: "FILE"))
    var authFile: String?

    @Option(name: .customLong("insecure-registry"), help: ArgumentHelp("Speak plain HTTP to this registry (repeatable). Never implied: besides these, only registries that registries.conf marks insecure = true (as skopeo and podman read it) and, for build, the definition's docker.insecure_registries.", valueName: "HOST[:PORT]"))
    var insecureRegistries: [String] = []

    @Option(name: .customLong("resolve"), help: ArgumentHelp("Connect to HOST:PORT at ADDRESS instead of asking DNS (repeatable; curl's --resolve), for a registry known by another name here.", valueName: "HOST:PORT:ADDRESS"))
    var resolve: [String] = []

    @Option(help: "Resolve at most this many references at once (1-64).")
    var jobs = 16

    @Option(help: ArgumentHelp("Give up on the registry work after this many seconds.", valueName: "SECONDS"))
    var deadline: Double = 120

    @Option(name: .customLong("cache-dir"), help: ArgumentHelp("Keep verified manifests here (default: $XDG_CACHE_HOME/imagesmith/manifests or ~/.cache/imagesmith/manifests).", valueName: "DIR"))
    var cacheDirectory: String?

    @Flag(name: .customLong("no-cache"), help: "Neither read nor write the manifest cache.")
    var noCache = false

    @Flag(name: .shortAndLong, help: "Log each request to stderr.")
    var verbose = false

    func validate() throws {
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 64, not \(jobs).") }
        guard deadline.isFinite, deadline > 0, deadline <= 86_400 else { throw ValidationError("--deadline must be between 0 and 86400 seconds.") }
        if let caFile, !FileInfo.isRegularFile(caFile) || !FileManager.default.isReadableFile(atPath: caFile) {
            throw ValidationError("--ca-file \(caFile) is not a readable file.")
        }
        for directory in certsDirectories where !FileInfo.isDirectory(directory) {
            throw ValidationError("--certs-dir \(directory) is not a directory.")
        }
        for host in insecureRegistries {
            do { _ = try Registry(host) } catch { throw ValidationError("--insecure-registry: \(error)") }
        }
        for entry in resolve where !Self.isResolveEntry(entry) {
            throw ValidationError("--resolve '\(entry)' must be HOST:PORT:ADDRESS, such as registry.lab.test:5055:127.0.0.1 (an IPv6 address in brackets).")
        }
    }

    /// The setup, with progress on when stderr is a terminal (a log gets none).
    var setup: RegistrySetup {
        var setup = RegistrySetup(caFile: caFile, insecureRegistries: insecureRegistries, jobs: jobs, deadline: deadline,
                                  logLevel: verbose ? .debug : .warning, cacheDirectory: cacheDirectory, useCache: !noCache, resolve: resolve,
                                  authFile: authFile, certsDirectories: certsDirectories)
        if TerminalProgress.wanted(environment: ProcessInfo.processInfo.environment) { setup.progress = ResolveProgress() }
        return setup
    }

    /// `host:port:address`: a DNS name, a port, and an IPv4 address or a bracketed IPv6 one.
    static func isResolveEntry(_ entry: String) -> Bool {
        let parts = entry.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let port = Int(asciiDecimal: parts[1]), (1...65535).contains(port), !parts[0].isEmpty,
              parts[0].allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "." }) else { return false }
        let address = String(parts[2])
        var buffer = [UInt8](repeating: 0, count: 16)
        if address.hasPrefix("["), address.hasSuffix("]") { return inet_pton(AF_INET6, String(address.dropFirst().dropLast()), &buffer) == 1 }
        return inet_pton(AF_INET, address, &buffer) == 1
    }
}

/// Everything needed to build a `Resolver`, as plain values (tests fill it in directly).
public struct RegistrySetup: Sendable {
    public var caFile: String?
    public var insecureRegistries: [String]
    public var jobs: Int
    public var deadline: Double
    public var logLevel: Logger.Level
    public var cacheDirectory: String?
    public var useCache: Bool
    /// `HOST:PORT:ADDRESS` overrides of DNS for registry connections.
    public var resolve: [String]
    /// The one credentials file to read (nil: the default files, in the containers tools' order).
    public var authFile: String?
    /// certs.d directories searched before the default ones.
    public var certsDirectories: [String]
    /// Only the directories named, not the default ones (tests: the machine's own are not theirs).
    public var onlyNamedCertsDirectories: Bool
    /// The system trust the per-registry CAs are added to (nil: the machine's); tests stand
    /// one in for it.
    public var systemTrust: [UInt8]?
    /// Where the resolver notes its progress (nil: nowhere); the commands set it when stderr
    /// is a terminal, and show it there.
    public var progress: ResolveProgress?

    public init(caFile: String? = nil, insecureRegistries: [String] = [], jobs: Int = 16, deadline: Double = 120,
                logLevel: Logger.Level = .warning, cacheDirectory: String? = nil, useCache: Bool = true, resolve: [String] = [],
                authFile: String? = nil, certsDirectories: [String] = [], onlyNamedCertsDirectories: Bool = false, systemTrust: [UInt8]? = nil) {
        self.resolve = resolve
        self.authFile = authFile
        self.certsDirectories = certsDirectories
        self.onlyNamedCertsDirectories = onlyNamedCertsDirectories
        self.systemTrust = systemTrust
        self.caFile = caFile
        self.insecureRegistries = insecureRegistries
        self.jobs = jobs
        self.deadline = deadline
        self.logLevel = logLevel
        self.cacheDirectory = cacheDirectory
        self.useCache = useCache
    }

    var logger: Logger {
        var logger = Logger(label: "imagesmith")
        logger.logLevel = logLevel
        return logger
    }

    /// Loads credentials (throws `CredentialsError` for a bad config file) and wires the
    /// adapters into a resolver.
    func makeResolver(environment: [String: String]) throws(CredentialsError) -> Resolver {
        let files = try AuthFiles.load(environment: environment, authFile: authFile)
        let certificates = CertificateDirectories(bases: certsDirectories + (onlyNamedCertsDirectories ? [] : CertificateDirectories.defaults(environment: environment)))
        let logger = self.logger
        // Plain HTTP only where someone said so: the options, the definition (build), and
        // registries.conf, the containers tools' own place for it.
        let conf = try RegistriesConf.load(environment: environment)
        var configuration = ResolverConfiguration(insecureRegistries: Set(insecureRegistries + conf.insecureHosts), deadline: .milliseconds(Int64(deadline * 1000)), jobs: jobs)
        configuration.insecureDomainSuffixes = conf.insecureDomainSuffixes
        var store: any ManifestStore = NoManifestStore()
        if useCache, let root = cacheDirectory ?? FileManifestStore.defaultRoot(environment: environment) {
            store = FileManifestStore(root: root, logger: logger)
        }
        var resolver = Resolver(
            transport: CurlTransport(caFile: caFile, userAgent: configuration.userAgent, resolve: resolve,
                                     hostCertificates: certificates, systemBundle: systemTrust, logger: logger),
            digester: OpenSSLDigester(),
            credentials: DockerCredentialProvider(files: files, environment: environment, logger: logger),
            store: store, configuration: configuration, logger: logger
        )
        resolver.progress = progress
        return resolver
    }
}
