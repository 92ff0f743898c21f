import ArgumentParser
import Provisioning
import Basics
import FoundationEssentials
import SiteSpec

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

    func validate() throws {
        try ProvisionWiring.checkRegistrationDeadline(registrationDeadline)
    }

    func run() async throws {
        let context = ProvisionWiring.context(root: root)
        let site: SiteSpec
        do { site = try await source.load(context, save: true).loaded.spec } catch { throw ProvisionWiring.fail(error) }
        var journal = Journal.load(context) ?? .empty
        try await ProvisionWiring.register(site, context: context, deadline: registrationDeadline, journal: &journal)
    }
}
