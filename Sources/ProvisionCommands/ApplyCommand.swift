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
            Applying another spec (or the same with another renderer) converges: what an \
            earlier apply wrote that this one does not is put back as the image had it. On the \
            running system (no --root) the configuration is brought into effect as first-boot \
            does: netplan's files rendered, the running host name set. Then registers with the \
            dashboard unless --skip-registration. Exit status: 0 configured (and registered), \
            75 configured but registration pending (retried on the next run), 1 registration \
            refused, or written but not brought into effect, 65 invalid spec or one that does \
            not fit the image (nothing written), 66 spec unreadable, 69 the spec URL cannot be \
            reached, 73 cannot write.
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
        var journal: Journal
        var changed: Set<String>
        let site: SiteSpec
        let machineIDBefore = context.files.contents(context.path("/etc/machine-id"))
        do {
            let (loaded, name) = try await source.load(context, save: true)
            site = loaded.spec
            (journal, changed) = try ApplyStep.runChanging(site: site, specBytes: loaded.bytes, specName: name, renderer: networkRenderer, context: context)
        } catch {
            throw ProvisionWiring.fail(error)
        }
        if context.root.isEmpty {
            // The running system: what was written takes effect now, not at the next boot, and
            // only the services whose files changed are touched.
            let replaced = context.files.contents(context.path("/etc/machine-id")) != machineIDBefore
            do {
                let done = try ApplyStep.reconfigure(site, renderer: networkRenderer, changed: changed, machineIDReplaced: replaced, activation: SystemActivation())
                context.say(done.isEmpty ? "provision: nothing to reload or restart" : done.map { "provision: \($0)" }.joined(separator: "\n"))
            } catch {
                StandardStreams.error("provision: the configuration is written but not in effect: \(error.description); it takes effect at the next boot\n")
                throw ExitCode(ExitStatus.failure.rawValue)
            }
        }
        if !skipRegistration {
            try await ProvisionWiring.register(site, context: context, deadline: registrationDeadline, journal: &journal)
        }
    }
}
