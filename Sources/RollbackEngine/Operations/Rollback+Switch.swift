import Basics
import Lock
import FoundationEssentials
import Release

extension Rollback {
    package struct SwitchResult: Encodable {
        package var operation: String
        package var from: String?
        package var to: String
        package var dryRun: Bool
        /// An interrupted run of the same operation was finished instead.
        package var resumed: Bool
        /// The target was already current: nothing was done.
        package var unchanged = false
        package var rebootRequired: Bool
        package var plan: Plan?
        package var timingsMS: [String: Int]

        package enum CodingKeys: String, CodingKey {
            case operation, from, to, dryRun = "dry_run", resumed, unchanged, rebootRequired = "reboot_required", plan, timingsMS = "timings_ms"
        }
    }

    /// previous := current, current := version; services onto its digests; its trial starts.
    package func activate(_ version: String, force: Bool, trialWindow: Int, bootAttempts: Int, dryRun: Bool, startServices: Bool = true) throws(RollbackError) -> SwitchResult {
        try Self.requireVersion(version, "the version to activate")
        guard (0...Self.maximumTrialWindow).contains(trialWindow) else {
            throw .usage("the trial window must be 0 to \(Self.maximumTrialWindow) seconds, not \(trialWindow)")
        }
        guard (1...9).contains(bootAttempts) else { throw .usage("the boot attempts must be 1 to 9, not \(bootAttempts)") }
        return try context.exclusively { () throws(RollbackError) -> SwitchResult in
            if let pending = try dryRun ? nil : finishPending(), pending.operation == .activate, pending.to == version {
                return SwitchResult(operation: "activate", from: pending.from, to: version, dryRun: false, resumed: true,
                                    rebootRequired: rebootPending(for: try store.record(version)), plan: nil, timingsMS: [:])
            }
            let target = try store.record(version)
            let current = try self.current()
            if current?.version == version {
                // Running the same activation again (after a kill, or from a script) is fine.
                return SwitchResult(operation: "activate", from: nil, to: version, dryRun: dryRun, resumed: false, unchanged: true,
                                    rebootRequired: rebootPending(for: target), plan: nil, timingsMS: [:])
            }
            if target.health == .bad && !force {
                throw .usage("\(version) was rolled back from (\(target.badReason ?? "marked bad")); pass --force to activate it anyway")
            }
            try requireIntact(version)
            let started = context.now()
            let journal = RollbackJournal(operation: .activate, from: current?.version, to: version, reason: "activate",
                                          startedAt: context.timestamp(started),
                                          trialEndsAt: current == nil ? nil : Int(started.timeIntervalSince1970) + trialWindow,
                                          bootAttempts: bootAttempts, startServices: startServices)
            let plan = try plan(journal)
            if dryRun {
                return SwitchResult(operation: "activate", from: current?.version, to: version, dryRun: true, resumed: false,
                                    rebootRequired: false, plan: plan, timingsMS: [:])
            }
            try Switcher(context: context).start(journal)
            return SwitchResult(operation: "activate", from: current?.version, to: version, dryRun: false, resumed: false,
                                rebootRequired: rebootPending(for: target), plan: plan, timingsMS: [:])
        }
    }

    /// Brings the current release's services up by digest (the boot unit's job), re-tagging
    /// every pinned image to its human tag first.
    package func up() throws(RollbackError) -> SwitchResult {
        try context.exclusively { () throws(RollbackError) -> SwitchResult in
            try finishPending()
            guard let current = try self.current() else { throw .usage("no release is active, so there are no services to start") }
            try Switcher(context: context).switchServices(to: try store.bundle(current.version), from: nil)
            return SwitchResult(operation: "up", from: nil, to: current.version, dryRun: false, resumed: false, unchanged: false,
                                rebootRequired: rebootPending(for: current), plan: nil, timingsMS: [:])
        }
    }

    /// The swap back: `target` is "previous" or a version. Verified intact before anything is
    /// touched; the release rolled back from is marked bad.
    package func rollBack(to target: String, force: Bool, dryRun: Bool, rebootIfNeeded: Bool = false) throws(RollbackError) -> SwitchResult {
        let result = try swapBack(to: target, force: force, dryRun: dryRun)
        if rebootIfNeeded && result.rebootRequired && !result.dryRun, let record = try? store.record(result.to) {
            _ = requestReboot(into: record.osSlot)
        }
        return result
    }

    package func swapBack(to target: String, force: Bool, dryRun: Bool, reason: String = "rolled back by hand") throws(RollbackError) -> SwitchResult {
        if target != "previous" { try Self.requireVersion(target, "the release to roll back to") }
        return try context.exclusively { () throws(RollbackError) -> SwitchResult in
            var timings: [String: Int] = [:]
            var clock = Date()
            func lap(_ name: String) { timings[name] = Int(Date().timeIntervalSince(clock) * 1000); clock = Date() }
            if let pending = try dryRun ? nil : finishPending(), pending.operation == .rollback {
                return SwitchResult(operation: "rollback", from: pending.from, to: pending.to, dryRun: false, resumed: true,
                                    rebootRequired: rebootPending(for: try store.record(pending.to)), plan: nil, timingsMS: [:])
            }
            guard let current = try self.current() else { throw .usage("no release is active, so there is nothing to roll back from") }
            let version: String
            if target == "previous" {
                guard let previous = try store.pointer(paths.previous) else {
                    throw .usage("there is no previous release on this box (current: \(current.version))")
                }
                version = previous
            } else {
                version = target
            }
            guard version != current.version else { throw .usage("\(version) is already the current release") }
            let record = try store.record(version)
            if record.health == .bad && !force && target == "previous" {
                throw .usage("the previous release \(version) is the one this box rolled back from (\(record.badReason ?? "marked bad")); the box already runs \(current.version). Pass --force only if you mean to go back onto \(version)")
            }
            if record.health == .bad && !force {
                throw .usage("\(version) is marked bad (\(record.badReason ?? "rolled back from")); pass --force to switch to it anyway")
            }
            lap("state")
            try requireIntact(version)
            lap("verify")
            let journal = RollbackJournal(operation: .rollback, from: current.version, to: version, reason: reason,
                                          startedAt: context.timestamp(), trialEndsAt: nil, bootAttempts: 0)
            let plan = try plan(journal)
            lap("plan")
            if dryRun {
                return SwitchResult(operation: "rollback", from: current.version, to: version, dryRun: true, resumed: false,
                                    rebootRequired: false, plan: plan, timingsMS: timings)
            }
            try Switcher(context: context, timings: { timings[$0] = $1 }).start(journal)
            lap("switch")
            timings.merge(context.engineTimings.snapshot) { _, new in new }
            return SwitchResult(operation: "rollback", from: current.version, to: version, dryRun: false, resumed: false,
                                rebootRequired: rebootPending(for: record), plan: plan, timingsMS: timings)
        }
    }

    /// The longest trial window `activate` takes: 7 days.
    package static let maximumTrialWindow = 7 * 86_400

    /// Refuses, before anything is read or written, a version that is not YYYY.MM.N: a
    /// release directory's name, never a path.
    package static func requireVersion(_ text: String, _ what: String) throws(RollbackError) {
        guard ImageVersion(parsing: text) != nil else {
            throw .usage("\(what) '\(text.printable)' is not a version YYYY.MM.N (e.g. 2026.11.1)")
        }
    }
}
