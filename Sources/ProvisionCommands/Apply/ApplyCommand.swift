import Basics
import ArgumentParser
import BoxConfig
import FoundationEssentials
import Hashing
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

    @Option(name: .customLong("network-renderer"), help: "Write netplan (default) or systemd-networkd files.")
    var networkRenderer: String = "netplan"

    @Flag(name: .customLong("skip-registration"), help: "Configure only; leave registration to `provision register` (the first-boot unit does this: it runs before the network is online).")
    var skipRegistration = false

    @Option(name: .customLong("registration-deadline"), help: ArgumentHelp("Give up registering after this many seconds (it is retried on the next run).", valueName: "SECONDS"))
    var registrationDeadline: Double = 120

    func validate() throws {
        guard BoxConfigurator.NetworkRenderer(rawValue: networkRenderer) != nil else {
            throw ValidationError("--network-renderer must be netplan or networkd, not '\(networkRenderer)'.")
        }
    }

    func run() async throws {
        let rootPrefix = root == "/" ? "" : root
        let spec = try await source.localPath(root: rootPrefix)
        let site: SiteSpec
        do { site = try SpecLoader.load(spec, root: rootPrefix.isEmpty ? nil : rootPrefix) }
        catch {
            StandardStreams.error("provision: \(error.message)\n")
            throw ExitCode(error.code)
        }
        let environment = ProcessInfo.processInfo.environment
        do {
            let specSHA = try Hash.fileHex(at: spec)
            var journal = Journal.load(root: rootPrefix) ?? Journal(specSHA256: specSHA, steps: [:], configured: false,
                                                                    registration: .init(state: "pending", attempts: 0))
            if journal.specSHA256 != specSHA {
                journal.specSHA256 = specSHA
                journal.configured = false
            }
            let applier = Applier(root: rootPrefix, crashPoints: CrashPoints(variable: "PROVISION_CRASH_AT", environment: environment))
            try AtomicFile.makeDirectory(applier.stateDirectory, mode: 0o700)
            applier.removeStaleStateTemporaries()
            var host = HostState.read(root: rootPrefix)
            // The new machine id is chosen once and kept, so a re-run after a crash writes the
            // same one instead of another.
            host.newMachineID = try Identity.machineIDCandidate(stateDirectory: applier.stateDirectory)
            let configurator = BoxConfigurator(spec: site, renderer: BoxConfigurator.NetworkRenderer(rawValue: networkRenderer) ?? .netplan,
                                               source: Path.name(spec))
            try applier.apply(configurator.plan(for: host), journal: &journal)
            journal.configured = true
            try journal.save(root: rootPrefix)
            print("provision: \(site.device.hostname) at \(site.site.id) is configured (\(journal.steps.count) steps durable)")
            if !skipRegistration {
                let code = await RegistrationStep.run(spec: site, root: rootPrefix, deadline: .milliseconds(Int64(registrationDeadline * 1000)), journal: &journal)
                if code != 0 { throw ExitCode(code) }
            }
        } catch let error as HostIOError {
            StandardStreams.error("provision: \(error)\n")
            throw ExitCode(73)
        }
    }
}

enum Identity {
    /// A machine id candidate stored in the state directory before it is used.
    static func machineIDCandidate(stateDirectory: String) throws -> String {
        let path = stateDirectory + "/machine-id.new"
        if let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self).trimmed
            if text.count == 32, text.allSatisfy(\.isHexDigit) { return text }
        }
        let fresh = HostState.randomMachineID()
        try AtomicFile.write(Array((fresh + "\n").utf8), to: path, mode: 0o600)
        return fresh
    }
}
