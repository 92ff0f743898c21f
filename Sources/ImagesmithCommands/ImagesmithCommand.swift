import ArgumentParser
import Basics

/// `imagesmith`: builds golden edge images whose containers are pinned by digest.
public struct ImagesmithCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "imagesmith",
        abstract: "Pin container images by digest and build golden edge images from them.",
        discussion: """
            Each command's own statuses are in its --help and in \
            /usr/share/doc/edge-imagesmith/imagesmith.md. \
            Exit status: 0 success; 1 refused by a rule, or anything else (a digest that does \
            not verify, a missing platform, drift found); 64 usage; 65 invalid input (a \
            definition, lock, reference, credentials file, key or store record: the file and \
            place are named); 66 an input file missing or unreadable; 69 a registry or store \
            unreachable or refusing; 73 an output could not be written; 75 a fleet record \
            changed meanwhile (try again).
            """,
        version: ToolchainVersion.current,
        subcommands: [
            ResolveCommand.self, BuildCommand.self, DiffCommand.self, VerifyCommand.self,
            KeysCommand.self, RootCommand.self, SignCommand.self, CountersignCommand.self, RevokeCommand.self, AuthorizeRollbackCommand.self,
            FleetCommand.self, TagsCommand.self,
        ]
    )

    public init() {}
}
