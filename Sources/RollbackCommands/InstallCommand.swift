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
            (default: the signed OS image's version, else the bundle's) in the slot that holds \
            it; when a new OS image was just written to a slot, name it with --os-slot. On a box \
            whose image carries a root of trust, the release's signature (BUNDLE.sig unless \
            --signature) is verified first and nothing is written unless it holds: the release \
            keys' threshold, this bundle's image, version and files, this box's hardware, not \
            expired, not revoked, and a release counter not below the highest installed (unless \
            --authorization names it). Exit status: 0 installed, 64 usage, 65 refused (the \
            reason is printed), 66 a missing file, 73 cannot write, 75 another rollback is running.
            """)

    @OptionGroup var options: RollbackOptions

    @Argument(help: ArgumentHelp("The bundle, <name>-<version>.tar.gz.", valueName: "BUNDLE"))
    var bundle: String

    @Option(name: .customLong("os-slot"), help: ArgumentHelp("The boot slot the release's OS image was written to.", valueName: "SLOT"))
    var osSlot: Slot?

    @Option(name: .customLong("os-version"), help: ArgumentHelp("The OS image version the release runs on (default: the bundle's version).", valueName: "V"))
    var osVersion: String?

    @OptionGroup var signed: SignedOptions

    func run() throws {
        try options.perform({ rollback throws(RollbackError) in
            try rollback.install(bundlePath: bundle, osSlot: osSlot, osVersion: osVersion, signed: signed.inputs)
        }, text: { result in
            let signature = result.releaseCounter.map { ", signed, release counter \($0)\(result.authorizedRollback ? ", older than the highest installed: authorized" : "")" } ?? ""
            return (result.alreadyInstalled ? ["\(result.version) is already installed (same bundle)\(signature)"]
                : ["installed \(result.image) \(result.version) (OS \(result.osVersion) in slot \(result.osSlot))\(signature)"])
                + result.warnings.map { "warning: \($0)" }
        })
    }
}
