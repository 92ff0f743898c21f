import Foundation
import Testing
import TestSupport

/// The signed-release life of a box with the real tools: keys and a root made with
/// `imagesmith keys|root`, releases signed with `imagesmith sign` (and countersigned),
/// installed and activated with `rollback`, a root rotated, a release revoked, and a rollback
/// authorized, each step checked on the box's disk and in `rollback status`.
@Suite struct SignedReleaseFlowTests {
    /// A release manager's desk: keys, the root, and `imagesmith` to run.
    final class Desk: @unchecked Sendable {
        let directory: TemporaryDirectory
        let box: RollbackBox
        var keys: String { directory.file("keys") }

        init(box: RollbackBox, releaseKeys: Int = 1, releaseThreshold: Int = 1) async throws {
            self.box = box
            directory = try TemporaryDirectory("desk")
            try await imagesmith(["keys", "generate", "--out", keys, "--name", "root1"])
            var arguments = ["root", "init", "--out", directory.file("root.json"), "--root-key", "\(keys)/root1.pub", "--key", "\(keys)/root1.key",
                             "--release-threshold", "\(releaseThreshold)"]
            for index in 1...releaseKeys {
                try await imagesmith(["keys", "generate", "--out", keys, "--name", "release\(index)"])
                arguments += ["--release-key", "\(keys)/release\(index).pub"]
            }
            try await imagesmith(arguments)
            // The image carries the root (the template's install step puts it there).
            try FileManager.default.createDirectory(atPath: box.root + "/etc/edge-imagesmith/trust", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: directory.file("root.json"), toPath: box.root + "/etc/edge-imagesmith/trust/root.json")
        }

        @discardableResult
        func imagesmith(_ arguments: [String], expect status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation) async throws -> ProcessSupport.Output {
            let result = try await ProcessSupport.runDetached(ReleaseFactory.binaries.appendingPathComponent("imagesmith").path, arguments,
                                                              environment: ReleaseFactory.environment)
            #expect(result.status == status, "imagesmith \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
            return result
        }

        /// Builds, signs (with release key 1 unless told) and returns the bundle of `version`.
        func release(_ version: String, keys names: [String] = ["release1"], extra: [String] = []) async throws -> String {
            try box.seed(box.factory.images(version))
            let bundle = try await box.factory.bundle(version, in: box.directory)
            try await imagesmith(["sign", bundle] + names.flatMap { ["--key", "\(keys)/\($0).key"] } + extra)
            return bundle
        }
    }

    @Test func aSignedReleaseInstallsAndTheBoxRefusesToGoBackwards() async throws {
        let box = try await RollbackBox()
        let desk = try await Desk(box: box)
        let first = try await desk.release("2026.12.1")
        try await box.expectSuccess(["install", first])
        try await box.expectSuccess(["activate", "2026.12.1"])
        #expect(FileManager.default.fileExists(atPath: box.state + "/releases/2026.12.1/release.sig"))
        let second = try await desk.release("2026.12.2")
        try await box.expectSuccess(["install", second, "--os-version", "2026.12.1"])
        let floor = try String(contentsOfFile: box.state + "/trust/highest.json", encoding: .utf8)
        #expect(floor.contains("202612000002"), "\(floor)")

        // An unsigned copy of a signed release: refused, nothing written.
        let copy = box.directory.file("copy.tar.gz")
        try FileManager.default.copyItem(atPath: second, toPath: copy)
        let unsigned = try await box.rollback(["install", copy])
        #expect(unsigned.status == 65 && unsigned.stderr.contains("has no signature"), "\(unsigned.stderr)")

        // Older release signed with a lower counter than the highest installed: refused; the
        // rollback authorization lets it in.
        let old = try await desk.release("2026.11.9", extra: ["--out", box.directory.file("old.sig")])
        let refused = try await box.rollback(["install", old, "--signature", box.directory.file("old.sig"), "--os-version", "2026.12.1"])
        #expect(refused.status == 65 && refused.stderr.contains("lower than the highest this box has installed (202612000002, 2026.12.2)"), "\(refused.stderr)")
        try await desk.imagesmith(["authorize-rollback", box.directory.file("old.sig"), "--key", "\(desk.keys)/release1.key",
                                   "--out", box.directory.file("auth.json"), "--root", desk.directory.file("root.json")])
        try await box.expectSuccess(["install", old, "--signature", box.directory.file("old.sig"), "--authorization", box.directory.file("auth.json"), "--os-version", "2026.12.1"])
        // The floor never goes down.
        #expect(try String(contentsOfFile: box.state + "/trust/highest.json", encoding: .utf8).contains("202612000002"))
    }

