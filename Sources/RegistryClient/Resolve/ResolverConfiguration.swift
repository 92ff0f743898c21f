import Basics
import HTTPCore
import ImageReference

public struct ResolverConfiguration: Sendable {
    /// Registries (host[:port], as in references) spoken to over plain HTTP. Never implicit.
    public var insecureRegistries: Set<String>
    /// Domains whose every host is spoken to over plain HTTP (registries.conf's `*.domain`),
    /// as suffixes (`.lab.example`).
    public var insecureDomainSuffixes: [String] = []
    /// The whole run must finish within this.
    public var deadline: Duration
    /// At most this many references are resolved at once.
    public var jobs: Int
    public var retry: RetryPolicy
    public var userAgent: String
    /// Bounds on walking an index for a platform (an honest registry can still serve an index
    /// of indexes that would take hours to walk): how deep indexes may nest, how many entries
    /// one may list, and how many manifests one reference may make the resolver read.
    public var maxIndexDepth = 4
    public var maxIndexEntries = 1000
    public var maxManifestsPerReference = 64

    public init(insecureRegistries: Set<String> = [], deadline: Duration = .seconds(120), jobs: Int = 16, retry: RetryPolicy = RetryPolicy(), userAgent: String = "imagesmith/\(ToolchainVersion.current)") {
        self.insecureRegistries = insecureRegistries
        self.deadline = deadline
        self.jobs = max(1, jobs)
        self.retry = retry
        self.userAgent = userAgent
    }

    func isInsecure(_ registry: Registry) -> Bool {
        insecureRegistries.contains(registry.host) || insecureRegistries.contains(registry.endpoint) || inInsecureDomain(registry.host)
    }

    func isInsecure(hostPort: String) -> Bool { insecureRegistries.contains(hostPort) || inInsecureDomain(hostPort) }

    func inInsecureDomain(_ hostPort: String) -> Bool {
        let name = hostPort.split(separator: ":").first.map(String.init) ?? hostPort
        return insecureDomainSuffixes.contains { name.hasSuffix($0) }
    }
}
