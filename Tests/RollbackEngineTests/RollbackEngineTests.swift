import Basics
import Foundation
import HostIO
import Release
@testable import RollbackEngine
import Testing

/// The rollback engine's rules, in-process: trial windows, automatic rollback and its
/// refusals, OS-slot fallbacks, retries over the sleeper, commit, the lock. Each runs in
/// milliseconds over `EngineWorld`; the same rules run at the process level in RollbackTests.
@Suite struct RollbackEngineTests {
    static let failing = HealthCheckFile.Entry(name: "up", service: "svc0", kind: "container_running", intervalSeconds: 1, timeoutSeconds: 1, retries: 0)

    /// N (2026.11.1) installed and activated: the first release of a box.
    func boxOnN() throws -> EngineWorld {
        let world = EngineWorld()
        try world.install("2026.11.1")
        _ = try world.rollback.activate("2026.11.1", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false)
        return world
    }

    @Test func theFirstReleaseIsGoodAsInstalledAndItsServicesStart() throws {
        let world = try boxOnN()
        let record = try world.record("2026.11.1")
        #expect(record.health == .good)
        #expect(try world.pointer("current") == "2026.11.1")
        #expect(try world.pointer("previous") == nil)
        #expect(try world.selection()[.a].ok)
        #expect(world.images.composeUpCount == 1)
        #expect(world.images.lastComposeDirectory == world.paths.bundle("2026.11.1"))
        // Every pinned image is re-tagged to its human tag.
        #expect(world.images.tags["registry.test/edge/svc0:1.0"] == "registry.test/edge/svc0@" + EngineWorld.digest(0, "2026.11.1", unchanged: 0))
        #expect(try world.rollback.store.journal() == nil)
    }

