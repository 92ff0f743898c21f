import ArgumentParser
import Basics
import FoundationEssentials

/// `provision register SPEC`: registration only (run after the network is online and the
/// clock is set, by edge-provision-register.service).
struct RegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register the box with the central dashboard (HTTPS); retried until it succeeds.",
        discussion: "Exit status: 0 registered, 75 pending (retry later), 1 refused by the dashboard, 65/66 bad or missing spec."
    )

    @OptionGroup var source: SpecSource

    @Option(help: ArgumentHelp("Treat every path as relative to this directory.", valueName: "DIR"))
    var root = "/"

    @Option(name: .customLong("registration-deadline"), help: ArgumentHelp("Give up registering after this many seconds (it is retried on the next run).", valueName: "SECONDS"))
    var registrationDeadline: Double = 120

    func run() async throws {
        let rootPrefix = root == "/" ? "" : root
        let spec = try await source.localPath(root: rootPrefix)
        let site = try SpecLoader.loadOrExit(spec, root: rootPrefix)
        var journal = Journal.load(root: rootPrefix) ?? Journal(specSHA256: "", steps: [:], configured: false, registration: .init(state: .pending, attempts: 0))
        let code = await RegistrationStep.run(spec: site, root: rootPrefix, deadline: .milliseconds(Int64(registrationDeadline * 1000)), journal: &journal)
        if code != .success { throw ExitCode(code.rawValue) }
    }
}
