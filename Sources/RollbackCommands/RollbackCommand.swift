import ArgumentParser

/// `rollback`: keeps the previous release beside the current one and swaps between them.
/// Its subcommands arrive with the rollback work.
public struct RollbackCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Swap an edge box back to its previous release (not yet implemented: prints this help).",
        version: "0.1.0"
    )

    public init() {}

    public func run() throws {
        print(Self.helpMessage())
    }
}
