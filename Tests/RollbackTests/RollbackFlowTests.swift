import Foundation
import Testing
import TestSupport

/// The life of a box through `rollback`, with real bundles from `imagesmith build`, real
/// `grub-editenv` reading the boot block back, and the fake `docker` (see RollbackBox).
@Suite struct RollbackFlowTests {
    @Test func firstActivationCommitsAndStartsServicesByDigest() async throws {
        let box = try await RollbackBox()
        try await box.install("2026.11.1")
        #expect(box.pointer("current") == nil)
        #expect(try await box.grub()["A_VERSION"] == "2026.11.1", "a fresh box records the running slot's OS")
        try await box.expectSuccess(["activate", "2026.11.1"])
        #expect(box.pointer("current") == "2026.11.1")
        #expect(box.pointer("previous") == nil)
        #expect(try box.health("2026.11.1") == "good", "the first release has nothing to roll back to, so it is committed")
        let grub = try await box.grub()
        #expect(grub["ORDER"] == "A B" && grub["A_OK"] == "1" && grub["A_TRIES"] == "0")
        let images = box.factory.images("2026.11.1")
        #expect(try box.running() == ["svc0": images[0].reference, "svc1": images[1].reference], "compose runs the pinned digests")
        for (index, image) in images.enumerated() {
            #expect(try box.tags()["registry.test/edge/svc\(index):1.0"] == box.imageID(of: image.reference), "human tag re-pointed at the retained image")
        }
    }

    @Test func activateOntoANewOSSlotStartsATrialThatACheckAndCommitEnd() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        try await box.expectSuccess(["activate", "2026.11.2"])
        #expect(box.pointer("current") == "2026.11.2" && box.pointer("previous") == "2026.11.1")
        #expect(try box.health("2026.11.2") == "trial")
        var grub = try await box.grub()
        #expect(grub["ORDER"] == "B A" && grub["B_OK"] == "0" && grub["B_TRIES"] == "3" && grub["A_OK"] == "1")
        #expect(try box.running()["svc0"] == box.factory.images("2026.11.2")[0].reference)

