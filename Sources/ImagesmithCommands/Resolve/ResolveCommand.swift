import ArgumentParser
import Credentials
import Foundation
import Hashing
import ImageReference
import Logging
import RegistryClient
import Transport

/// `imagesmith resolve`: pins references to verified digests.
struct ResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Pin image references to verified digests.",
        discussion: """
            Prints one line per reference: the reference as given and its pinned form \
            registry/repository@sha256:... (with --platform, a third column: the pinned \
            platform manifest). Tags are always asked for (HEAD); a manifest already seen is \
            read from the local cache and re-hashed instead of fetched again. If any reference fails, every failure is reported on stderr, \
            nothing is printed on stdout, and the exit status is 65 (invalid reference), \
            69 (registry unreachable or refusing) or 1 (content that does not verify, a \
            missing platform).
            """
    )

    @Option(help: ArgumentHelp("Also pick the child manifest for this platform.", valueName: "os/arch[/variant]"))
    var platform: String?

    @Flag(help: "Print a JSON array instead of lines.")
    var json = false

    @Option(name: .customLong("ca-file"), help: ArgumentHelp("Trust only the CA certificates in this PEM file.", valueName: "PEM"))
    var caFile: String?

    @Option(name: .customLong("insecure-registry"), help: ArgumentHelp("Speak plain HTTP to this registry (repeatable). Never implied.", valueName: "HOST[:PORT]"))
    var insecureRegistries: [String] = []

    @Option(help: "Resolve at most this many references at once (1-64).")
    var jobs = 16

    @Option(help: ArgumentHelp("Give up on the whole run after this many seconds.", valueName: "SECONDS"))
    var deadline: Double = 120

    @Option(name: .customLong("cache-dir"), help: ArgumentHelp("Keep verified manifests here (default: $XDG_CACHE_HOME/imagesmith/manifests or ~/.cache/imagesmith/manifests).", valueName: "DIR"))
    var cacheDirectory: String?

    @Flag(name: .customLong("no-cache"), help: "Neither read nor write the manifest cache.")
    var noCache = false

    @Flag(name: .shortAndLong, help: "Log each request to stderr.")
    var verbose = false

    @Argument(help: ArgumentHelp("Image references, e.g. nginx:1.27 or ghcr.io/org/app@sha256:...", valueName: "REF"))
    var references: [String] = []

    func validate() throws {
        guard !references.isEmpty else { throw ValidationError("Give at least one image reference.") }
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 64, not \(jobs).") }
        guard deadline > 0, deadline <= 86_400 else { throw ValidationError("--deadline must be between 0 and 86400 seconds.") }
        if let platform {
            do { _ = try Platform(parsing: platform) } catch { throw ValidationError("--platform: \(error)") }
        }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ValidationError("--ca-file \(caFile) is not a readable file.")
        }
        for host in insecureRegistries {
            do { _ = try Registry(host) } catch { throw ValidationError("--insecure-registry: \(error)") }
        }
    }

    func run() async throws {
        let code = await ResolveRunner(
            references: references, platform: platform, json: json, caFile: caFile,
            insecureRegistries: insecureRegistries, jobs: jobs, deadline: deadline,
            logLevel: verbose ? .debug : .warning,
            environment: ProcessInfo.processInfo.environment, output: .standard,
            cacheDirectory: cacheDirectory, useCache: !noCache
        ).run()
        if code != 0 { throw ExitCode(code) }
    }
}
