import Foundation
import Testing
import TestSupport

/// `rollback activate`, `to` and `check` killed with SIGKILL at every durability point
/// (ROLLBACK_CRASH_AT=N makes the process kill itself at its N-th point), then run again:
/// the box must end in exactly one consistent release — pointers, records, boot block and
/// the services the fake docker runs all agree with an uninterrupted run.
@Suite(.serialized) struct RollbackCrashTests {
    /// What must agree at the end: pointers, every record's health, the boot block (as
    /// grub-editenv reads it), what compose runs and where the human tags point.
    func outcome(_ box: RollbackBox) async throws -> [String: String] {
        var result: [String: String] = [:]
        result["current"] = box.pointer("current") ?? "-"
        result["previous"] = box.pointer("previous") ?? "-"
        for version in ["2026.11.1", "2026.11.2"] { result["health \(version)"] = try box.health(version) ?? "-" }
        for (name, value) in try await box.grub() { result["grub \(name)"] = value }
        for (service, image) in try box.running() { result["runs \(service)"] = image }
        for (tag, id) in try box.tags() { result["tag \(tag)"] = id }
        result["journal"] = FileManager.default.fileExists(atPath: "\(box.state)/journal.json") ? "pending" : "none"
        return result
    }

    /// Kills `arguments` at point 1, 2, … until a run completes without reaching the point;
    /// after each kill, runs `rerun` and compares with the uninterrupted outcome.
    func killAtEveryPoint(prepare: (RollbackBox) async throws -> Void, arguments: [String], rerun: [String]? = nil,
                          environment: [String: String] = [:], expectedStatus: Int32 = 0, acceptedRerun: Set<Int32> = []) async throws {
        let reference = try await RollbackBox()
        try await prepare(reference)
        let clean = try await reference.rollback(arguments, environment: environment)
        #expect(clean.status == expectedStatus, "uninterrupted run: \(clean.stderr)")
        let expected = try await outcome(reference)
        #expect(expected["journal"] == "none")

        var point = 1
        while point < 40 {
            let box = try await RollbackBox()
            try await prepare(box)
            var crashing = environment
            crashing["ROLLBACK_CRASH_AT"] = "\(point)"
            let killed = try await box.rollback(arguments, environment: crashing)
            if !killed.stderr.contains("test crash at point \(point)") {
                #expect(killed.status == expectedStatus, "run with a crash point past the last: \(killed.stderr)")
                break
            }
            // Power back: the same command again (or the one given), and the box converges.
            let again = try await box.rollback(rerun ?? arguments, environment: environment)
            #expect(acceptedRerun.union([0, expectedStatus]).contains(again.status), "rerun after a kill at point \(point): \(again.stdout) \(again.stderr)")
            let actual = try await outcome(box)
            #expect(actual == expected, "after a kill at point \(point): \(RollbackBox.differences(actual, expected)) differ")
            let status = try await box.rollback(["status"])
            #expect(status.status == 0, "status after a kill at point \(point): \(status.stdout)")
            point += 1
        }
        #expect(point > 5, "the operation has several durability points (reached \(point - 1))")
    }

    @Test func activateKilledAnywhere() async throws {
        try await killAtEveryPoint(prepare: { try await $0.twoReleases() }, arguments: ["activate", "2026.11.2"])
    }

    @Test func rollbackKilledAnywhere() async throws {
        try await killAtEveryPoint(prepare: { box in
            try await box.twoReleases()
            try await box.expectSuccess(["activate", "2026.11.2"])
        }, arguments: ["to", "previous"], acceptedRerun: [64])
        // (A rerun after the swap completed refuses to bounce back onto the release it left.)
    }

    @Test func automaticRollbackKilledAnywhere() async throws {
        try await killAtEveryPoint(prepare: { box in
            try await box.twoReleases()
            try await box.expectSuccess(["activate", "2026.11.2"])
            try await box.reboot()
        }, arguments: ["check"], environment: ["FAKE_DOCKER_STOPPED": "svc0"], expectedStatus: 4, acceptedRerun: [75])
        // (A rerun after the rollback completed finds slot A must be booted next: 75.)
    }

    @Test func aKilledActivateIsFinishedByWhateverRunsNext() async throws {
        // The technician does not retype the same command: `status` explains, `rollback to
        // previous` first finishes the interrupted activation, then swaps back from it.
        let box = try await RollbackBox()
        try await box.twoReleases()
        let killed = try await box.rollback(["activate", "2026.11.2"], environment: ["ROLLBACK_CRASH_AT": "3"])
        #expect(killed.stderr.contains("test crash at point 3"))
        let status = try await box.rollback(["status"])
        #expect(status.status == 1 && status.stdout.contains("interrupted") && status.stdout.contains("rollback activate 2026.11.2"), "\(status.stdout)")
        try await box.expectSuccess(["to", "previous"])
        #expect(box.pointer("current") == "2026.11.1" && box.pointer("previous") == "2026.11.2")
        #expect(try box.running()["svc0"] == box.factory.images("2026.11.1")[0].reference)
        #expect(try await box.grub()["ORDER"] == "A B")
        #expect(try await box.rollback(["status"]).status == 0)
    }

    @Test func installKilledAnywhereLeavesNoHalfRelease() async throws {
        let reference = try await RollbackBox()
        try await reference.install("2026.11.1")
        for point in 1...2 {
            let box = try await RollbackBox()
            try box.seed(box.factory.images("2026.11.1"))
            let bundle = try await box.factory.bundle("2026.11.1", in: box.directory)
            let killed = try await box.rollback(["install", bundle], environment: ["ROLLBACK_CRASH_AT": "\(point)"])
            #expect(killed.stderr.contains("test crash at point \(point)"))
            let listed = try await box.rollback(["list"]).stdout
            #expect(point == 1 ? listed.isEmpty : listed.contains("2026.11.1"), "a release appears whole or not at all: \(listed)")
            try await box.expectSuccess(["install", bundle])
            try await box.expectSuccess(["activate", "2026.11.1"])
            #expect(try await box.grub()["A_VERSION"] == "2026.11.1")
            // Nothing of the killed install is left behind in the staging area.
            let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: "\(box.state)/incoming")) ?? []
            #expect(leftovers.isEmpty, "left in incoming/ after a crash at point \(point): \(leftovers)")
        }
    }

    @Test func externalKillsAtRandomMomentsConverge() async throws {
        // SIGKILL from outside lands anywhere, also inside writes and inside docker calls.
        let reference = try await RollbackBox()
        try await reference.twoReleases()
        try await reference.expectSuccess(["activate", "2026.11.2"])
        let expected = try await outcome(reference)
        for round in 0..<6 {
            let box = try await RollbackBox()
            try await box.twoReleases()
            let delay = 0.02 + Double(round) * 0.04
            let command = "\(ReleaseFactory.binaries.appendingPathComponent("rollback").path) activate 2026.11.2 --root \(box.root) & pid=$!; sleep \(delay); kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null; exit 0"
            _ = try await ProcessSupport.runDetached("/bin/sh", ["-c", command], environment: [
                "PATH": "\(box.bin):" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"), "FAKE_DOCKER_STATE": box.dockerStatePath])
            let current = box.pointer("current")
            if FileManager.default.fileExists(atPath: "\(box.state)/journal.json") || current != "2026.11.2" {
                let again = try await box.rollback(["activate", "2026.11.2"])
                #expect(again.status == 0, "round \(round): \(again.stderr)")
            }
            let actual = try await outcome(box)
            #expect(actual == expected, "round \(round) (kill after \(delay) s): \(RollbackBox.differences(actual, expected))")
        }
    }
}
