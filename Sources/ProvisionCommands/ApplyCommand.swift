import Basics
import ArgumentParser
import Provisioning
import BoxConfig
import FoundationEssentials
import HostIO
import SiteSpec

/// `provision apply SPEC [--root DIR]`: write the configuration, crash-safely, and remember
/// what is done. Safe to run again at any time (after a power cut, say).
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Write the network, time, hostname, hosts and identity configuration from a site spec.",
        discussion: """
            Every write is temp file + fsync + rename + directory fsync; replaced files are \
            backed up once under /var/lib/edge-provision/backup; the journal there records a \
            step only after it is durable. Run it again after an interruption: it converges. \
            Then registers with the dashboard unless --skip-registration. Exit status: 0 \
            configured (and registered), 75 configured but registration pending (retried on \
            the next run), 1 registration refused, 65 invalid spec (nothing written), 66 spec \
            unreadable, 73 cannot write.
            """
    )

    @OptionGroup var source: SpecSource

    @Option(help: ArgumentHelp("Treat every path as relative to this directory (for image builds and tests).", valueName: "DIR"))
    var root = "/"

    @Option(name: .customLong("network-renderer"), help: "Write netplan or systemd-networkd files.")
    var networkRenderer: BoxConfigurator.NetworkRenderer = .netplan

    @Flag(name: .customLong("skip-registration"), help: "Configure only; leave registration to `provision register` (the first-boot unit does this: it runs before the network is online).")
    var skipRegistration = false

    @Option(name: .customLong("registration-deadline"), help: ArgumentHelp("Give up registering after this many seconds (it is retried on the next run).", valueName: "SECONDS"))
    var registrationDeadline: Double = 120

    func validate() throws {
        try ProvisionWiring.checkRegistrationDeadline(registrationDeadline)
    }

    func run() async throws {
        let context = ProvisionWiring.context(root: root)
        let spec = try await source.localPath(context)
        var journal: Journal
        let site: SiteSpec
        do {
            let loaded = try SpecLoader.load(spec, context: context)
            site = loaded.spec
            journal = try ApplyStep.run(site: site, specBytes: loaded.bytes, specName: Path.name(spec), renderer: networkRenderer, context: context)
        } catch {
            throw ProvisionWiring.fail(error)
        }
        if !skipRegistration {
            try await ProvisionWiring.register(site, context: context, deadline: registrationDeadline, journal: &journal)
        }
    }
}
