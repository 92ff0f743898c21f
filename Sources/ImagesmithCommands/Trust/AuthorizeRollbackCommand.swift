import ArgumentParser
import Basics
import TrustAuthoring

/// `imagesmith authorize-rollback SIGNATURE`: lets boxes install an older release again.
struct AuthorizeRollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize-rollback",
        abstract: "Sign a rollback authorization: boxes that installed newer releases may install this older one again.",
        discussion: """
            Names the release (image, version, counter) read from its signature file and expires \
            (default 7 days). The usual way back to old content is a new release with a higher \
            counter; this is for when that cannot wait. Give it to `rollback install \
            --authorization`. Exit status: 0 written, 64 usage, 65 not a release signature or a \
            bad key, 66 a missing file, 73 cannot write.
            """
    )

    @Argument(help: ArgumentHelp("The older release's signature file (BUNDLE.sig).", valueName: "SIGNATURE"))
    var signature: String

    @Option(name: .customLong("key"), help: ArgumentHelp("A release private key (repeatable).", valueName: "KEY"))
    var signingKeys: [String] = []

    @Option(help: ArgumentHelp("The authorization file to write.", valueName: "FILE"))
    var out: String

    @Option(name: .customLong("expires-in"), help: ArgumentHelp("Days it is valid for (1-90).", valueName: "DAYS"))
    var expiresIn = 7

    @Option(help: ArgumentHelp("The root of trust: the release's signature must meet its release threshold.", valueName: "FILE"))
    var root: String?

    func validate() throws {
        if signingKeys.isEmpty { throw ValidationError("Give at least one --key.") }
        _ = try TrustDesk.parseDays(expiresIn, option: "--expires-in", range: 1...90)
    }

    func run() throws {
        try TrustCommandSupport.run { () throws(AuthoringError) in
            let desk = try TrustCommandSupport.desk()
            let (document, authorization) = try desk.authorizeRollback(signature, expiresInDays: expiresIn, out: out,
                                                                       signers: try TrustCommandSupport.signers(signingKeys), root: root)
            return (["\(document.path): \(authorization.image) \(authorization.version) (release counter \(authorization.releaseCounter)) may be installed again until \(authorization.expires)"], nil)
        }
    }
}