    /// Every trust file is read as a regular file only: in place of any of them, a FIFO, a link
    /// (even to a good copy) or a directory stops the install with the file named, and it is
    /// left as it was: never "no floor yet", never replaced.
    enum Damage: String, CaseIterable, Sendable { case fifo, linkToDevice, linkToACopy, directory }
    static let trustFiles = ["trust/highest.json", "trust/revocations.json", "releases/2026.12.1/release.sig", "BAKED"]

    @Test(arguments: trustFiles, Damage.allCases)
    func aTrustFileThatIsNotARegularFileFailsClosed(_ file: String, _ damage: Damage) async throws {
        let box = try await RollbackBox()
        let desk = try await Desk(box: box)
        let first = try await desk.release("2026.12.1")
        try await box.expectSuccess(["install", first])
        try await box.expectSuccess(["activate", "2026.12.1"])
        let second = try await desk.release("2026.12.2")
        try await box.expectSuccess(["install", second, "--os-version", "2026.12.1"])
        if file == "trust/revocations.json" {
            try await desk.imagesmith(["revoke", box.directory.file("revocations.json"), "--key", "\(desk.keys)/release1.key",
                                       "--sha256", "sha256:" + String(repeating: "e", count: 64), "--reason", "test"])
            try await box.expectSuccess(["trust", "revocations", box.directory.file("revocations.json")])
        }
        let path = file == "BAKED" ? box.root + "/etc/edge-imagesmith/trust/root.json" : box.state + "/" + file
        #expect(FileManager.default.fileExists(atPath: path), "\(path) was not made by the steps above")
        let copy = box.directory.file("copy-of-trust-file")
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        try FileManager.default.removeItem(atPath: path)
        switch damage {
        case .fifo: #expect(mkfifo(path, 0o644) == 0)
        case .linkToDevice: try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/zero")
        case .linkToACopy: try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: copy)
        case .directory: try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }
        let third = try await desk.release("2026.12.3")
        let result = try await box.rollback(["install", third, "--os-version", "2026.12.1"])
        #expect(result.status == 65, "\(file) as \(damage): \(result.status) \(result.stderr)")
        #expect(result.stderr.contains(path) && result.stderr.contains("not a regular file"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: box.state + "/releases/2026.12.3"), "\(file) as \(damage): the release was installed")
        let kind = try FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType
        let expected: FileAttributeType = switch damage {
        case .fifo: .typeUnknown
        case .linkToDevice, .linkToACopy: .typeSymbolicLink
        case .directory: .typeDirectory
        }
        if damage != .fifo { #expect(kind == expected, "\(file) as \(damage) was replaced") } else { #expect(kind != .typeRegular, "the FIFO was replaced") }
    }

    @Test func aThresholdOfTwoNeedsACountersignature() async throws {
        let box = try await RollbackBox()
        let desk = try await Desk(box: box, releaseKeys: 2, releaseThreshold: 2)
        let bundle = try await desk.release("2026.12.1")
        let once = try await box.rollback(["install", bundle])
        #expect(once.status == 65 && once.stderr.contains("1 valid signature from the release keys, 2 needed"), "\(once.stderr)")
        let signed = try await desk.imagesmith(["countersign", bundle + ".sig", "--key", "\(desk.keys)/release2.key", "--root", desk.directory.file("root.json")])
        #expect(signed.stdout.contains("release keys: 2 of 2 required signatures (complete)"), "\(signed.stdout)")
        try await box.expectSuccess(["install", bundle])
    }

