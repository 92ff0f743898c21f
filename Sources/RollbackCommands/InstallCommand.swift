import ArgumentParser
import RollbackEngine
import Release

struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Check a release bundle from `imagesmith build` and record it as a release.",
        discussion: """
            Refuses entries with '..', absolute paths, links or devices, oversized archives, and \
            any file that does not match SHA256SUMS. The release runs on OS image --os-version \
            (default: the bundle's version) in the slot that holds it; when a new OS image was \
            just written to a slot, name it with --os-slot.
            """)

    @OptionGroup var options: RollbackOptions

    @Argument(help: ArgumentHelp("The bundle, <name>-<version>.tar.gz.", valueName: "BUNDLE"))
    var bundle: String

    @Option(name: .customLong("os-slot"), help: ArgumentHelp("The boot slot the release's OS image was written to.", valueName: "SLOT"))
    var osSlot: Slot?

    @Option(name: .customLong("os-version"), help: ArgumentHelp("The OS image version the release runs on (default: the bundle's version).", valueName: "V"))
    var osVersion: String?

    func run() throws {
        try options.perform({ rollback throws(RollbackError) in
            try rollback.install(bundlePath: bundle, osSlot: osSlot, osVersion: osVersion)
        }, text: { result in
            (result.alreadyInstalled ? ["\(result.version) is already installed (same bundle)"]
                : ["installed \(result.image) \(result.version) (OS \(result.osVersion) in slot \(result.osSlot))"])
                + result.warnings.map { "warning: \($0)" }
        })
    }
}
