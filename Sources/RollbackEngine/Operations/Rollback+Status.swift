import FoundationEssentials
import HostIO
import Release

extension Rollback {
    package struct ReleaseSummary: Encodable {
        package var version: String
        package var role: String?
        package var health: String
        package var osVersion: String
        package var osSlot: String
        package var installedAt: String
        package var activatedAt: String?
        package var committedAt: String?
        package var trialEndsAt: String?
        package var badReason: String?
        package var lastCheck: ReleaseRecord.CheckResult?
        /// Why the release may not run, when the box's revocation list revokes it.
        package var revoked: String?

        package enum CodingKeys: String, CodingKey {
            case version, role, health, osVersion = "os_version", osSlot = "os_slot", installedAt = "installed_at", activatedAt = "activated_at"
            case committedAt = "committed_at", trialEndsAt = "trial_ends_at", badReason = "bad_reason", lastCheck = "last_check", revoked
        }
    }

    package struct StatusResult: Encodable {
        package var current: ReleaseSummary?
        package var previous: ReleaseSummary?
        package var previousIntact: Bool?
        package var previousProblems: [String]
        package var boot: [String: String]
        package var bootedSlot: String?
        package var nextBootSlot: String?
        package var rebootPending: Bool
        package var pending: String?
        package var problems: [String]
        package var trust: TrustReport?
        package var consistent: Bool { problems.isEmpty }

        package enum CodingKeys: String, CodingKey {
            case current, previous, previousIntact = "previous_intact", previousProblems = "previous_problems", boot, bootedSlot = "booted_slot"
            case nextBootSlot = "next_boot_slot", rebootPending = "reboot_pending", pending, problems, consistent, trust
        }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(current, forKey: .current)
            try container.encode(previous, forKey: .previous)
            try container.encode(previousIntact, forKey: .previousIntact)
            try container.encode(previousProblems, forKey: .previousProblems)
            try container.encode(boot, forKey: .boot)
            try container.encode(bootedSlot, forKey: .bootedSlot)
            try container.encode(nextBootSlot, forKey: .nextBootSlot)
            try container.encode(rebootPending, forKey: .rebootPending)
            try container.encode(pending, forKey: .pending)
            try container.encode(problems, forKey: .problems)
            try container.encode(consistent, forKey: .consistent)
            try container.encode(trust, forKey: .trust)
        }
    }

    package func summary(_ record: ReleaseRecord, role: String?) -> ReleaseSummary {
        ReleaseSummary(version: record.version, role: role, health: record.health.rawValue, osVersion: record.osVersion, osSlot: record.osSlot.rawValue,
                       installedAt: record.installedAt, activatedAt: record.activatedAt, committedAt: record.committedAt,
                       trialEndsAt: record.trialEndsAt.map { context.timestamp(Date(timeIntervalSince1970: TimeInterval($0))) },
                       badReason: record.badReason, lastCheck: record.lastCheck, revoked: nil)
    }

    /// Reads everything, explains what does not agree, and never throws on damaged state: a
    /// technician at 3 a.m. needs the explanation most when the state is broken.
    package func status() -> StatusResult {
        var result = StatusResult(current: nil, previous: nil, previousIntact: nil, previousProblems: [], boot: [:], bootedSlot: nil,
                                  nextBootSlot: nil, rebootPending: false, pending: nil, problems: [])
        do {
            if let journal = try store.journal() {
                let command = journal.operation == .activate ? "rollback activate \(journal.to)" : "rollback to \(journal.to)"
                result.pending = "\(journal.operation.rawValue) from \(journal.from ?? "nothing") to \(journal.to), started \(journal.startedAt)"
                var running = false
                if let outcome = try? FileLock.acquire(paths.lock), case .busy = outcome { running = true }
                if running {
                    result.problems.append("a rollback is running now: \(result.pending ?? "")")
                } else {
                    result.problems.append("an operation was interrupted: \(result.pending ?? ""). Run `\(command)` again (or `rollback repair`) to finish it")
                }
            }
        } catch { result.problems.append(error.description) }
        var current: ReleaseRecord?
        var previous: ReleaseRecord?
        do { current = try self.current() } catch { result.problems.append(error.description) }
        do { previous = try self.previous() } catch { result.problems.append(error.description) }
        result.current = current.map { summary($0, role: "current") }
        result.previous = previous.map { summary($0, role: "previous") }
        do {
            let trust = try trustState()
            let report = trustReport(trust)
            result.trust = report
            result.current?.revoked = current.flatMap { report.revoked[$0.version] }
            result.previous?.revoked = previous.flatMap { report.revoked[$0.version] }
            if let current, let why = report.revoked[current.version] {
                result.problems.append("the current release \(current.version) is revoked: \(why). Install and activate a newer release")
            }
            if report.rootExpired == true {
                result.problems.append("the root of trust (version \(report.rootVersion ?? 0)) has expired: no release installs until a newer root is taken (`rollback trust update`)")
            }
        } catch { result.problems.append(error.description) }
        result.bootedSlot = context.system.bootedSlot()?.rawValue
        do {
            let (_, selection) = try store.bootSelection()
            for slot in Slot.allCases {
                let state = selection[slot]
                result.boot["\(slot)"] = "\(state.ok ? "good" : state.onTrial ? "trial (\(state.tries) boots left)" : "not bootable"), OS \(state.version ?? "unknown")"
            }
            result.boot["order"] = selection.order.map(\.rawValue).joined(separator: " ")
            result.nextBootSlot = selection.nextBoot.rawValue
            if let current {
                if selection[current.osSlot].version != current.osVersion {
                    result.problems.append("slot \(current.osSlot) should hold OS \(current.osVersion) for \(current.version), but holds \(selection[current.osSlot].version ?? "nothing recorded"). Run `rollback repair`")
                }
                if selection.nextBoot != current.osSlot {
                    result.problems.append("GRUB will boot slot \(selection.nextBoot), but the current release \(current.version) runs on slot \(current.osSlot). Run `rollback check` (it rolls back a failed boot) or `rollback repair`")
                }
                result.rebootPending = rebootPending(for: current)
            }
        } catch { result.problems.append(error.description) }
        if let previous {
            do {
                let (_, selection) = try store.bootSelection()
                let report = Integrity(context: context).check(previous.version, selection: selection)
                result.previousIntact = report.engineFailure == nil ? report.intact : nil
                result.previousProblems = report.problems + (report.engineFailure.map { ["unknown: \($0.description)"] } ?? [])
            } catch { result.previousProblems = [error.description] }
        }
        if current == nil && !store.installedVersions().isEmpty && result.problems.isEmpty && result.pending == nil {
            result.problems.append("releases are installed but none is active. Run `rollback activate VERSION`")
        }
        return result
    }

    /// Every retained release, newest first.
    package func list() -> (releases: [ReleaseSummary], problems: [String]) {
        let currentVersion = try? store.pointer(paths.current)
        let previousVersion = try? store.pointer(paths.previous)
        var releases: [ReleaseSummary] = []
        var problems: [String] = []
        var revoked: [String: String] = [:]
        do { revoked = trustReport(try trustState()).revoked } catch { problems.append(error.description) }
        for version in store.installedVersions().reversed() {
            do {
                let record = try store.record(version)
                let role = version == currentVersion ? "current" : version == previousVersion ? "previous" : nil
                var entry = summary(record, role: role)
                entry.revoked = revoked[version]
                releases.append(entry)
            } catch { problems.append(error.description) }
        }
        return (releases, problems)
    }
}
