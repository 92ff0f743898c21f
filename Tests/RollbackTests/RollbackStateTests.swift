import Foundation
import HostIO
import Testing
import TestSupport

/// One rollback at a time, pruning that never touches what current or previous need, and
/// damaged or hand-edited state explained (never a crash) with a way out.
@Suite struct RollbackStateTests {
    @Test func aSecondRollbackWaitsItsTurn() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        guard case .acquired(let lock) = try FileLock.acquire("\(box.state)/lock") else {
            Issue.record("could not take the lock in the test")
            return
        }
        let result = try await box.rollback(["activate", "2026.11.2"])
        #expect(result.status == 75 && result.stderr.contains("another rollback is running (pid \(getpid()))"), "\(result.stderr)")
        #expect(box.pointer("current") == "2026.11.1")
        withExtendedLifetime(lock) {}
        // Read-only commands do not need the lock.
        #expect(try await box.rollback(["status"]).status == 0)
    }

    @Test func pruneKeepsCurrentPreviousAndTheirImages() async throws {
        var factory = ReleaseFactory()
        factory.services = 3
        factory.unchanged = 1   // svc0 has one digest in every release
        let box = try await RollbackBox(factory)
        try await box.install("2026.11.1")
        try await box.expectSuccess(["activate", "2026.11.1"])
        try await box.install("2026.11.2", slot: "B")
        // Two container-only releases on the same OS image.
        try await box.install("2026.11.3", osVersion: "2026.11.2")
        try await box.install("2026.11.4", osVersion: "2026.11.2")
        try await box.expectSuccess(["activate", "2026.11.2"])
        try await box.reboot()
        try await box.expectSuccess(["check"])
        try await box.expectSuccess(["commit"])
        // current 2026.11.2, previous 2026.11.1; 2026.11.3 and .4 installed, never run.
        let dry = try await box.rollback(["prune", "--dry-run", "--json"])
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(dry.stdout.utf8)) as? [String: Any])
        #expect(plan["kept"] as? [String] == ["2026.11.1", "2026.11.2"])
        #expect(plan["removed_releases"] as? [String] == ["2026.11.3", "2026.11.4"])
        #expect(FileManager.default.fileExists(atPath: "\(box.state)/releases/2026.11.3"), "dry run removed nothing")

        try await box.expectSuccess(["prune", "--keep", "2"])
        #expect(try await box.rollback(["list"]).stdout.split(separator: "\n").count == 2)
        for version in ["2026.11.3", "2026.11.4"] {
            #expect(try box.imageID(of: factory.images(version)[1].reference) == nil, "\(version)'s own images are gone")
        }
        for version in ["2026.11.1", "2026.11.2"] {
            for image in factory.images(version) { #expect(try box.imageID(of: image.reference) != nil, "\(image.reference) kept") }
        }
        // The shared svc0 image (also pinned by the pruned releases) is still there.
        #expect(try box.imageID(of: factory.images("2026.11.3")[0].reference) != nil)
        // And the previous release is still intact: rollback works after a prune.
        try await box.expectSuccess(["to", "previous"])
        #expect(try await box.rollback(["prune", "--keep", "1"]).status == 64)
    }

    @Test func damagedStateIsExplainedAndRepairable() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        try await box.expectSuccess(["activate", "2026.11.2"])

        // A hand-edited pointer.
        try FileManager.default.removeItem(atPath: "\(box.state)/current")
        try FileManager.default.createSymbolicLink(atPath: "\(box.state)/current", withDestinationPath: "/opt/somewhere")
        var status = try await box.rollback(["status"])
        #expect(status.status == 1 && status.stdout.contains("points at '/opt/somewhere'") && status.stdout.contains("rollback repair --current"), "\(status.stdout)")
        let refused = try await box.rollback(["to", "previous"])
        #expect(refused.status == 65, "\(refused.stderr)")
        try await box.expectSuccess(["repair", "--current", "2026.11.2"])
        #expect(try await box.rollback(["status"]).status == 0)

        // A garbage release record.
        try box.directory.write("root/var/lib/edge-rollback/releases/2026.11.1/state.json", "{ not json")
        status = try await box.rollback(["status"])
        #expect(status.status == 1 && status.stdout.contains("releases/2026.11.1/state.json is not a valid release record"), "\(status.stdout)")
        let list = try await box.rollback(["list"])
        #expect(list.status == 1 && list.stdout.contains("2026.11.2"), "list still shows what it can read")

        // A damaged boot block.
        try box.directory.write("root/boot/grub/grubenv", "# GRUB Environment Block\nORDER=B A\n")
        status = try await box.rollback(["status"])
        #expect(status.status == 1 && status.stdout.contains("exactly 1024") && status.stdout.contains("grub-editenv"), "\(status.stdout)")
        let check = try await box.rollback(["check"])
        #expect(check.status == 65 && check.stderr.contains("grubenv"), "\(check.stderr)")

        // A garbage journal: explained, and dropped on request.
        try box.directory.write("root/var/lib/edge-rollback/journal.json", "garbage")
        let blocked = try await box.rollback(["commit"])
        #expect(blocked.status == 65 && blocked.stderr.contains("--discard-journal"), "\(blocked.stderr)")
    }

    @Test func repairRealignsBootAndServicesWithCurrent() async throws {
        let box = try await RollbackBox()
        try await box.twoReleases()
        try await box.expectSuccess(["activate", "2026.11.2"])
        try await box.reboot()
        try await box.expectSuccess(["check"])
        try await box.expectSuccess(["commit"])
        // Someone edits the boot order by hand and runs the old containers.
        try await ProcessSupport.checkDetached("grub-editenv", [box.grubenv, "set", "ORDER=A B"])
        var docker = try box.docker()
        docker["compose"] = [String: Any]()
        try box.writeDocker(docker)
        let status = try await box.rollback(["status"])
        #expect(status.status == 1 && status.stdout.contains("GRUB will boot slot A"), "\(status.stdout)")
        let repair = try await box.rollback(["repair"])
        #expect(repair.status == 0 && repair.stdout.contains("boot selection now prefers slot B"), "\(repair.stdout)")
        #expect(try await box.grub()["ORDER"] == "B A")
        #expect(try box.running()["svc0"] == box.factory.images("2026.11.2")[0].reference)
        #expect(try await box.rollback(["status"]).status == 0)
    }

    @Test func rollbackLinksNoHTTPClient() async throws {
        // A box rolls back without a network: the binary must not even load libcurl.
        let libraries = try await ProcessSupport.checkDetached("ldd", [ReleaseFactory.binaries.appendingPathComponent("rollback").path])
        #expect(!libraries.contains("libcurl"), "\(libraries)")
        #expect(libraries.contains("libarchive"), "bundles are read with libarchive")
    }

    @Test func rollbackCarriesNoRegistryClientTransportOrYAML() async throws {
        // The module graph, read from the binary: no symbol of the registry client, the curl
        // transport, the HTTP layer or Yams (nor libyaml's C functions) is linked in.
        let binary = ReleaseFactory.binaries.appendingPathComponent("rollback").path
        let symbols = try await ProcessSupport.checkDetached("nm", ["--defined-only", binary])
        #expect(symbols.split(separator: "\n").count > 1000, "nm read the binary's symbols")
        #expect(symbols.contains("16RollbackCommands"), "the mangled names carry their module")
        for module in ["14RegistryClient", "9Transport", "8HTTPCore", "4Yams", "15ImageDefinition", "13ManifestCache", "11Credentials"] {
            let found = symbols.split(separator: "\n").filter { $0.contains("$s\(module)") }
            #expect(found.isEmpty, "rollback links \(module.drop { $0.isNumber }): \(found.prefix(3))")
        }
        #expect(!symbols.contains("yaml_parser_"), "rollback links libyaml")
        let size = try FileManager.default.attributesOfItem(atPath: binary)[.size] as? Int ?? 0
        print("rollback binary: \(size / 1024) KiB (debug build)")
    }

    @Test func usageErrors() async throws {
        let box = try await RollbackBox()
        #expect(try await box.rollback(["to", "previous"]).stderr.contains("no release is active"))
        #expect(try await box.rollback(["activate", "2026.12.1"]).status == 64)
        #expect(try await box.rollback(["install", "x.tar.gz", "--os-slot", "C"]).status == 64)
        #expect(try await box.rollback(["activate", "2026.11.1", "--boot-attempts", "0"]).status == 64)
        let status = try await box.rollback(["status"])
        #expect(status.status == 0 && status.stdout.contains("current: none"), "a fresh box is consistent: \(status.stdout)")
    }
}
