import ArgumentParser
import RollbackEngine

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a release bundle and its signature as `install` would, writing nothing.",
        discussion: "Exit status: 0 `install` would take it, 64 usage, 65 refused (the reason is printed), 66 a missing file.")

    @OptionGroup var options: RollbackOptions

    @Argument(help: ArgumentHelp("The bundle, <name>-<version>.tar.gz.", valueName: "BUNDLE"))
    var bundle: String

    @Option(name: .customLong("os-version"), help: ArgumentHelp("The OS image version the release would run on.", valueName: "V"))
    var osVersion: String?

    @OptionGroup var signed: SignedOptions

    func run() throws {
        try options.perform({ rollback throws(RollbackError) in
            try rollback.verify(bundlePath: bundle, osVersion: osVersion, signed: signed.inputs)
        }, text: { result in
            guard result.signed else { return ["\(result.image) \(result.version): bundle intact; not signed (this box has no root of trust)"] }
            return ["\(result.image) \(result.version): signed, release counter \(result.releaseCounter ?? 0), expires \(result.expires ?? "?"), for \((result.hardware ?? []).joined(separator: ", "))\(result.authorizedRollback ? "; older than the highest installed, authorized" : "")",
                    "install would take it"]
        })
    }
}
