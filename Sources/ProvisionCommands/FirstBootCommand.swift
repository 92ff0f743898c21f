import ArgumentParser
import Provisioning
import Basics
import BoxConfig
import FoundationEssentials
import HostIO
import SiteSpec
#if canImport(Glibc)
import Glibc
#endif

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
        let context = ProvisionWiring.context(root: root)
        // The volume's mount point: the box's own on the running system; under another root, a
        // private directory of this run's outside it (mount(8) follows links, so a mount point
        // inside a root could be led out of it by a link the root holds).
        var scratch: String?
        if !context.root.isEmpty {
            var template = Array((FileManager.default.temporaryDirectory.path + "/edge-provision-volume.XXXXXX").utf8CString)
            guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
                StandardStreams.error("provision: cannot make a private mount point: \(String(cString: strerror(errno)))\n")
                throw ExitCode(ExitStatus.cannotWrite.rawValue)
            }
            scratch = String(cString: template)
        }
        defer { if let scratch { rmdir(scratch) } }
        let outcome = FirstBoot(context: context, specPath: spec, renderer: networkRenderer,
                                volume: SiteVolume(access: SystemVolumes(), labels: volumeLabels,
                                                   mountDirectory: scratch ?? "/run/edge-provision/volume"),
                                volumeWait: volumeWait,
                                activation: context.root.isEmpty ? SystemActivation() : nil).run()
        if outcome != .success { throw ExitCode(outcome.rawValue) }
    }
}