    @Test func aRotatedRootIsTakenOnlyAsTheNextVersionSignedByOldAndNewKeys() async throws {
        let box = try await RollbackBox()
        let desk = try await Desk(box: box)
        try await desk.imagesmith(["keys", "generate", "--out", desk.keys, "--name", "root2"])
        try await desk.imagesmith(["keys", "generate", "--out", desk.keys, "--name", "release-new"])
        let root2 = desk.directory.file("root2.json")
        // Signed by the new root key only: a box refuses it.
        try await desk.imagesmith(["root", "rotate", desk.directory.file("root.json"), "--out", root2, "--root-key", "\(desk.keys)/root2.pub",
                                   "--release-key", "\(desk.keys)/release-new.pub", "--key", "\(desk.keys)/root2.key"])
        let incomplete = try await desk.imagesmith(["root", "check", root2, "--previous", desk.directory.file("root.json")], expect: 65)
        #expect(incomplete.stderr.contains("by the trusted root 1's keys"), "\(incomplete.stderr)")
        let refused = try await box.rollback(["trust", "update", root2])
        #expect(refused.status == 65 && refused.stderr.contains("no root was taken"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: box.state + "/trust/roots"))
        // Root 1's key signs too: taken.
        try await desk.imagesmith(["root", "sign", root2, "--key", "\(desk.keys)/root1.key"])
        try await desk.imagesmith(["root", "check", root2, "--previous", desk.directory.file("root.json")])
        try await box.expectSuccess(["trust", "update", root2])
        let status = try await box.rollback(["trust", "status", "--json"])
        #expect(status.stdout.contains("\"root_version\" : 2"), "\(status.stdout)")
        // Releases are now signed with the new release key; the old one no longer counts.
        let old = try await desk.release("2026.12.1")
        let byOld = try await box.rollback(["install", old])
        #expect(byOld.status == 65 && byOld.stderr.contains("0 valid signatures from the release keys"), "\(byOld.stderr)")
        try FileManager.default.removeItem(atPath: old + ".sig")
        try await desk.imagesmith(["sign", old, "--key", "\(desk.keys)/release-new.key"])
        try await box.expectSuccess(["install", old])
        // A stored root edited on the box stops everything (fail closed).
        try Data("{}".utf8).write(to: URL(fileURLWithPath: box.state + "/trust/roots/2.json"))
        let damaged = try await box.rollback(["trust", "status"])
        #expect(damaged.status == 65 && damaged.stderr.contains("roots/2.json"), "\(damaged.stderr)")
    }

