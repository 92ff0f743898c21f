import ArgumentParser
import RollbackEngine
import Basics

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run the current release's health checks; inside its trial window a failure rolls back.",
        discussion: """
            HTTP status, TCP connect, command exit code and container-running checks, each with \
            its timeout and retries. Also notices when GRUB fell back from a trial slot. Exit 0 \
            passed (or committed), 1 failed outside the trial window, 4 failed and rolled back, \
            2 failed with nothing intact to roll back to, 75 a reboot into the release's slot is \
            pending.
            """)

    @OptionGroup var options: RollbackOptions

    @Flag(name: .customLong("auto-commit"), help: "Commit the release when it passes after its trial window.")
    var autoCommit = false

    @Flag(name: .customLong("reboot-if-needed"), help: "After an automatic rollback to another OS slot, run `systemctl reboot`.")
    var rebootIfNeeded = false

    func run() throws {
        try options.perform({ rollback throws(RollbackError) in try rollback.check(autoCommit: autoCommit, rebootIfNeeded: rebootIfNeeded) }, text: { result in
            var lines: [String] = []
            switch result.outcome {
            case .passed: lines.append("\(result.release): all health checks passed")
            case .committed: lines.append("\(result.release): passed, committed")
            case .failed: lines.append("\(result.release): health checks FAILED")
            case .rolledBack: lines.append("\(result.release): health checks FAILED; rolled back to \(result.rolledBackTo ?? "?")")
            case .stranded: lines.append("\(result.release): health checks FAILED and there is nothing to roll back to")
            case .rebootPending: lines.append("\(result.release): reboot pending")
            }
            lines += result.failures.map { "  - \($0)" }
            if let detail = result.detail { lines.append(detail) }
            if result.rebootRequested { lines.append("rebooting") }
            return lines
        }, exitStatus: { result in
            switch result.outcome {
            case .passed, .committed: .success
            case .failed: .failure
            case .stranded: .stranded
            case .rolledBack: .rolledBack
            case .rebootPending: .temporaryFailure
            }
        })
    }
}
