import ArgumentParser
import RollbackEngine

/// The signed-release inputs `install` and `verify` take.
struct SignedOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The release's signature (default: BUNDLE.sig).", valueName: "FILE"))
    var signature: String?

    @Option(help: ArgumentHelp("A signed rollback authorization, for a release older than the highest installed.", valueName: "FILE"))
    var authorization: String?

    @Option(name: .customLong("os-image"), help: ArgumentHelp("The OS image written for this release (file or block device): its sha256 must be the signed one.", valueName: "PATH"))
    var osImage: String?

    var inputs: Rollback.SignedInputs { Rollback.SignedInputs(signature: signature, authorization: authorization, osImage: osImage) }
}
