import Basics
import FoundationEssentials
import Release

extension Rollback {
    package struct CheckResult: Encodable {
        package enum Outcome: String, Encodable {
            case passed
            /// Failed outside the trial window (or on a committed release): reported only.
            case failed
            /// Failed inside the trial window, and the box went back to the previous release.
            case rolledBack = "rolled-back"
            /// Failed inside the trial window with nothing intact to go back to.
            case stranded
            /// The release's OS slot has not booted yet; the checks wait for the reboot.
            case rebootPending = "reboot-pending"
            case committed
        }

        package var release: String
        package var outcome: Outcome
        package var failures: [String]
        package var rolledBackTo: String?
        package var detail: String?
        package var rebootRequested = false

        package enum CodingKeys: String, CodingKey { case release, outcome, failures, rolledBackTo = "rolled_back_to", detail, rebootRequested = "reboot_requested" }
    }

    /// Runs the current release's health checks, and acts on the result.
    package func check(autoCommit: Bool, rebootIfNeeded: Bool = false) throws(RollbackError) -> CheckResult {
        var result = try checkOnce(autoCommit: autoCommit)
        if rebootIfNeeded, result.outcome == .rolledBack, let target = result.rolledBackTo, let record = try? store.record(target), rebootPending(for: record) {
            result.rebootRequested = requestReboot(into: record.osSlot)
        }
        return result
    }

    /// Asks systemd to reboot (into the slot GRUB now prefers). A failure is reported, not
    /// fatal: the switch itself is already complete and durable.
    package func requestReboot(into slot: Slot) -> Bool {
        context.say("rebooting into slot \(slot)")
        guard let refusal = context.system.reboot() else { return true }
        context.say("\(refusal); reboot by hand")
        return false
    }

    package func checkOnce(autoCommit: Bool) throws(RollbackError) -> CheckResult {
        try context.exclusively { () throws(RollbackError) -> CheckResult in
            if let pending = try finishPending(), pending.operation == .rollback {
                return CheckResult(release: pending.to, outcome: .rolledBack, failures: [], rolledBackTo: pending.to,
                                   detail: "finished the interrupted rollback from \(pending.from ?? "?") (\(pending.reason))")
            }
            guard var current = try self.current() else { throw .usage("no release is active, so there is nothing to check") }
            var (_, selection) = try store.bootSelection()
            let now = context.now()
            let inTrial = current.health == .trial && now.timeIntervalSince1970 < Double(current.trialEndsAt ?? 0)

            // Did GRUB fall back from the release's slot? (A planned reboot into it is not a failure.)
            if let booted = context.system.bootedSlot(), booted != current.osSlot {
                if selection.nextBoot == current.osSlot {
                    return CheckResult(release: current.version, outcome: .rebootPending, failures: [], rolledBackTo: nil,
                                       detail: "running slot \(booted); \(current.version) needs slot \(current.osSlot), which boots next. Reboot, then check")
                }
                if current.health == .trial {
                    let reason = "slot \(current.osSlot) (OS \(current.osVersion)) did not boot; GRUB fell back to slot \(booted)"
                    return try autoRollBack(from: current, failures: [reason])
                }
            }

            let bundle = try store.bundle(current.version)
            let checks: HealthCheckFile
            do { checks = try HealthCheckFile(decoding: bundle.files["health-checks.json"] ?? []) }
            catch { throw .badData("\(paths.bundle(current.version))/health-checks.json: \(error)") }
            let failures = runChecks(checks, project: bundle.manifest.project)
            current.lastCheck = .init(at: context.timestamp(now), passed: failures.isEmpty, failures: failures)
            try store.save(current)
            context.crashPoints.hit("check recorded")

            if failures.isEmpty {
                // The OS booted and the services answer: the slot has proven itself, so planned
                // reboots during the rest of the trial never count against it.
                if selection[current.osSlot].onTrial, context.system.bootedSlot() == current.osSlot {
                    selection.commit(current.osSlot)
                    try store.save(selection)
                }
                if autoCommit && current.health == .trial && !inTrial {
                    _ = try commitCurrent(force: false)
                    return CheckResult(release: current.version, outcome: .committed, failures: [], rolledBackTo: nil,
                                       detail: "passed after its trial window; committed")
                }
                return CheckResult(release: current.version, outcome: .passed, failures: [], rolledBackTo: nil, detail: nil)
            }
            if inTrial { return try autoRollBack(from: current, failures: failures) }
            let why = current.health == .trial ? "its trial window has ended" : "it is \(current.health.rawValue)"
            return CheckResult(release: current.version, outcome: .failed, failures: failures, rolledBackTo: nil,
                               detail: "not rolling back automatically: \(why). `rollback to previous` goes back by hand")
        }
    }

