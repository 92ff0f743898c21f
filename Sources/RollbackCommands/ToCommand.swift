import ArgumentParser
import RollbackEngine

struct ToCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "to",
        abstract: "Swap back to the previous release (or to VERSION), atomically.",
        discussion: """
            Before touching anything, verifies the target: bundle files against their sums, its \
            OS image still in its slot, and every pinned digest in the local image store for the \
            right platform. If anything is missing it lists it, changes nothing and exits 3. The \
            release rolled back from is marked bad.
            """)

    @OptionGroup var options: RollbackOptions

    @Argument(help: ArgumentHelp("'previous' or an installed version.", valueName: "previous|VERSION"))
    var target: String

    @Flag(help: "Switch to a release that is marked bad.")
    var force = false

    @Flag(name: .customLong("dry-run"), help: "Show the plan and change nothing.")
    var dryRun = false

    @Flag(name: .customLong("reboot-if-needed"), help: "When the target runs on the other OS slot, run `systemctl reboot` after the swap.")
    var rebootIfNeeded = false

    func run() throws {
        try options.perform({ rollback throws(RollbackError) in
            try rollback.rollBack(to: target, force: force, dryRun: dryRun, rebootIfNeeded: rebootIfNeeded)
        }, text: SwitchText.lines)
    }
}