    @Test func aRevokedReleaseIsNeverActivatedOrFallenBackIntoAndStatusSaysWhy() async throws {
        let box = try await RollbackBox()
        let desk = try await Desk(box: box)
        try await box.expectSuccess(["install", try await desk.release("2026.12.1")])
        try await box.expectSuccess(["activate", "2026.12.1"])
        try await box.expectSuccess(["install", try await desk.release("2026.12.2"), "--os-version", "2026.12.1"])
        try await box.expectSuccess(["activate", "2026.12.2"])
        let list = desk.directory.file("revocations.json")
        try await desk.imagesmith(["revoke", list, "--key", "\(desk.keys)/release1.key", "--release", "edge-test@202612000001", "--reason", "CVE-2026-4242 in svc0"])
        try await box.expectSuccess(["trust", "revocations", list])

        let status = try await box.rollback(["status", "--json"])
        #expect(status.status == 3, "the previous release is revoked, so the box cannot roll back: \(status.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let previous = try #require(json["previous"] as? [String: Any])
        #expect((previous["revoked"] as? String)?.contains("CVE-2026-4242 in svc0") == true, "\(status.stdout)")
        let to = try await box.rollback(["to", "previous", "--force"])
        #expect(to.status == 3 && to.stderr.contains("it is revoked"), "\(to.stderr)")
        #expect(box.pointer("current") == "2026.12.2")
        // A failing check in the trial window does not fall back into it.
        let check = try await box.rollback(["check", "--json"], environment: ["FAKE_DOCKER_STOPPED": "svc0"])
        #expect(check.status == 2 && check.stdout.contains("revoked"), "\(check.stdout)")
        #expect(box.pointer("current") == "2026.12.2")

        // An older list never replaces a newer one (freeze).
        let older = desk.directory.file("older.json")
        try FileManager.default.copyItem(atPath: list, toPath: older)
        try await desk.imagesmith(["revoke", list, "--key", "\(desk.keys)/release1.key", "--sha256", "sha256:" + String(repeating: "e", count: 64), "--reason", "another"])
        try await box.expectSuccess(["trust", "revocations", list])
        let frozen = try await box.rollback(["trust", "revocations", older])
        #expect(frozen.status == 65 && frozen.stderr.contains("a list never goes back"), "\(frozen.stderr)")
        // Signed by a stranger: refused.
        try await desk.imagesmith(["keys", "generate", "--out", desk.keys, "--name", "stranger"])
        try await desk.imagesmith(["revoke", desk.directory.file("forged.json"), "--key", "\(desk.keys)/stranger.key", "--release", "edge-test@202612000002", "--reason", "forged"])
        let forged = try await box.rollback(["trust", "revocations", desk.directory.file("forged.json")])
        #expect(forged.status == 65 && forged.stderr.contains("not signed as required"), "\(forged.stderr)")
    }

    @Test func aRevokedOSImageDisablesItsSlotAndBuildsOnItAreRefused() async throws {
        let box = try await RollbackBox()
        let desk = try await Desk(box: box)
        let osImage = box.directory.file("os-b.img")
        try Data((0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: osImage))
        try await box.expectSuccess(["install", try await desk.release("2026.12.1")])
        try await box.expectSuccess(["activate", "2026.12.1"])
        let withOS = try await desk.release("2026.12.2", extra: ["--os-image", osImage])
        // The OS image written to slot B must be the signed one.
        let other = box.directory.file("other.img")
        try Data(repeating: 7, count: 100).write(to: URL(fileURLWithPath: other))
        let swapped = try await box.rollback(["install", withOS, "--os-slot", "B", "--os-image", other])
        #expect(swapped.status == 65 && swapped.stderr.contains("it is not this release's OS image"), "\(swapped.stderr)")
        try await box.expectSuccess(["install", withOS, "--os-slot", "B", "--os-image", osImage])
        // Revoke the OS image by its digest.
        let digest = try await ProcessSupport.checkDetached("sha256sum", [osImage]).split(separator: " ")[0]
        let list = desk.directory.file("revocations.json")
        try await desk.imagesmith(["revoke", list, "--key", "\(desk.keys)/release1.key", "--sha256", "sha256:\(digest)", "--reason", "kernel regression"])
        let taken = try await box.rollback(["trust", "revocations", list, "--json"])
        #expect(taken.status == 0 && taken.stdout.contains("\"B\""), "slot B is disabled: \(taken.stdout)")
        let grub = try await box.grub()
        #expect(grub["B_OK"] == "0" && grub["B_TRIES"] == "0" && grub["ORDER"] == "A B", "\(grub)")
        let activate = try await box.rollback(["activate", "2026.12.2"])
        #expect(activate.status == 3 && activate.stderr.contains("which is revoked: kernel regression"), "\(activate.stderr)")
        // Signing a release on a revoked parent is refused at the desk too.
        let bundle = try await box.factory.bundle("2026.12.3", in: box.directory)
        let sign = try await desk.imagesmith(["sign", bundle, "--key", "\(desk.keys)/release1.key", "--parent", "slot-b-os=sha256:\(digest)",
                                              "--root", desk.directory.file("root.json"), "--revocations", list], expect: 65)
        #expect(sign.stderr.contains("it would be revoked at once"), "\(sign.stderr)")
    }

