import ArgumentParser
import Basics
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
            no pin is printed on stdout (with --json, an error object), and the exit status is 65 (invalid reference), \
            69 (registry unreachable or refusing) or 1 (content that does not verify, a \
            missing platform).
            """
    )

    @Option(help: ArgumentHelp("Also pick the child manifest for this platform.", valueName: "os/arch[/variant]"),
            transform: { text in
                do { return try Platform(parsing: text) } catch { throw ValidationError("\(error)") }
            })
    var platform: Platform?

    @Flag(help: "Print a JSON array instead of lines (a failure as {\"error\", \"exit_code\", \"failures\"}).")
    var json = false

    @OptionGroup var registry: RegistryOptions

    @Argument(help: ArgumentHelp("Image references, e.g. nginx:1.27 or ghcr.io/org/app@sha256:...", valueName: "REF"))
    var references: [String] = []

    func validate() throws {
        guard !references.isEmpty else { throw ValidationError("Give at least one image reference.") }
    }

    func run() async throws {
        let code = await ResolveRunner(
            references: references, platform: platform, json: json, registry: registry.setup,
            environment: ProcessInfo.processInfo.environment, output: .standard
        ).run()
        if code != .success { throw ExitCode(code.rawValue) }
    }
}
