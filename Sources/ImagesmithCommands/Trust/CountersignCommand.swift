import ArgumentParser
import Basics
import TrustAuthoring

/// `imagesmith countersign FILE`: a second release key signs what the first signed.
struct CountersignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "countersign",
        abstract: "Add release-key signatures to a signed release, revocation list or rollback authorization, in place.",
        discussion: "For a release threshold above 1: each holder of a release key signs in turn. Exit status: 0 signed, 65 not a signed document or a bad key, 66 a missing file, 73 cannot write."
    )

    @Argument(help: ArgumentHelp("The signature file (a DSSE envelope).", valueName: "FILE"))
    var file: String

    @Option(name: .customLong("key"), help: ArgumentHelp("A release private key (repeatable).", valueName: "KEY"))
    var signingKeys: [String] = []

    @Option(help: ArgumentHelp("The root of trust, to report the release threshold.", valueName: "FILE"))
    var root: String?

    func validate() throws {
        if signingKeys.isEmpty { throw ValidationError("Give at least one --key.") }
    }

    func run() throws {
        try TrustCommandSupport.run { () throws(AuthoringError) in
            let desk = try TrustCommandSupport.desk()
            let document = try desk.countersign(file, signers: try TrustCommandSupport.signers(signingKeys), root: root)
            var lines = ["\(document.path): signed by " + document.envelope.signatures.map { String($0.keyid.prefix(16)) }.joined(separator: ", ")]
            if let valid = document.valid, let threshold = document.threshold { lines.append("  " + TrustCommandSupport.thresholdLine("release keys", valid: valid, threshold: threshold)) }
            return (lines, nil)
        }
    }
}
