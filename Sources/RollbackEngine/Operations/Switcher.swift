import Basics
import Dispatch
import FoundationEssentials
import Lock
import Release

/// Carries out a journaled switch (activate or rollback). Every step is derived from the
/// journal alone and is idempotent, so a run killed at any point is finished by running any
/// `rollback` command again: records, then the boot selection, then `previous` and `current`,
/// then the services, then the journal is removed. Each step is durable before the next.
package struct Switcher {
    package let context: RollbackContext
    /// Receives how long the service step took (ms), for the benchmark.
    package var timings: (String, Int) -> Void = { _, _ in }

    package var store: RollbackStore { context.store }

    /// Writes the journal and carries it out.
    package func start(_ journal: RollbackJournal) throws(RollbackError) {
        try store.saveJournal(journal)
        context.crashPoints.hit("journal written")
        try carryOut(journal, resumed: false)
    }

    /// `resumed`: the journal was found on disk, so nothing can be assumed about how far the
    /// services got (every container is re-tagged, not only those that changed).
    package func carryOut(_ journal: RollbackJournal, resumed: Bool) throws(RollbackError) {
        var target = try store.record(journal.to)
        var source = try journal.from.map { version throws(RollbackError) in try store.record(version) }

        // 1. Records.
        switch journal.operation {
        case .activate:
            let desired = updatedForActivation(target, journal: journal, first: source == nil)
            if desired != target { try store.save(desired); target = desired }
        case .rollback:
            if var failed = source, failed.health != .bad || failed.badReason != journal.reason {
                failed.health = .bad
                failed.badReason = journal.reason
                failed.trialEndsAt = nil
                try store.save(failed)
                source = failed
            }
            var desired = target
            desired.activatedAt = journal.startedAt
            if desired.health == .bad || desired.health == .installed {
                // Forced back onto a release marked bad (or never run): it is on trial again.
                desired.health = .trial
                desired.badReason = nil
            }
            if desired != target { try store.save(desired); target = desired }
        }
        context.crashPoints.hit("records saved")

        // 2. Boot selection.
        var (_, selection) = try store.bootSelection()
        let before = selection
        switch journal.operation {
        case .activate:
            if let source, source.osSlot != target.osSlot {
                selection.startTrial(of: target.osSlot, attempts: journal.bootAttempts)
            } else if source == nil {
                selection.commit(target.osSlot)
            }
        case .rollback:
            if let source, source.osSlot != target.osSlot {
                selection.fallBack(to: target.osSlot, from: source.osSlot)
            }
        }
        if selection != before || !context.files.exists(context.paths.grubenv) { try store.save(selection) }
        context.crashPoints.hit("boot selection saved")

        // 3. Pointers: previous first, then current (the commit point for readers).
        if let from = journal.from, try store.pointer(context.paths.previous) != from {
            try store.setPointer(context.paths.previous, to: from)
        }
        context.crashPoints.hit("previous pointer set")
        if try store.pointer(context.paths.current) != journal.to {
            try store.setPointer(context.paths.current, to: journal.to)
        }
        context.crashPoints.hit("current pointer set")

        // 4. Services, by digest.
        let targetBundle = try store.bundle(journal.to)
        let sourceLock = resumed ? nil : journal.from.flatMap { try? store.bundle($0).lock }
        let servicesStarted = Date()
        if journal.startServices { try switchServices(to: targetBundle, from: sourceLock) }
        timings("services", Int(Date().timeIntervalSince(servicesStarted) * 1000))
        context.crashPoints.hit("services switched")

        // 5. Done.
        try store.clearJournal()
        context.crashPoints.hit("journal removed")
    }

    package func updatedForActivation(_ record: ReleaseRecord, journal: RollbackJournal, first: Bool) -> ReleaseRecord {
        var desired = record
        desired.activatedAt = journal.startedAt
        desired.badReason = nil
        desired.lastCheck = record.activatedAt == journal.startedAt ? record.lastCheck : nil
        if first {
            // Nothing to go back to: the first release of a box is good as installed.
            desired.health = .good
            desired.committedAt = desired.committedAt ?? journal.startedAt
            desired.trialEndsAt = nil
        } else {
            desired.health = .trial
            desired.committedAt = nil
            desired.trialEndsAt = journal.trialEndsAt
        }
        return desired
    }

    /// Brings the compose project up with the release's pinned override (the services run by
    /// digest, so they are restored first), then re-tags each pinned image to its human tag
    /// (only those whose digest changed, unless resuming). `docker tag` takes one pair per
    /// call, so those calls run a few at a time.
    package func switchServices(to bundle: ReleaseBundle, from previous: LockFile?) throws(RollbackError) {
        let pairs = Self.retags(to: bundle.lock, from: previous)
        let directory = context.paths.bundle(bundle.version)
        try context.engine.composeUp(project: bundle.manifest.project, directory: directory, files: ["compose.yml", "docker-compose.pinned.yml"])
        context.say("services of \(bundle.version) are up (compose project \(bundle.manifest.project))")
        try retag(pairs)
        context.say("re-tagged \(pairs.count) image(s) to their human tags")
    }

    /// (pinned reference, human tag) for each pinned image whose tag must move: all of them,
    /// or (given the release switched from) only those whose digest or tag changed.
    package static func retags(to lock: LockFile, from previous: LockFile?) -> [(String, String)] {
        let before = Dictionary(previous?.containers.map { ($0.name, ($0.pinnedReference, $0.taggedReference)) } ?? [],
                                uniquingKeysWith: { a, _ in a })
        return lock.containers.compactMap { container in
            guard let pinned = container.pinnedReference, container.tag != nil else { return nil }
            if let old = before[container.name], old.0 == pinned, old.1 == container.taggedReference { return nil }
            return (pinned, container.taggedReference)
        }
    }

    package static let tagConcurrency = 8

    package func retag(_ pairs: [(String, String)]) throws(RollbackError) {
        guard !pairs.isEmpty else { return }
        final class Failures: @unchecked Sendable {
            let lock = Lock()
            var errors: [RollbackError] = []
            func add(_ error: RollbackError) { lock.withLock { errors.append(error) } }
        }
        let failures = Failures()
        let engine = context.engine
        let width = min(Self.tagConcurrency, pairs.count)
        DispatchQueue.concurrentPerform(iterations: width) { worker in
            for index in stride(from: worker, to: pairs.count, by: width) {
                do throws(RollbackError) { try engine.tag(pairs[index].0, as: pairs[index].1) } catch { failures.add(error) }
            }
        }
        if let first = failures.errors.first { throw first }
    }
}
