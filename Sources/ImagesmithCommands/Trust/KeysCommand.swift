import ArgumentParser
import Basics
import HostIO
import TrustAuthoring

/// `imagesmith keys generate`: a new Ed25519 key pair for a root or release role.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Make the Ed25519 keys that sign roots of trust and releases.",
        subcommands: [Generate.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Make a key pair: NAME.key (private, mode 0600) and NAME.pub in DIR.",
            discussion: """
                Prints the key id (the sha256 of its TUF key object), which roots and \
                signatures name it by. A key file is never replaced. Keep release and root \
                private keys off the build machines (a CI job that signs gets the release key \
                only, for the signing step). Exit status: 0 made, 64 a file exists, 73 cannot write.
                """
        )

        @Option(help: ArgumentHelp("Directory for the key files (made 0700 if missing).", valueName: "DIR"))
        var out: String

        @Option(help: ArgumentHelp("The key's file name (letters, digits, '-', '_', '.').", valueName: "NAME"))
        var name: String

        func validate() throws {
            guard !name.isEmpty, name.utf8.count <= 64, !name.hasPrefix("."),
                  name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                throw ValidationError("--name '\(name.printable)' must be 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'.")
            }
        }

        func run() throws {
            try TrustCommandSupport.run { () throws(AuthoringError) in
                let key = try KeyFiles.generate(in: out, name: name, files: LocalFileSystem())
                return (["\(Path.join(out, name + ".key")) (private: keep it secret), \(Path.join(out, name + ".pub"))", "key id \(key.keyid)"], nil)
            }
        }
    }
}
