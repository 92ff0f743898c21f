import ArgumentParser
import RollbackEngine
import Basics

/// `rollback`: keeps the previous release (OS image slot + container digests) beside the
/// current one and swaps between them atomically, by hand or when health checks fail.
public struct RollbackCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Keep the previous release beside the current one and swap back to it atomically.",
        discussion: """
            A release is an imagesmith bundle (lock, compose files, health checks) plus the OS \
            image slot it runs on. State lives under /var/lib/edge-rollback (relative to --root). \
            Exit codes: 0 done; 1 health checks failed (not rolled back); 2 checks failed in the \
            trial window with nothing to fall back to; 3 target release not intact (nothing \
            changed), or for status: the previous release is not intact, so the box cannot roll back; 4 checks failed and the box rolled back; 64 usage; 65 bad bundle or state; \
            69 docker failed; 73 a file could not be written; 75 another rollback is running or a reboot is pending. \
            With --json every outcome is JSON on stdout; a failure is {"error", "exit_code"}.
            """,
        version: ToolchainVersion.current,
        subcommands: [StatusCommand.self, ListCommand.self, InstallCommand.self, ActivateCommand.self, ToCommand.self,
                      CheckCommand.self, CommitCommand.self, PruneCommand.self, RepairCommand.self, UpCommand.self,
                      VerifyCommand.self, TrustCommand.self]
    )

    public init() {}
}