        // Still on slot A: the checks wait for the reboot, and commit refuses.
        #expect(try await box.rollback(["check"]).status == 75)
        #expect(try await box.rollback(["commit"]).status == 75)
        try await box.reboot()
        #expect(box.bootedSlot == "B")
        let refused = try await box.rollback(["commit"])
        #expect(refused.status == 64 && refused.stderr.contains("has not passed its health checks"), "\(refused.stderr)")
        try await box.expectSuccess(["check"])
        grub = try await box.grub()
        #expect(grub["B_OK"] == "1" && grub["B_TRIES"] == "0", "a passing check proves the boot, so planned reboots cannot use up the tries")
        #expect(try box.health("2026.11.2") == "trial", "passing once does not end the trial")
        try await box.expectSuccess(["commit"])
        #expect(try box.health("2026.11.2") == "good")
        let again = try await box.rollback(["commit"])
        #expect(again.status == 0 && again.stdout.contains("already committed"))
    }

    @Test func plannedRebootsDuringTheTrialAreNotFailures() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        try await box.expectSuccess(["activate", "2026.11.2"])
        try await box.reboot()
        try await box.expectSuccess(["check"])
        // A technician reboots the box five times in the trial window: it keeps booting B.
        for _ in 0..<5 {
            try await box.reboot()
            #expect(box.bootedSlot == "B")
            try await box.expectSuccess(["check"])
        }
        #expect(box.pointer("current") == "2026.11.2")
    }

    /// One key style: every JSON `rollback` prints, across a whole life (install, activate, a
    /// check that rolls back, status, list, the bad release refused, prune, repair), has
    /// snake_case keys; and `status` exits 3 once the previous release is not intact.
    @Test func everyJSONOutcomeHasSnakeCaseKeys() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        func keys(_ value: Any, data: Bool = false) -> [String] {
            if let object = value as? [String: Any] {
                return object.flatMap { key, child in (data ? [] : [key]) + keys(child, data: ["boot", "timings_ms"].contains(key)) }
            }
            if let array = value as? [Any] { return array.flatMap { keys($0) } }
            return []
        }
        var outputs: [(String, String)] = []
        for (arguments, environment) in [(["activate", "2026.11.2", "--json"], [:]), (["check", "--json"], ["FAKE_DOCKER_STOPPED": "svc0"]),
                                         (["status", "--json"], [:]), (["list", "--json"], [:]), (["activate", "2026.11.2", "--json"], [:]),
                                         (["prune", "--keep", "2", "--dry-run", "--json"], [:]), (["repair", "--json"], [:]), (["to", "previous", "--dry-run", "--json"], [:])] as [([String], [String: String])] {
            let result = try await box.rollback(arguments, environment: environment)
            outputs.append((arguments.joined(separator: " "), result.stdout))
        }
        for (command, stdout) in outputs {
            let document = try #require(try? JSONSerialization.jsonObject(with: Data(stdout.utf8)), "\(command): \(stdout)")
            for key in keys(document) {
                #expect(key.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "\(command): key \(key)")
            }
        }
        // The previous release's files are damaged: the box cannot roll back, and status says
        // so by its exit status (3), not only in its text.
        let previous = try #require(box.pointer("previous"))
        try Data("tampered\n".utf8).write(to: URL(fileURLWithPath: "\(box.root)/var/lib/edge-rollback/releases/\(previous)/bundle/compose.yml"))
        let status = try await box.rollback(["status", "--json"])
        #expect(status.status == 3, "\(status.status) \(status.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(json["previous_intact"] as? Bool == false, "\(status.stdout)")
        #expect((json["problems"] as? [Any])?.isEmpty == true, "\(status.stdout)")
        let text = try await box.rollback(["status"])
        #expect(text.status == 3 && text.stdout.contains("previous intact: no"), "\(text.stdout)")
    }

    @Test func aFailedCheckInsideTheTrialWindowRollsBackAndMarksTheReleaseBad() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        try await box.expectSuccess(["activate", "2026.11.2"])
        try await box.reboot()
        let result = try await box.rollback(["check", "--json"], environment: ["FAKE_DOCKER_STOPPED": "svc0"])
        #expect(result.status == 4, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["outcome"] as? String == "rolled-back" && json["rolled_back_to"] as? String == "2026.11.1")
        #expect(box.pointer("current") == "2026.11.1" && box.pointer("previous") == "2026.11.2")
        #expect(try box.health("2026.11.2") == "bad")
        #expect((try box.record("2026.11.2")["bad_reason"] as? String)?.contains("svc0 is not running") == true)
        let grub = try await box.grub()
        #expect(grub["ORDER"] == "A B" && grub["A_OK"] == "1" && grub["B_OK"] == "0" && grub["B_TRIES"] == "0")
        #expect(try box.running()["svc0"] == box.factory.images("2026.11.1")[0].reference)
        #expect(try box.tags()["registry.test/edge/svc0:1.0"] == box.imageID(of: box.factory.images("2026.11.1")[0].reference))

        // Not activated again by accident; --force does it.
        let refused = try await box.rollback(["activate", "2026.11.2"])
        #expect(refused.status == 64 && refused.stderr.contains("--force"), "\(refused.stderr)")
        try await box.expectSuccess(["activate", "2026.11.2", "--force"])
        #expect(try box.health("2026.11.2") == "trial")
    }

    @Test func anAutomaticRollbackToTheOtherSlotAsksForTheReboot() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        try await box.expectSuccess(["activate", "2026.11.2"])
        try await box.reboot()
        // A stand-in systemctl that records what it was asked (the test must not reboot the machine).
        let log = box.directory.file("systemctl.log")
        try box.directory.write("bin/systemctl", "#!/bin/sh\necho \"$@\" >> \(log)\n", mode: 0o755)
        let result = try await box.rollback(["check", "--reboot-if-needed"], environment: ["FAKE_DOCKER_STOPPED": "svc0"])
        #expect(result.status == 4 && result.stdout.contains("rebooting"), "\(result.stdout)")
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "reboot\n")
        // After the reboot GRUB picks slot A, and the box is consistent on 2026.11.1.
        try await box.reboot()
        #expect(box.bootedSlot == "A")
        try await box.expectSuccess(["check"])
        #expect(try await box.rollback(["status"]).stdout.contains("state: consistent"))
    }

    @Test func aFailedCheckAfterTheTrialWindowIsReportedNotActedOn() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        try await box.expectSuccess(["activate", "2026.11.2", "--trial-window", "0"])
        try await box.reboot()
        let result = try await box.rollback(["check"], environment: ["FAKE_DOCKER_STOPPED": "svc0"])
        #expect(result.status == 1 && result.stdout.contains("not rolling back automatically"), "\(result.stdout)")
        #expect(box.pointer("current") == "2026.11.2")
        // And a pass after the window commits with --auto-commit.
        let pass = try await box.rollback(["check", "--auto-commit"])
        #expect(pass.status == 0 && pass.stdout.contains("committed"), "\(pass.stdout)")
        #expect(try box.health("2026.11.2") == "good")
    }

    @Test func grubFallingBackFromTheTrialSlotRollsTheServicesBackToo() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        try await box.expectSuccess(["activate", "2026.11.2", "--boot-attempts", "2"])
        // Slot B never comes up far enough to run a check: two boots use up its tries, the
        // third falls back to A.
        try await box.reboot(); try await box.reboot(); try await box.reboot()
        #expect(box.bootedSlot == "A")
        let result = try await box.rollback(["check"])
        #expect(result.status == 4, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("did not boot"))
        #expect(box.pointer("current") == "2026.11.1")
        #expect(try box.running()["svc1"] == box.factory.images("2026.11.1")[1].reference)
        #expect(try await box.grub()["ORDER"] == "A B")
        let status = try await box.rollback(["status"])
        #expect(status.status == 0 && status.stdout.contains("state: consistent"), "\(status.stdout)")
    }

    @Test func noPreviousToFallBackToLeavesTheBoxWhereItIsAndSaysSo() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        try await box.expectSuccess(["activate", "2026.11.2"])
        try await box.reboot()
        try box.deleteImage(box.factory.images("2026.11.1")[1].reference)
        let before = try box.snapshot()
        let result = try await box.rollback(["check"], environment: ["FAKE_DOCKER_STOPPED": "svc0"])
        #expect(result.status == 2, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("not intact") && result.stdout.contains("technician"), "\(result.stdout)")
        #expect(box.pointer("current") == "2026.11.2")
        var after = try box.snapshot()
        // Only the check result was recorded.
        after["\(box.state)/releases/2026.11.2/state.json"] = before["\(box.state)/releases/2026.11.2/state.json"]
        #expect(after == before, "\(RollbackBox.differences(after, before))")
    }

    @Test func rollbackRefusesWhenAPreviousImageIsMissingAndChangesNothing() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        try await box.expectSuccess(["activate", "2026.11.2"])
        let missing = box.factory.images("2026.11.1")[1].reference
        try box.deleteImage(missing)
        let before = try box.snapshot()
        let logBefore = try box.dockerLog().count
        let result = try await box.rollback(["to", "previous"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("refusing to switch to 2026.11.1") && result.stderr.contains(missing) && result.stderr.contains("svc1"), "\(result.stderr)")
        let after = try box.snapshot()
        #expect(after == before, "nothing changed: \(RollbackBox.differences(after, before))")
        #expect(try box.dockerLog().dropFirst(logBefore).allSatisfy { $0.starts(with: ["image", "inspect"]) }, "only looked")
        let status = try await box.rollback(["status", "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(json["previous_intact"] as? Bool == false)
        let refusedJSON = try await box.rollback(["to", "previous", "--json"])
        let error = try #require(try JSONSerialization.jsonObject(with: Data(refusedJSON.stdout.utf8)) as? [String: Any])
        #expect(error["exit_code"] as? Int == 3 && (error["error"] as? String)?.contains(missing) == true, "\(refusedJSON.stdout)")
    }

    @Test func dockerDownIsAServiceErrorAndChangesNothing() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        try await box.expectSuccess(["activate", "2026.11.2"])
        let before = try box.snapshot()
        let result = try await box.rollback(["to", "previous"], environment: ["FAKE_DOCKER_FAIL": "image"])
        #expect(result.status == 69 && result.stderr.contains("Cannot connect to the Docker daemon") && result.stderr.contains("nothing was changed"), "\(result.stderr)")
        let after = try box.snapshot()
        #expect(after == before, "\(RollbackBox.differences(after, before))")
        // compose failing mid-switch leaves the journal, and the next run finishes the switch.
        let interrupted = try await box.rollback(["to", "previous"], environment: ["FAKE_DOCKER_FAIL": "compose"])
        #expect(interrupted.status == 69, "\(interrupted.stderr)")
        #expect(try await box.rollback(["status"]).stdout.contains("interrupted"))
        try await box.expectSuccess(["repair"])
        #expect(box.pointer("current") == "2026.11.1")
        #expect(try box.running()["svc0"] == box.factory.images("2026.11.1")[0].reference)
        #expect(try await box.rollback(["status"]).status == 0)
    }

    @Test func aHungDockerDaemonIsAFailedCheckNotAHungRollback() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        try await box.expectSuccess(["activate", "2026.11.2"])
        try await box.reboot()
        // The bound must leave the calls that do answer (the fake is a Python script, slow to
        // start on a loaded 2-core machine) time to answer: 2 s failed in CI while the build
        // and the boot lab ran beside this test.
        let result = try await box.rollback(["check"], environment: ["FAKE_DOCKER_HANG": "ps", "ROLLBACK_DOCKER_TIMEOUT": "8"])
        #expect(result.status == 4 && result.stdout.contains("did not answer within 8 s"), "\(result.stdout) \(result.stderr)")
        #expect(box.pointer("current") == "2026.11.1")
    }

    @Test func rollbackRefusesAnImageForTheWrongPlatform() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        try await box.expectSuccess(["activate", "2026.11.2"])
        let image = box.factory.images("2026.11.1")[0].reference
        try box.deleteImage(image)
        try box.seed([(image, "linux/arm64")])
        let result = try await box.rollback(["to", "previous", "--dry-run"])
        #expect(result.status == 3 && result.stderr.contains("is for linux/arm64, the release needs linux/amd64"), "\(result.stderr)")
    }

    @Test func rollbackRefusesATamperedBundle() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        try await box.expectSuccess(["activate", "2026.11.2"])
        try box.directory.write("root/var/lib/edge-rollback/releases/2026.11.1/bundle/docker-compose.pinned.yml", "services: {}\n")
        let result = try await box.rollback(["to", "previous"])
        #expect(result.status == 3 && result.stderr.contains("docker-compose.pinned.yml has sha256"), "\(result.stderr)")
        #expect(box.pointer("current") == "2026.11.2")
    }

    @Test func manualRollbackSwapsEverythingAndDryRunShowsThePlan() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        try await box.expectSuccess(["activate", "2026.11.2"])
        let before = try box.snapshot()
        let dry = try await box.rollback(["to", "previous", "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("rollback: 2026.11.2 -> 2026.11.1") && dry.stdout.contains("select slot A"), "\(dry.stdout)")
        let after = try box.snapshot()
        #expect(after == before, "\(RollbackBox.differences(after, before))")
        try await box.expectSuccess(["to", "previous"])
        #expect(box.pointer("current") == "2026.11.1" && box.pointer("previous") == "2026.11.2")
        #expect(try box.health("2026.11.2") == "bad" && box.health("2026.11.1") == "good")
        #expect(try await box.grub()["ORDER"] == "A B")
        // Running it again does not bounce back onto the bad release.
        let again = try await box.rollback(["to", "previous"])
        #expect(again.status == 64 && again.stderr.contains("rolled back from") && again.stderr.contains("already runs 2026.11.1"), "\(again.stderr)")
        #expect(box.pointer("current") == "2026.11.1")
    }

    @Test func containerOnlyReleasesShareTheOSSlotAndLeaveTheBootBlockAlone() async throws {
        let box = try await RollbackBox()
        try await box.install("2026.11.1")
        try await box.expectSuccess(["activate", "2026.11.1"])
        let grubBefore = try await box.grub()
        try await box.install("2026.11.2", osVersion: "2026.11.1")
        try await box.expectSuccess(["activate", "2026.11.2"])
        #expect(try await box.grub() == grubBefore)
        let check = try await box.rollback(["check"], environment: ["FAKE_DOCKER_STOPPED": "svc0"])
        #expect(check.status == 4)
        #expect(try await box.grub() == grubBefore, "rolling back between releases on one slot never disables it")
        #expect(box.pointer("current") == "2026.11.1")
    }

    @Test func installRefusesToOverwriteTheRunningSlotAndNeedsToKnowWhereTheOSIs() async throws {
        let box = try await RollbackBox()
        try await box.install("2026.11.1")
        try await box.expectSuccess(["activate", "2026.11.1"])
        let bundle = try await box.factory.bundle("2026.11.2", in: box.directory)
        let unknown = try await box.rollback(["install", bundle])
        #expect(unknown.status == 64 && unknown.stderr.contains("--os-slot"), "\(unknown.stderr)")
        let running = try await box.rollback(["install", bundle, "--os-slot", "A"])
        #expect(running.status == 64 && running.stderr.contains("running release"), "\(running.stderr)")
        #expect(try await box.rollback(["list"]).stdout.split(separator: "\n").count == 1)
        try await box.expectSuccess(["install", bundle, "--os-slot", "B"])
        let again = try await box.rollback(["install", bundle, "--os-slot", "B"])
        #expect(again.status == 0 && again.stdout.contains("already installed"))
    }

    @Test func statusAndListAsJSON() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        try await box.expectSuccess(["activate", "2026.11.2"])
        let status = try await box.rollback(["status", "--json"])
        #expect(status.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let current = try #require(json["current"] as? [String: Any])
        #expect(current["version"] as? String == "2026.11.2" && current["os_slot"] as? String == "B" && current["health"] as? String == "trial")
        #expect((json["previous"] as? [String: Any])?["version"] as? String == "2026.11.1")
        #expect(json["previous_intact"] as? Bool == true && json["consistent"] as? Bool == true && json["reboot_pending"] as? Bool == true)
        let list = try await box.rollback(["list", "--json"])
        let releases = try #require((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["releases"] as? [[String: Any]])
        #expect(releases.map { $0["version"] as? String } == ["2026.11.2", "2026.11.1"])
        #expect(releases.map { $0["role"] as? String } == ["current", "previous"])
    }
}
