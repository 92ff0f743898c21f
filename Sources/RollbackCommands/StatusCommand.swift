import ArgumentParser
import RollbackEngine
import Basics

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the current and previous release, their OS slots and health, and whether the previous one is intact.",
        discussion: """
            Exit status: 0 pointers, boot selection and journal agree and the previous release \
            (if there is one) is intact; 1 something needs attention (each problem says what to \
            run); 3 the state is consistent but the previous release is not intact, so the box \
            cannot roll back (each reason is listed). A box with no previous release yet (fresh \
            from its image) exits 0: there is nothing to roll back to, by design.
            """)

    @OptionGroup var options: RollbackOptions

    func run() throws {
        try options.perform({ rollback throws(RollbackError) in rollback.status() }, text: { status in
            var lines: [String] = []
            func describe(_ summary: Rollback.ReleaseSummary?, _ role: String) {
                guard let summary else { lines.append("\(role): none"); return }
                var line = "\(role): \(summary.version) (\(summary.health)) on OS \(summary.osVersion) in slot \(summary.osSlot)"
                line += ", installed \(summary.installedAt)"
                if let at = summary.activatedAt { line += ", activated \(at)" }
                if let at = summary.trialEndsAt { line += ", trial until \(at)" }
                lines.append(line)
                if let reason = summary.badReason { lines.append("  bad: \(reason)") }
                if let reason = summary.revoked { lines.append("  REVOKED: \(reason)") }
                if let check = summary.lastCheck {
                    lines.append("  last check \(check.at): \(check.passed ? "passed" : "failed: " + check.failures.joined(separator: "; "))")
                }
            }
            describe(status.current, "current")
            describe(status.previous, "previous")
            if let intact = status.previousIntact {
                lines.append("previous intact: \(intact ? "yes" : "no")")
                lines += status.previousProblems.map { "  - \($0)" }
            }
            lines.append("boot: order \(status.boot["order"] ?? "?"); A: \(status.boot["A"] ?? "?"); B: \(status.boot["B"] ?? "?")")
            lines.append("booted slot: \(status.bootedSlot ?? "unknown"); next boot: \(status.nextBootSlot ?? "?")\(status.rebootPending ? " (reboot pending)" : "")")
            if let trust = status.trust { lines += trust.lines.prefix(3).map { "trust: \($0)" } }
            if status.problems.isEmpty { lines.append("state: consistent") }
            else { lines.append("state: NEEDS ATTENTION"); lines += status.problems.map { "  - \($0)" } }
            return lines
        }, exitStatus: { status in
            if !status.consistent { return .failure }
            return status.previousIntact == false ? .incomplete : .success
        })
    }
}
