import Basics
import HostIO
import Release
@testable import RollbackEngine
import Trust
import Testing

/// A power cut at every step, in-process: the operation runs on a file system that refuses
/// every mutation after the first `n` (what a killed process leaves: each mutation is atomic
/// and durable), then the next command runs on that disk. For every `n`, the box ends in the
/// same state as after an uninterrupted run, byte for byte (the clock is fixed, so records
/// and journals are identical). RollbackCrashTests does the same with SIGKILL on real disks.
@Suite struct RollbackPowerCutTests {
    typealias Operation = (EngineWorld) throws -> Void

    /// Runs `prepare`, then `operation` cut after each possible number of mutations, then
    /// `recover` on what the disk holds; compares with the uninterrupted result.
    func everyCut(prepare: (EngineWorld) throws -> Void, operation: Operation, recover: Operation) throws {
        let reference = EngineWorld()
        try prepare(reference)
        let start = reference.files.mutations
        try operation(reference)
        let steps = reference.files.mutations - start
        let expected = reference.files.tree
        #expect(steps > 3, "the operation should take several durable steps (took \(steps))")

        for cut in 0..<steps {
            var world = EngineWorld()
            try prepare(world)
            _ = world.files.failingAfter(cut)
            do {
                try operation(world)
                Issue.record("cut after \(cut) of \(steps) mutations: the operation did not notice the failed write")
            } catch let error as RollbackError {
                #expect(error.exitStatus == .cannotWrite, "cut after \(cut): \(error)")
            }
            // The next boot: the same disk, writable again, the same images and clock.
            world.files = world.files.copy()
            try recover(world)
            let tree = world.files.tree
            let differing = Set(tree.keys).union(expected.keys).filter { tree[$0] != expected[$0] }.sorted()
            #expect(differing.isEmpty, "cut after \(cut) of \(steps) mutations: \(differing) differ from an uninterrupted run")
        }
    }

    @Test func activationConverges() throws {
        try everyCut(prepare: { world in
            try world.install("2026.11.1")
            _ = try world.rollback.activate("2026.11.1", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false)
            try world.install("2026.12.1", os: "2026.12.1", slot: .b)
        }, operation: { world in
            _ = try world.rollback.activate("2026.12.1", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false)
        }, recover: { world in
            // The technician (or the box's timer) runs the same command again.
            _ = try world.rollback.activate("2026.12.1", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false)
        })
    }

    @Test func anAutomaticRollbackConverges() throws {
        try everyCut(prepare: { world in
            try world.install("2026.11.1")
            _ = try world.rollback.activate("2026.11.1", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false)
            try world.install("2026.11.2", os: "2026.11.1")
            _ = try world.rollback.activate("2026.11.2", force: false, trialWindow: 600, bootAttempts: 3, dryRun: false)
            world.prober.script("up", ["down"])
        }, operation: { world in
            _ = try world.rollback.check(autoCommit: false)
        }, recover: { world in
            // After the cut the check runs again: it finishes the journaled rollback, or (cut
            // before the journal) fails again inside the window and rolls back.
            _ = try world.rollback.check(autoCommit: false)
        })
    }

    @Test func installConvergesAndNeverShowsAHalfRelease() throws {
        try everyCut(prepare: { world in
            try world.install("2026.11.1")
        }, operation: { world in
            try world.install("2026.11.2", os: "2026.11.1")
            // Seen from outside at any point: the release is either absent or whole.
        }, recover: { world in
            if world.rollback.store.isInstalled("2026.11.2") { _ = try world.rollback.store.bundle("2026.11.2") }
            try world.install("2026.11.2", os: "2026.11.1")
        })
    }

    /// A signed install: the counter floor is raised before the release exists, so a cut at
    /// any point leaves the floor high (the same release installs again), never low.
    @Test func aSignedInstallConverges() throws {
        let signer = try EngineSigner()
        try everyCut(prepare: { world in
            try signer.bake(into: world)
            let first = try world.bundle("2026.11.1")
            _ = try world.rollback.install(first, from: try signer.sign(first, now: world.clock.now()), osSlot: nil, osVersion: nil)
        }, operation: { world in
            let second = try world.bundle("2026.11.2")
            _ = try world.rollback.install(second, from: try signer.sign(second, now: world.clock.now()), osSlot: nil, osVersion: "2026.11.1")
        }, recover: { world in
            if let floor = world.files.contents(world.paths.highest) {
                // Whatever was cut, the floor is never below a release that exists.
                let highest = try ReleaseVerifier.Highest.parse(floor, document: "highest.json")
                #expect(highest.counter >= (world.rollback.store.isInstalled("2026.11.2") ? 202611000002 : 202611000001))
            }
            let second = try world.bundle("2026.11.2")
            _ = try world.rollback.install(second, from: try signer.sign(second, now: world.clock.now()), osSlot: nil, osVersion: "2026.11.1")
        })
    }

    @Test func pruneConverges() throws {
        try everyCut(prepare: { world in
            for (index, version) in ["2026.09.1", "2026.10.1", "2026.11.1", "2026.11.2"].enumerated() {
                try world.install(version, os: "2026.09.1")
                _ = try world.rollback.activate(version, force: true, trialWindow: 600, bootAttempts: 3, dryRun: false)
                if index > 0 { _ = try world.rollback.commit(force: true) }
            }
        }, operation: { world in
            _ = try world.rollback.prune(keep: 2, dryRun: false)
        }, recover: { world in
            _ = try world.rollback.prune(keep: 2, dryRun: false)
        })
    }
}
