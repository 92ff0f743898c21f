import FoundationEssentials
import Release

/// The operations behind the `rollback` subcommands. Each returns a value the command prints
/// (as text or `--json`); each mutating one runs under the lock and first finishes whatever
/// operation a killed run left in the journal.
package struct Rollback {
    package let context: RollbackContext

    package init(context: RollbackContext) {
        self.context = context
    }

    package var store: RollbackStore { context.store }
    package var paths: RollbackPaths { context.paths }

    /// Finishes an interrupted operation, if there is one. Returns it.
    @discardableResult
    package func finishPending() throws(RollbackError) -> RollbackJournal? {
        guard let journal = try store.journal() else { return nil }
        context.say("finishing an interrupted \(journal.operation.rawValue) from \(journal.from ?? "nothing") to \(journal.to) (started \(journal.startedAt))")
        try Switcher(context: context).carryOut(journal, resumed: true)
        return journal
    }

    package func current() throws(RollbackError) -> ReleaseRecord? {
        try store.pointer(paths.current).map { version throws(RollbackError) in try store.record(version) }
    }

    package func previous() throws(RollbackError) -> ReleaseRecord? {
        try store.pointer(paths.previous).map { version throws(RollbackError) in try store.record(version) }
    }

    /// Refuses unless `version` is intact, listing everything missing.
    package func requireIntact(_ version: String) throws(RollbackError) {
        let (_, selection) = try store.bootSelection()
        let report = Integrity(context: context).check(version, selection: selection)
        if let failure = report.engineFailure {
            throw .unavailable("cannot check that \(version)'s images are in the local store, so nothing was changed: \(failure.description)")
        }
        guard report.intact else { throw .notIntact(version: version, problems: report.problems) }
    }

    /// What a switch will do, for `--dry-run` and for the record.
    package struct Plan: Encodable {
        package var operation: String
        package var from: String?
        package var to: String
        package var bootChange: String
        package var retag: [String]
        package var compose: String
        package var marksBad: String?

        package enum CodingKeys: String, CodingKey { case operation, from, to, bootChange = "boot_change", retag, compose, marksBad = "marks_bad" }

        package var lines: [String] {
            ["\(operation): \(from ?? "(none)") -> \(to)", "  boot: \(bootChange)"]
                + (marksBad.map { ["  marks \($0) bad"] } ?? [])
                + ["  re-tag \(retag.count) image(s)"] + retag.map { "    \($0)" }
                + ["  then: \(compose)"]
        }
    }

    package func plan(_ journal: RollbackJournal) throws(RollbackError) -> Plan {
        let target = try store.record(journal.to)
        let source = try journal.from.map { version throws(RollbackError) in try store.record(version) }
        let bundle = try store.bundle(journal.to)
        let sourceLock = journal.from.flatMap { try? store.bundle($0).lock }
        let retag = Switcher.retags(to: bundle.lock, from: sourceLock).map { "\($0.0) -> \($0.1)" }
        let boot: String
        switch (journal.operation, source) {
        case (.activate, nil): boot = "commit slot \(target.osSlot) (first release of this box)"
        case (.activate, let source?) where source.osSlot != target.osSlot:
            boot = "try slot \(target.osSlot) (OS \(target.osVersion)) for up to \(journal.bootAttempts) boots, then fall back to \(source.osSlot); reboot to enter it"
        case (.rollback, let source?) where source.osSlot != target.osSlot:
            boot = "select slot \(target.osSlot) (OS \(target.osVersion)) and disable \(source.osSlot); reboot to enter it"
        default: boot = "no change (both releases run on OS \(target.osVersion) in slot \(target.osSlot))"
        }
        let directory = paths.bundle(journal.to)
        return Plan(operation: journal.operation.rawValue, from: journal.from, to: journal.to, bootChange: boot, retag: retag,
                    compose: "docker compose --project-name \(bundle.manifest.project) -f \(directory)/compose.yml -f \(directory)/docker-compose.pinned.yml up -d --remove-orphans",
                    marksBad: journal.operation == .rollback ? journal.from : nil)
    }

    /// Whether the running system booted the slot `record` needs (nil when GRUB did not say).
    package func rebootPending(for record: ReleaseRecord) -> Bool {
        guard let booted = context.system.bootedSlot() else { return false }
        return booted != record.osSlot
    }
}