    @Test func theBuildBakesTheRootRecordsParentsAndRefusesARevokedParentOrAnExpiredRoot() async throws {
        let box = try await RollbackBox()
        let desk = try await Desk(box: box)
        let work = try TemporaryDirectory("signed-build")
        try FileManager.default.createDirectory(atPath: work.file("work-2026.12.1/trust"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: desk.directory.file("root.json"), toPath: work.file("work-2026.12.1/trust/root.json"))
        var factory = ReleaseFactory()
        factory.definitionExtra = "trust:\n  root: trust/root.json"
        let base = String(repeating: "ab", count: 32)
        factory.buildArguments = ["--parent", "base-disk=sha256:\(base)"]
        let built = try await factory.build("2026.12.1", in: work)
        #expect(built.status == 0, "\(built.stderr)")
        let out = work.file("work-2026.12.1/out")
        #expect(FileManager.default.contentsEqual(atPath: "\(out)/trust/root.json", andPath: desk.directory.file("root.json")))
        let template = try String(contentsOfFile: "\(out)/edge-test.pkr.hcl", encoding: .utf8)
        #expect(template.contains("trust-root.json") && template.contains("edge-test-2026.12.1.tar.gz.sig"), "\(template)")
        // release.json names the parents: the one given and the qemu source image's checksum.
        let listing = try await ProcessSupport.checkDetached("tar", ["-xzOf", "\(out)/edge-test-2026.12.1.tar.gz", "edge-test-2026.12.1/release.json"])
        #expect(listing.contains(base) && listing.contains(String(repeating: "c", count: 64)), "\(listing)")
        // Signed, the statement carries them.
        let signed = try await desk.imagesmith(["sign", "\(out)/edge-test-2026.12.1.tar.gz", "--key", "\(desk.keys)/release1.key", "--json"])
        #expect(signed.stdout.contains("\"release_counter\" : 202612000001"), "\(signed.stdout)")

        // A revoked parent: refused, nothing written.
        let list = desk.directory.file("revocations.json")
        try await desk.imagesmith(["revoke", list, "--key", "\(desk.keys)/release1.key", "--sha256", "sha256:\(base)", "--reason", "base disk compromised"])
        factory.buildArguments += ["--revocations", list]
        try FileManager.default.createDirectory(atPath: work.file("work-2026.12.2/trust"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: desk.directory.file("root.json"), toPath: work.file("work-2026.12.2/trust/root.json"))
        let refused = try await factory.build("2026.12.2", in: work)
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(refused.stderr.contains("the parent image base-disk (sha256:\(base)) is revoked: base disk compromised"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.file("work-2026.12.2/out")))

        // An expired root: a box carrying it could install nothing.
        let expired = try TemporaryDirectory("expired-root")
        try await desk.imagesmith(["root", "init", "--out", expired.file("root.json"), "--root-key", "\(desk.keys)/root1.pub",
                                   "--release-key", "\(desk.keys)/release1.pub", "--key", "\(desk.keys)/root1.key", "--expires-in", "1"])
        var late = ReleaseFactory()
        late.buildArguments = ["--trust-root", expired.file("root.json")]
        var environment = ReleaseFactory.environment
        environment["SOURCE_DATE_EPOCH"] = String(Int(Date().timeIntervalSince1970) + 3 * 86_400)
        let lateWork = try TemporaryDirectory("late")
        let lateBuild = try await late.build("2026.12.9", in: lateWork, environment: environment)
        #expect(lateBuild.status == 65 && lateBuild.stderr.contains("a box carrying it would install nothing"), "\(lateBuild.stderr)")
    }
}
