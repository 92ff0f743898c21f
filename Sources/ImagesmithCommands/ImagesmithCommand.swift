import ArgumentParser
import Basics

/// `imagesmith`: builds golden edge images whose containers are pinned by digest.
public struct ImagesmithCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "imagesmith",
        abstract: "Pin container images by digest and build golden edge images from them.",
        discussion: """
            Exit status: 0 success, 64 usage error, 65 invalid input (reference, config file), \
            69 registry unreachable or refusing, 1 anything else (a digest that does not verify, \
            a missing platform).
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