    /// Inside the trial window: back to the previous release, if it can be trusted. Never
    /// onto a release marked bad, never onto one that is not intact, never in a loop.
    package func autoRollBack(from current: ReleaseRecord, failures: [String]) throws(RollbackError) -> CheckResult {
        let reason = "health checks failed: " + failures.joined(separator: "; ")
        guard let previous = try self.previous() else {
            return CheckResult(release: current.version, outcome: .stranded, failures: failures, rolledBackTo: nil,
                               detail: "there is no previous release to go back to; staying on \(current.version). A technician is needed")
        }
        guard previous.health != .bad else {
            return CheckResult(release: current.version, outcome: .stranded, failures: failures, rolledBackTo: nil,
                               detail: "the previous release \(previous.version) is marked bad (\(previous.badReason ?? "")); staying on \(current.version). A technician is needed")
        }
        let (_, selection) = try store.bootSelection()
        let report = Integrity(context: context).check(previous.version, selection: selection)
        guard report.intact else {
            let why = report.engineFailure.map { "cannot be checked (\($0.description))" } ?? "is not intact (\(report.problems.joined(separator: "; ")))"
            return CheckResult(release: current.version, outcome: .stranded, failures: failures, rolledBackTo: nil,
                               detail: "the previous release \(previous.version) \(why); staying on \(current.version). A technician is needed")
        }
        context.say("\(current.version) failed inside its trial window; rolling back to \(previous.version)")
        let journal = RollbackJournal(operation: .rollback, from: current.version, to: previous.version, reason: reason,
                                      startedAt: context.timestamp(), trialEndsAt: nil, bootAttempts: 0)
        try Switcher(context: context).start(journal)
        return CheckResult(release: current.version, outcome: .rolledBack, failures: failures, rolledBackTo: previous.version,
                           detail: rebootPending(for: previous) ? "reboot to enter slot \(previous.osSlot)" : nil)
    }

    /// Each check up to 1 + retries times, `interval` apart; the failures of those that never
    /// passed.
    package func runChecks(_ file: HealthCheckFile, project: String) -> [String] {
        var failures: [String] = []
        for check in file.checks {
            var last: String?
            for attempt in 0...check.retries {
                if attempt > 0 { context.sleeper.sleep(seconds: Double(check.intervalSeconds)) }
                last = context.prober.probe(check, project: project)
                if last == nil { break }
                context.say("check \(check.name): attempt \(attempt + 1) of \(check.retries + 1) failed: \(last ?? "")")
            }
            if let last { failures.append("\(check.name): \(last)") }
        }
        return failures
    }

    package struct CommitResult: Encodable {
        package var release: String
        package var alreadyCommitted: Bool
        package enum CodingKeys: String, CodingKey { case release, alreadyCommitted = "already_committed" }
    }

    /// Marks the current release good, and its OS slot.
    package func commit(force: Bool) throws(RollbackError) -> CommitResult {
        try context.exclusively { () throws(RollbackError) -> CommitResult in
            try finishPending()
            return try commitCurrent(force: force)
        }
    }

    package func commitCurrent(force: Bool) throws(RollbackError) -> CommitResult {
        guard var current = try self.current() else { throw .usage("no release is active, so there is nothing to commit") }
        if rebootPending(for: current) {
            throw .busy("\(current.version) runs on slot \(current.osSlot), which has not booted yet; reboot into it, check, then commit")
        }
        let already = current.health == .good
        if !already && !force {
            guard let last = current.lastCheck, last.passed, last.at >= (current.activatedAt ?? "") else {
                throw .usage("\(current.version) has not passed its health checks since it was activated; run `rollback check` first (or commit --force)")
            }
        }
        // The slot first, then the record: a kill in between leaves a trial release on a good
        // slot, which the next commit finishes.
        var (_, selection) = try store.bootSelection()
        if !selection[current.osSlot].ok || selection.order.first != current.osSlot {
            selection.commit(current.osSlot)
            try store.save(selection)
        }
        context.crashPoints.hit("slot committed")
        if !already {
            current.health = .good
            current.committedAt = context.timestamp()
            current.trialEndsAt = nil
            try store.save(current)
        }
        return CommitResult(release: current.version, alreadyCommitted: already)
    }
}
