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
            The state, the A/B boot selection and the crash safety: \
            /usr/share/doc/edge-imagesmith-box/rollback.md; signed releases: signed-releases.md there. \
            With --json every outcome is JSON on stdout; a failure is {"error", "exit_code"}. \
            Exit status: 0 done (or nothing to do); 1 health checks failed outside the trial window \
            (nothing changed), or status and list found problems; 2 checks failed in the trial \
            window with nothing intact to fall back to; 3 the target release is not intact \
            (nothing changed), or for status: the previous release is not intact, so the box \
            cannot roll back; 4 checks failed and the box rolled back; 64 usage; 65 a bad \
            bundle, signature or state; 66 the bundle is missing, unreadable or not a regular \
            file; 69 docker (or another program) failed; 73 a file could not be written; 75 \
            another rollback is running, or a reboot is pending.
            """,
        version: ToolchainVersion.current,
        subcommands: [StatusCommand.self, ListCommand.self, InstallCommand.self, ActivateCommand.self, ToCommand.self,
                      CheckCommand.self, CommitCommand.self, PruneCommand.self, RepairCommand.self, UpCommand.self,
                      VerifyCommand.self, TrustCommand.self]
    )

    public init() {}
}
