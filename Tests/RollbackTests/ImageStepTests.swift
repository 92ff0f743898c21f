import Foundation
import Testing
import TestSupport

/// templates/install-release.sh, the image build's step that hands the image's release to
/// `rollback`, run for real with sh, the real `rollback` binary and `systemctl --root` (which
/// enables units offline) against a directory standing in for the image's root.
@Suite struct ImageStepTests {
    @Test func theImageCarriesItsReleaseCommittedOnSlotA() async throws {
        let box = try await RollbackBox()
        let bundle = try await box.factory.bundle("2026.11.1", in: box.directory)
        try box.seed(box.factory.images("2026.11.1"))
        // Staging as the Packer template uploads it.
        let staging = box.directory.file("staging")
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: bundle, toPath: "\(staging)/edge-test-2026.11.1.tar.gz")
        let templates = ReleaseFactory.repository.appendingPathComponent("templates")
        // The units where the box package installs them (the step before this one installs the
        // package; FirstBootTests install the real one into a real root).
        let units = "\(box.root)/usr/lib/systemd/system"
        try FileManager.default.createDirectory(atPath: units, withIntermediateDirectories: true)
        for unit in ["edge-compose.service", "edge-rollback-check.service", "edge-rollback-check.timer"] {
            try FileManager.default.copyItem(atPath: templates.appendingPathComponent(unit).path, toPath: "\(units)/\(unit)")
        }
        let path = "\(box.bin):\(ReleaseFactory.binaries.path):" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = try await ProcessSupport.runDetached("/bin/sh", [templates.appendingPathComponent("install-release.sh").path], environment: [
            "PATH": path, "FAKE_DOCKER_STATE": box.dockerStatePath, "IMAGE_NAME": "edge-test", "IMAGE_VERSION": "2026.11.1",
            "IMAGESMITH_STAGING": staging, "IMAGESMITH_ROOT": box.root,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(box.pointer("current") == "2026.11.1")
        #expect(try box.health("2026.11.1") == "good")
        let grub = try await box.grub()
        #expect(grub["A_VERSION"] == "2026.11.1" && grub["A_OK"] == "1" && grub["ORDER"] == "A B")
        #expect(try box.running().isEmpty, "no container was started inside the image")
        let wants = "\(box.root)/etc/systemd/system"
        // systemctl --root links with absolute targets inside the image.
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(wants)/multi-user.target.wants/edge-compose.service") == "/usr/lib/systemd/system/edge-compose.service")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(wants)/timers.target.wants/edge-rollback-check.timer") == "/usr/lib/systemd/system/edge-rollback-check.timer")
        // First boot of a box: the unit's `rollback up` starts the services by digest.
        try await box.expectSuccess(["up"])
        #expect(try box.running()["svc0"] == box.factory.images("2026.11.1")[0].reference)
        #expect(try await box.rollback(["status"]).status == 0)
    }

    /// A signed image: the template uploads the root of trust and the release's signature;
    /// the step puts the root where the box tools read it, and `rollback install` verifies
    /// the release before recording it. Without the signature the step fails.
    @Test func aSignedImageCarriesItsRootAndItsReleaseIsVerified() async throws {
        let box = try await RollbackBox()
        let desk = try await SignedReleaseFlowTests.Desk(box: box)
        // The desk put the root into the box; the image step must do it instead.
        try FileManager.default.removeItem(atPath: box.root + "/etc/edge-imagesmith")
        let bundle = try await desk.release("2026.11.1")
        let staging = box.directory.file("staging")
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: bundle, toPath: "\(staging)/edge-test-2026.11.1.tar.gz")
        try FileManager.default.copyItem(atPath: desk.directory.file("root.json"), toPath: "\(staging)/trust-root.json")
        let templates = ReleaseFactory.repository.appendingPathComponent("templates")
        let path = "\(box.bin):\(ReleaseFactory.binaries.path):" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let environment = ["PATH": path, "FAKE_DOCKER_STATE": box.dockerStatePath, "IMAGE_NAME": "edge-test", "IMAGE_VERSION": "2026.11.1",
                           "IMAGESMITH_STAGING": staging, "IMAGESMITH_ROOT": box.root]
        let unsigned = try await ProcessSupport.runDetached("/bin/sh", [templates.appendingPathComponent("install-release.sh").path], environment: environment)
        #expect(unsigned.status != 0 && unsigned.stderr.contains("has no signature"), "\(unsigned.stderr)")
        #expect(box.pointer("current") == nil)
        try FileManager.default.copyItem(atPath: bundle + ".sig", toPath: "\(staging)/edge-test-2026.11.1.tar.gz.sig")
        let units = "\(box.root)/usr/lib/systemd/system"
        try FileManager.default.createDirectory(atPath: units, withIntermediateDirectories: true)
        for unit in ["edge-compose.service", "edge-rollback-check.service", "edge-rollback-check.timer"] {
            try FileManager.default.copyItem(atPath: templates.appendingPathComponent(unit).path, toPath: "\(units)/\(unit)")
        }
        let signed = try await ProcessSupport.runDetached("/bin/sh", [templates.appendingPathComponent("install-release.sh").path], environment: environment)
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(FileManager.default.contentsEqual(atPath: box.root + "/etc/edge-imagesmith/trust/root.json", andPath: desk.directory.file("root.json")))
        #expect(FileManager.default.fileExists(atPath: box.state + "/releases/2026.11.1/release.sig"))
        #expect(box.pointer("current") == "2026.11.1")
    }

    @Test func theGrubSideIsValidGrubScript() async throws {
        // grub-script-check (grub-common) parses GRUB's script language; it cannot boot it.
        let template = ReleaseFactory.repository.appendingPathComponent("templates/grub-ab.cfg").path
        let result = try await ProcessSupport.runDetached("grub-script-check", [template])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let broken = try TemporaryDirectory("grub")
        let path = try broken.write("broken.cfg", try String(contentsOfFile: template, encoding: .utf8).replacingOccurrences(of: "done\n", with: "\n"))
        #expect(try await ProcessSupport.runDetached("grub-script-check", [path]).status != 0, "the check can fail")
        let text = try String(contentsOfFile: template, encoding: .utf8)
        for variable in ["ORDER", "A_OK", "A_TRIES", "B_OK", "B_TRIES", "edge.slot="] {
            #expect(text.contains(variable), "the script uses \(variable), as rollback writes it")
        }
    }

    @Test func withoutTheRollbackToolTheStepFailsClearly() async throws {
        let box = try await RollbackBox()
        let templates = ReleaseFactory.repository.appendingPathComponent("templates")
        let result = try await ProcessSupport.runDetached("/bin/sh", [templates.appendingPathComponent("install-release.sh").path], environment: [
            "PATH": "/usr/bin:/bin", "IMAGE_NAME": "edge-test", "IMAGE_VERSION": "2026.11.1", "IMAGESMITH_ROOT": box.root,
        ])
        #expect(result.status == 1 && result.stderr.contains("the rollback tool is not installed in the image"), "\(result.stderr)")
    }
}
