import ArgumentParser
import Basics
import Foundation

/// `imagesmith tags REF...`: the fleet's registry digest cache. Floating tags are asked again
/// only when their answer is older than the TTL; tags that moved are reported.
struct TagsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tags",
        abstract: "Keep floating tags' digests in a cache with a TTL and report which tags moved.",
        discussion: """
            A tag whose cached answer is younger than --ttl is not asked for; an older one is \
            re-resolved (each registry with its own credentials from the auth files) and a \
            changed digest is reported as moved, and kept in the cache's list of moves. With \
            --watch it keeps doing so, waking when the next answer expires (a background job). \
            A registry that cannot be reached leaves the cached answer in place. Exit status: \
            0, 65 an invalid reference or cache file (nothing is changed), 69 a registry could \
            not be asked, 1 content that did not verify.
            """
    )

    @Option(help: ArgumentHelp("The cache file (default: $XDG_CACHE_HOME/imagesmith/tags.json or ~/.cache/imagesmith/tags.json).", valueName: "FILE"))
    var cache: String?

    @Option(help: ArgumentHelp("How long an answer is trusted: 30s, 10m, 6h, 1d.", valueName: "DURATION"))
    var ttl = "1h"

    @Flag(help: "Keep re-resolving as answers expire (never returns).")
    var watch = false

    @Flag(help: "Print the result as JSON (a failure as {\"error\", \"exit_code\"}).")
    var json = false

    @OptionGroup var registry: RegistryOptions

    @Argument(help: ArgumentHelp("Image references with floating tags, e.g. nginx:latest.", valueName: "REF"))
    var references: [String] = []

    func validate() throws {
        guard !references.isEmpty else { throw ValidationError("Give at least one image reference.") }
        _ = try FleetCommandSupport.seconds(ttl, option: "--ttl")
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let path = cache ?? TagsRunner.defaultCache(environment: environment) else {
            throw ValidationError("Give --cache: neither XDG_CACHE_HOME nor HOME names a directory.")
        }
        let runner = TagsRunner(references: references, cachePath: path, ttl: try FleetCommandSupport.seconds(ttl, option: "--ttl"), json: json,
                                registry: registry.setup, environment: environment, output: .standard)
        let code = watch ? await runner.watch() : await runner.run()
        if code != .success { throw ExitCode(code.rawValue) }
    }
}
