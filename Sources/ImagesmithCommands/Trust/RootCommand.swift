import ArgumentParser
import Basics
import Trust
import TrustAuthoring

/// `imagesmith root init|rotate|sign|check`: the root of trust an image carries.
struct RootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "root",
        abstract: "Make, rotate, sign and check the root of trust (TUF root metadata) that images carry.",
        discussion: """
            A root lists the root keys (they sign the next root) and the release keys (they \
            sign releases, revocation lists and rollback authorizations), a threshold for each, \
            its version and its expiry. A box accepts root N+1 only when a threshold of root \
            N's root keys and a threshold of its own have signed it. See docs/imagesmith.md.
            """,
        subcommands: [Init.self, Rotate.self, Sign.self, Check.self]
    )

    struct Keys: ParsableArguments {
        @Option(name: .customLong("root-key"), help: ArgumentHelp("A root key's public key file (repeatable).", valueName: "PUB"))
        var rootKeys: [String] = []

        @Option(name: .customLong("release-key"), help: ArgumentHelp("A release key's public key file (repeatable).", valueName: "PUB"))
        var releaseKeys: [String] = []

        @Option(name: .customLong("root-threshold"), help: ArgumentHelp("Root keys that must sign the next root (default 1, or the previous root's).", valueName: "N"))
        var rootThreshold: Int?

        @Option(name: .customLong("release-threshold"), help: ArgumentHelp("Release keys that must sign a release (default 1, or the previous root's).", valueName: "N"))
        var releaseThreshold: Int?

        @Option(name: .customLong("expires-in"), help: ArgumentHelp("Days until the root expires (1-3650).", valueName: "DAYS"))
        var expiresIn = 365

        @Option(name: .customLong("key"), help: ArgumentHelp("A root private key to sign with now (repeatable; the others sign with `root sign`).", valueName: "KEY"))
        var signingKeys: [String] = []

        func validate() throws {
            _ = try TrustDesk.parseDays(expiresIn, option: "--expires-in", range: 1...3650)
            for (option, value) in [("--root-threshold", rootThreshold), ("--release-threshold", releaseThreshold)] {
                if let value, !(1...256).contains(value) { throw ValidationError("\(option) must be 1 to 256, not \(value).") }
            }
        }

        func change() throws(AuthoringError) -> TrustDesk.RootChange {
            TrustDesk.RootChange(rootKeys: try TrustCommandSupport.publicKeys(rootKeys), rootThreshold: rootThreshold,
                                 releaseKeys: try TrustCommandSupport.publicKeys(releaseKeys), releaseThreshold: releaseThreshold, expiresInDays: expiresIn)
        }
    }

    static func summary(_ root: RootMetadata, path: String, previous: RootMetadata?, desk: TrustDesk) -> [String] {
        var lines = ["\(path): root version \(root.version), expires \(TrustTime.format(root.expires))"]
        for (role, name) in [("root", "root keys"), ("targets", "release keys")] {
            let keys = root.roles[role]?.keyids ?? []
            lines.append("  \(name) (threshold \(root.roles[role]?.threshold ?? 0)): " + keys.map { String($0.prefix(16)) }.joined(separator: ", "))
        }
        lines.append("  " + TrustCommandSupport.thresholdLine("signed by its own root keys", valid: root.validSignatures("root", signatures: root.signatures, over: root.signedBytes, crypto: desk.crypto),
                                                              threshold: root.roles["root"]?.threshold ?? 1))
        if let previous {
            lines.append("  " + TrustCommandSupport.thresholdLine("signed by root \(previous.version)'s root keys", valid: previous.validSignatures("root", signatures: root.signatures, over: root.signedBytes, crypto: desk.crypto),
                                                                  threshold: previous.roles["root"]?.threshold ?? 1))
        }
        return lines
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Make root version 1.",
            discussion: "Exit status: 0 written, 64 usage (an output that exists), 65 a key or threshold that cannot work, 66 a missing key file, 73 cannot write."
        )

        @Option(help: ArgumentHelp("The root file to write.", valueName: "FILE"))
        var out: String

        @OptionGroup var keys: Keys

        func run() throws {
            try TrustCommandSupport.run { () throws(AuthoringError) in
                let desk = try TrustCommandSupport.desk()
                let root = try desk.initRoot(out: out, change: try keys.change(), signers: try TrustCommandSupport.signers(keys.signingKeys))
                return (RootCommand.summary(root, path: out, previous: nil, desk: desk), nil)
            }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate",
            abstract: "Make the next root after PREVIOUS: one version newer, keys and thresholds changed as given.",
            discussion: """
                Sign it with a threshold of PREVIOUS's root keys and a threshold of its own (now \
                with --key, or later with `root sign --previous`); boxes take it with \
                `rollback trust update`. Exit status as for `root init`.
                """
        )

        @Argument(help: ArgumentHelp("The root it follows.", valueName: "PREVIOUS"))
        var previous: String

        @Option(help: ArgumentHelp("The new root file to write.", valueName: "FILE"))
        var out: String

        @OptionGroup var keys: Keys

        func run() throws {
            try TrustCommandSupport.run { () throws(AuthoringError) in
                let desk = try TrustCommandSupport.desk()
                let old = try desk.readRoot(previous)
                let root = try desk.rotateRoot(previous: previous, out: out, change: try keys.change(), signers: try TrustCommandSupport.signers(keys.signingKeys))
                return (RootCommand.summary(root, path: out, previous: old, desk: desk), nil)
            }
        }
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sign",
            abstract: "Add root-key signatures to a root, in place.",
            discussion: "Exit status: 0 signed (complete or not: the output says), 65 not a root or a bad key, 66 a missing file, 73 cannot write."
        )

        @Argument(help: ArgumentHelp("The root to sign.", valueName: "ROOT"))
        var root: String

        @Option(name: .customLong("key"), help: ArgumentHelp("A root private key (repeatable).", valueName: "KEY"))
        var signingKeys: [String] = []

        @Option(help: ArgumentHelp("The root this one follows, to report its signatures too.", valueName: "FILE"))
        var previous: String?

        func validate() throws {
            if signingKeys.isEmpty { throw ValidationError("Give at least one --key.") }
        }

        func run() throws {
            try TrustCommandSupport.run { () throws(AuthoringError) in
                let desk = try TrustCommandSupport.desk()
                let old = try previous.map { path throws(AuthoringError) in try desk.readRoot(path) }
                let signed = try desk.signRoot(root, signers: try TrustCommandSupport.signers(signingKeys))
                return (RootCommand.summary(signed, path: root, previous: old, desk: desk), nil)
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check a root as a box will: complete signatures, and after --previous, exactly the next version.",
            discussion: "Exit status: 0 a box would take it, 65 it would not (the reason is printed), 66 a missing file."
        )

        @Argument(help: ArgumentHelp("The root to check.", valueName: "ROOT"))
        var root: String

        @Option(help: ArgumentHelp("The root the box trusts now.", valueName: "FILE"))
        var previous: String?

        func run() throws {
            try TrustCommandSupport.run { () throws(AuthoringError) in
                let desk = try TrustCommandSupport.desk()
                let old = try previous.map { path throws(AuthoringError) in try desk.readRoot(path) }
                let candidate = try desk.readRoot(root)
                if let problem = desk.checkRoot(candidate, previous: old, document: root) { throw .trust(problem) }
                if candidate.expires <= desk.now {
                    throw .trust(.refused(document: root, detail: "it expired at \(TrustTime.format(candidate.expires))"))
                }
                return (RootCommand.summary(candidate, path: root, previous: old, desk: desk) + ["a box would take it"], nil)
            }
        }
    }
}
