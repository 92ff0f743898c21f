import ArgumentParser
import Basics
import BoxConfig
import FoundationEssentials
import HostIO
import SiteSpec

/// `provision first-boot`: what edge-provision.service runs on a box's first boot at a site.
/// Finds the site spec (a removable volume labelled EDGE-SITE, else the spec already on the
/// box), applies it, brings it into effect for this boot, and marks the box configured.
struct FirstBootCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "first-boot",
        abstract: "First boot at a site: find the site spec (a volume labelled EDGE-SITE, else the saved spec), apply it, bring it into effect.",
        discussion: """
            Where the spec comes from, first match wins: a volume (USB stick, CD or ISO seed) \
            whose file system is labelled with a --volume-label, holding site_spec.json in its \
            top directory (mounted read-only, nosuid, nodev, noexec for the read only; waited \
            for up to --volume-wait seconds when the box has no spec yet); else \
            \(ProvisionCommand.defaultSpecPath). A spec from a volume is validated before \
            anything is written and then saved as \(ProvisionCommand.defaultSpecPath) (0600). \
            Then the configuration is written as `provision apply --skip-registration` does, \
            netplan's network files are rendered for this boot and the running host name is \
            set, and \(ProvisionMarkers.configured) is written last. Registration is left to \
            `provision register` (edge-provision-register.service, once the network is online \
            and the clock set). Exit status: 0 configured (or already), 65 invalid spec \
            (nothing written), 66 no spec found or the volume unreadable, 73 cannot write, \
            1 the configuration is written but could not be brought into effect.
            """
    )

    @Option(name: .customLong("volume-label"), help: ArgumentHelp("File-system label of a volume carrying site_spec.json (repeat for more).", valueName: "LABEL"))
    var volumeLabels: [String] = ["EDGE-SITE"]

    @Option(name: .customLong("volume-wait"), help: ArgumentHelp("When the box has no spec yet, wait this long for a labelled volume to appear (USB sticks enumerate late).", valueName: "SECONDS"))
    var volumeWait: Double = 20

    @Option(help: ArgumentHelp("The spec already on the box (and where a volume's spec is saved).", valueName: "PATH"))
    var spec: String = ProvisionCommand.defaultSpecPath

    @Option(help: ArgumentHelp("Treat every path as relative to this directory (tests); nothing is brought into effect on the running system then.", valueName: "DIR"))
    var root = "/"

    @Option(name: .customLong("network-renderer"), help: "Write netplan or systemd-networkd files.")
    var networkRenderer: BoxConfigurator.NetworkRenderer = .netplan

    func validate() throws {
        guard volumeWait >= 0, volumeWait <= 600 else { throw ValidationError("--volume-wait must be 0-600 seconds.") }
        guard !volumeLabels.isEmpty, volumeLabels.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 64 && !$0.contains("/") && $0.allSatisfy { $0.isASCII && !$0.isWhitespace } }) else {
            throw ValidationError("--volume-label must be a file-system label: 1-64 ASCII characters, no spaces or slashes.")
        }
        guard spec.hasPrefix("/") else { throw ValidationError("--spec must be an absolute path on the box.") }
    }

    func run() async throws {
        let rootPrefix = root == "/" ? "" : root
        let renderer = networkRenderer
        let outcome = try FirstBoot(root: rootPrefix, specPath: spec, renderer: renderer,
                                    volume: SiteVolume(access: SystemVolumes(), labels: volumeLabels,
                                                       mountDirectory: rootPrefix + "/run/edge-provision/volume"),
                                    volumeWait: volumeWait,
                                    activation: rootPrefix.isEmpty ? SystemActivation() : nil,
                                    environment: ProcessInfo.processInfo.environment).run()
        if outcome != 0 { throw ExitCode(outcome) }
    }
}

/// The rules of the first boot over its seams (the volume, the running system).
struct FirstBoot {
    var root: String
    var specPath: String
    var renderer: BoxConfigurator.NetworkRenderer
    var volume: SiteVolume
    var volumeWait: Double
    /// nil when the configuration is written under a directory root (nothing to activate).
    var activation: (any Activation)?
    var environment: [String: String]

    /// The exit status; throws `ExitCode` for the failures `ApplyStep` reports itself.
    func run() throws -> Int32 {
        if ProvisionMarkers.exists(ProvisionMarkers.configured, root: root) {
            print("provision: already configured (\(ProvisionMarkers.configured) exists); nothing to do")
            return 0
        }
        let saved = root + specPath
        let haveLocal = FileInfo.isRegularFile(saved)
        let site: SiteSpec
        let source: String
        do {
            if let found = try volume.read(wait: haveLocal ? 0 : volumeWait) {
                // Checked before anything is written: a bad stick changes nothing on the box.
                do { site = try SpecLoader.parse(found.bytes, name: found.name, root: root.isEmpty ? nil : root) }
                catch {
                    StandardStreams.error("provision: \(error.message)\n")
                    StandardStreams.error("provision: the site spec on \(found.label) is invalid; nothing was changed (fix the file on the volume and reboot, or run provision first-boot again)\n")
                    return error.code
                }
                do {
                    try AtomicFile.makeDirectory(Path.parent(saved))
                    try AtomicFile.write(found.bytes, to: saved, mode: 0o600)
                } catch {
                    StandardStreams.error("provision: cannot save the site spec from \(found.label): \(error)\n")
                    return 73
                }
                source = found.name
                print("provision: using \(found.name); saved as \(specPath)")
            } else if haveLocal {
                do { site = try SpecLoader.load(saved, root: root.isEmpty ? nil : root) }
                catch {
                    StandardStreams.error("provision: \(error.message)\n")
                    return error.code
                }
                source = specPath
                print("provision: using \(specPath) (no volume labelled \(volume.labels.joined(separator: " or ")) is attached)")
            } else {
                StandardStreams.error("provision: no site spec: no volume labelled \(volume.labels.joined(separator: " or ")) appeared within \(Int(volumeWait)) s and \(specPath) does not exist; attach the site's volume and reboot, or run provision apply with the spec (a path or an https URL)\n")
                return 66
            }
        } catch {
            StandardStreams.error("provision: \(error.description); nothing was changed\n")
            return 66
        }

        let machineIDBefore = FileManager.default.contents(atPath: root + "/etc/machine-id")
        let journal = try ApplyStep.run(site: site, specPath: saved, root: root, renderer: renderer, environment: environment)
        let machineIDReplaced = FileManager.default.contents(atPath: root + "/etc/machine-id") != machineIDBefore

        if let activation {
            do {
                if renderer == .netplan { try activation.renderNetplan() }
                try activation.setHostname(site.device.hostname)
                if machineIDReplaced { try activation.restartJournal() }
            } catch {
                StandardStreams.error("provision: the configuration is written but not in effect for this boot: \(error.description); it takes effect at the next boot\n")
                return 1
            }
        } else {
            print("provision: written under \(root); nothing brought into effect on this machine")
        }
        do {
            try ProvisionMarkers.write(ProvisionMarkers.configured, root: root, detail: "site \(site.site.id) spec sha256 \(journal.specSHA256)")
        } catch {
            StandardStreams.error("provision: configured, but cannot record it: \(error)\n")
            return 73
        }
        // Said again at the end: with a replaced machine id, the lines above went to the journal
        // of the old id.
        print("provision: first boot done: \(site.device.hostname) at \(site.site.id) from \(source)"
              + (machineIDReplaced ? "; the machine id was replaced (it was missing, malformed or the golden image's)" : "")
              + "; registration follows once the network is online")
        return 0
    }
}
