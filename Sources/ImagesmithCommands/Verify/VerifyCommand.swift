import ArgumentParser
import Basics
import Foundation

/// `imagesmith verify LOCK`: has anything moved since we pinned?
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-resolve every tag of a lock and report what has moved since it was pinned.",
        discussion: """
            Tags are always asked for again (content already seen comes from the local cache). \
            Containers kept on an unresolvable tag are reported until they are pinned. \
            Exit status: 0 nothing moved, 1 something drifted or is still unpinned, 65 an \
            invalid lock, 66 a missing file, 69 a registry could not be checked.
            """
    )

    @Argument(help: ArgumentHelp("The lock to check.", valueName: "LOCK"))
    var lock: String

    @Flag(help: "Print the findings as JSON (a failure to check as {\"error\", \"exit_code\"}).")
    var json = false

    @OptionGroup var registry: RegistryOptions

    func run() async throws {
        let code = await VerifyRunner(lockPath: lock, json: json, registry: registry.setup,
                                      environment: ProcessInfo.processInfo.environment, output: .standard).run()
        if code != .success { throw ExitCode(code.rawValue) }
    }
}