    @Test func aReleaseOnTrialThatFailsInsideItsWindowRollsBackByItself() throws {
        let world = try boxOnN()
        try world.install("2026.11.2", os: "2026.11.1")
        let activation = try world.rollback.activate("2026.11.2", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false)
        #expect(activation.from == "2026.11.1")
        let trial = try world.record("2026.11.2")
        #expect(trial.health == .trial)
        #expect(trial.trialEndsAt == Int(world.clock.now().timeIntervalSince1970) + 600)

        world.clock.advance(599)
        world.prober.script("up", ["service svc0 is not running"])
        let result = try world.rollback.check(autoCommit: true)
        #expect(result.outcome == .rolledBack)
        #expect(result.rolledBackTo == "2026.11.1")
        #expect(try world.pointer("current") == "2026.11.1")
        #expect(try world.pointer("previous") == "2026.11.2")
        let bad = try world.record("2026.11.2")
        #expect(bad.health == .bad)
        #expect(bad.badReason?.contains("service svc0 is not running") == true)
        // Only the images whose digest changed were re-tagged back, and N's services are up.
        #expect(world.images.lastComposeDirectory == world.paths.bundle("2026.11.1"))
        #expect(world.images.tags["registry.test/edge/svc1:1.0"] == "registry.test/edge/svc1@" + EngineWorld.digest(1, "2026.11.1", unchanged: 0))
        // A bad release is not activated again without --force.
        #expect(throws: RollbackError.self) {
            try world.rollback.activate("2026.11.2", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false)
        }
    }

    @Test(arguments: [(600.0, "failed"), (601.0, "failed")])
    func aFailureAfterTheWindowIsOnlyReported(elapsed: Double, outcome: String) throws {
        let world = try boxOnN()
        try world.install("2026.11.2", os: "2026.11.1")
        _ = try world.rollback.activate("2026.11.2", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false)
        world.clock.advance(elapsed)
        world.prober.script("up", ["down"])
        let result = try world.rollback.check(autoCommit: true)
        #expect(result.outcome.rawValue == outcome)
        #expect(try world.pointer("current") == "2026.11.2")
        #expect(try world.record("2026.11.2").health == .trial)
        #expect(try world.record("2026.11.2").lastCheck?.passed == false)
    }

    @Test func aPassAfterTheWindowCommitsAndInsideItDoesNot() throws {
        let world = try boxOnN()
        try world.install("2026.11.2", os: "2026.11.1")
        _ = try world.rollback.activate("2026.11.2", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false)
        #expect(try world.rollback.check(autoCommit: true).outcome == .passed)
        #expect(try world.record("2026.11.2").health == .trial)
        world.clock.advance(601)
        #expect(try world.rollback.check(autoCommit: true).outcome == .committed)
        let record = try world.record("2026.11.2")
        #expect(record.health == .good && record.trialEndsAt == nil && record.committedAt != nil)
    }

    @Test func noAutomaticRollbackOntoABadOrBrokenPrevious() throws {
        // Previous marked bad.
        let world = try boxOnN()
        try world.install("2026.11.2", os: "2026.11.1")
        _ = try world.rollback.activate("2026.11.2", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false)
        var n = try world.record("2026.11.1")
        n.health = .bad
        n.badReason = "rolled back from by hand"
        try world.rollback.store.save(n)
        world.prober.script("up", ["down"])
        let stranded = try world.rollback.check(autoCommit: false)
        #expect(stranded.outcome == .stranded)
        #expect(stranded.detail?.contains("marked bad") == true)
        #expect(try world.pointer("current") == "2026.11.2")

        // Previous not intact: an image of N left the store.
        let other = try boxOnN()
        try other.install("2026.11.2", os: "2026.11.1")
        _ = try other.rollback.activate("2026.11.2", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false)
        other.images.drop("registry.test/edge/svc1@" + EngineWorld.digest(1, "2026.11.1", unchanged: 0))
        other.prober.script("up", ["down"])
        let before = other.files.tree
        let broken = try other.rollback.check(autoCommit: false)
        #expect(broken.outcome == .stranded)
        #expect(broken.detail?.contains("not intact") == true)
        // Only the check's own result was recorded.
        let changed = Set(other.files.tree.filter { before[$0.key] != $0.value }.keys)
        #expect(changed == [other.paths.record("2026.11.2")])
    }

    @Test func retriesWaitOnTheSleeperNotTheWallClock() throws {
        let retrying = HealthCheckFile.Entry(name: "up", service: "svc0", kind: "container_running", intervalSeconds: 30, timeoutSeconds: 1, retries: 3)
        let world = EngineWorld()
        try world.install("2026.11.1", checks: [retrying])
        _ = try world.rollback.activate("2026.11.1", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false)
        world.prober.script("up", ["starting", "starting", nil])
        let started = world.clock.now()
        #expect(try world.rollback.check(autoCommit: false).outcome == .passed)
        #expect(world.prober.calls == ["up", "up", "up"])
        #expect(world.clock.slept == 60)
        #expect(world.clock.now().timeIntervalSince(started) == 60)
    }

    @Test func anOSSlotOnTrialWaitsForItsRebootAndAFallbackRollsBack() throws {
        let world = try boxOnN()
        try world.install("2026.12.1", os: "2026.12.1", slot: .b)
        let activation = try world.rollback.activate("2026.12.1", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false)
        #expect(activation.rebootRequired)
        var selection = try world.selection()
        #expect(selection.nextBoot == .b && selection[.b].tries == 3 && !selection[.b].ok)

        // Still on A, B boots next: the check waits.
        #expect(try world.rollback.check(autoCommit: false).outcome == .rebootPending)

        // B booted and passed: the slot is committed (planned reboots no longer count).
        world.boot.slot = .b
        #expect(try world.rollback.check(autoCommit: false).outcome == .passed)
        selection = try world.selection()
        #expect(selection[.b].ok)

        // Another OS release in A that GRUB falls back from: the box rolls back by itself.
        try world.install("2026.12.2", os: "2026.12.2", slot: .a)
        _ = try world.rollback.activate("2026.12.2", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false)
        #expect(try world.selection().nextBoot == .a)
        // GRUB used up A's tries and booted B: A is no longer next.
        var fellBack = try world.selection()
        fellBack.fallBack(to: .b, from: .a)
        try world.rollback.store.save(fellBack)
        let result = try world.rollback.check(autoCommit: false, rebootIfNeeded: true)
        #expect(result.outcome == .rolledBack)
        #expect(result.failures.first?.contains("did not boot") == true)
        #expect(try world.pointer("current") == "2026.12.1")
        #expect(world.boot.reboots == 0)  // already running B
    }

    @Test func aHeldLockIsBusyAndNothingChanges() throws {
        let world = try boxOnN()
        var held: FileSystemLock? = try world.files.lock(world.paths.lock)
        guard case .acquired? = held else { Issue.record("lock not acquired"); return }
        let before = world.files.tree
        #expect { try world.rollback.commit(force: true) } throws: { error in
            (error as? RollbackError)?.exitStatus == .temporaryFailure
        }
        #expect(world.files.tree == before)
        held = nil
        #expect(held == nil)
        #expect(try world.rollback.commit(force: true).release == "2026.11.1")
    }

    @Test func anEngineThatCannotAnswerRefusesTheSwitchWithNothingChanged() throws {
        let world = try boxOnN()
        try world.install("2026.11.2", os: "2026.11.1")
        world.images.failInspect = true
        let before = world.files.tree
        #expect { try world.rollback.activate("2026.11.2", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false) } throws: { error in
            (error as? RollbackError)?.exitStatus == .unavailable
        }
        #expect(world.files.tree == before)
    }

    @Test func aMissingImageMakesTheTargetNotIntact() throws {
        let world = try boxOnN()
        try world.install("2026.11.2", os: "2026.11.1")
        world.images.drop("registry.test/edge/svc0@" + EngineWorld.digest(0, "2026.11.2", unchanged: 0))
        #expect { try world.rollback.activate("2026.11.2", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false) } throws: { error in
            guard let error = error as? RollbackError, case .notIntact(_, let problems) = error else { return false }
            return problems.count == 1 && problems[0].contains("svc0")
        }
        #expect(try world.pointer("current") == "2026.11.1")
    }

    @Test func anInterruptedRollbackInTheJournalIsFinishedByTheNextCommand() throws {
        let world = try boxOnN()
        try world.install("2026.11.2", os: "2026.11.1")
        _ = try world.rollback.activate("2026.11.2", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false)
        let journal = RollbackJournal(operation: .rollback, from: "2026.11.2", to: "2026.11.1", reason: "health checks failed: x",
                                      startedAt: Timestamp.iso8601(world.clock.now()), trialEndsAt: nil, bootAttempts: 0)
        try world.rollback.store.saveJournal(journal)
        let status = try world.rollback.commit(force: true)
        #expect(status.release == "2026.11.1")
        #expect(try world.rollback.store.journal() == nil)
        #expect(try world.record("2026.11.2").health == .bad)
        #expect(world.said.contains { $0.contains("finishing an interrupted rollback") })
    }

    static let hostileVersions = ["../../../../tmp/2026.11.9", "2026.11.2/../../x", "2026.+1.1", "2026.11.2\n", "２０２６.11.2", "", "previous/..", "/etc"]

    /// A version argument that is not YYYY.MM.N is refused before the journal, the pointers or
    /// the boot environment change, whatever the operation.
    @Test(arguments: hostileVersions)
    func aVersionArgumentIsValidatedBeforeAnythingIsTouched(_ version: String) throws {
        let world = try boxOnN()
        try world.install("2026.11.2", os: "2026.11.1")
        let before = world.files.tree
        let operations: [(String, () throws -> Void)] = [
            ("activate", { _ = try world.rollback.activate(version, force: true, trialWindow: 600, bootAttempts: 3, dryRun: false) }),
            ("to", { _ = try world.rollback.rollBack(to: version, force: true, dryRun: false) }),
            ("repair --current", { _ = try world.rollback.repair(discardJournal: false, setCurrent: version, setPrevious: nil) }),
            ("repair --previous", { _ = try world.rollback.repair(discardJournal: false, setCurrent: nil, setPrevious: version) }),
        ]
        for (name, operation) in operations {
            #expect("\(name) \(version.debugDescription)", performing: operation, throws: { error in
                guard let error = error as? RollbackError, error.exitStatus == .usage else { return false }
                return error.description.contains("is not a version YYYY.MM.N")
            })
            #expect(world.files.tree == before, "\(name) \(version.debugDescription) changed the state")
        }
    }

    @Test(arguments: [Int.max, -1, Rollback.maximumTrialWindow + 1])
    func aTrialWindowOutOfRangeIsAUsageErrorNotACrash(_ window: Int) throws {
        let world = try boxOnN()
        try world.install("2026.11.2", os: "2026.11.1")
        let before = world.files.tree
        #expect { try world.rollback.activate("2026.11.2", force: false, trialWindow: window, bootAttempts: 3, dryRun: false) } throws: { error in
            (error as? RollbackError)?.exitStatus == .usage
        }
        #expect(world.files.tree == before)
    }

    /// A journal is carried out as written, so one naming a path instead of a version is
    /// refused (65) by every command that would finish it, and nothing is carried out.
    @Test(arguments: [("to", "../../../../tmp/2026.11.9"), ("from", "2026.11.1/../../x"), ("to", "2026.11.1\\n")])
    func aJournalNamingAPathIsRefusedNotCarriedOut(field: String, value: String) throws {
        let world = try boxOnN()
        try world.install("2026.11.2", os: "2026.11.1")
        let journal = RollbackJournal(operation: .activate, from: "2026.11.1", to: "2026.11.2", reason: "activate",
                                      startedAt: Timestamp.iso8601(world.clock.now()), trialEndsAt: nil, bootAttempts: 3)
        try world.rollback.store.saveJournal(journal)
        var text = String(decoding: try #require(world.files.contents(world.paths.journal)), as: UTF8.self)
        let original = field == "to" ? "\"to\" : \"2026.11.2\"" : "\"from\" : \"2026.11.1\""
        #expect(text.contains(original), "\(text)")
        text = text.replacingOccurrences(of: original, with: "\"\(field)\" : \"\(value)\"")
        try world.files.write(Array(text.utf8), to: world.paths.journal, mode: 0o644)
        let before = world.files.tree
        let composeUps = world.images.composeUpCount
        #expect { _ = try world.rollback.up() } throws: { error in
            guard let error = error as? RollbackError, error.exitStatus == .dataError else { return false }
            return error.description.contains("is not a version YYYY.MM.N")
        }
        #expect(world.files.tree == before)
        #expect(world.images.composeUpCount == composeUps)
    }
}
