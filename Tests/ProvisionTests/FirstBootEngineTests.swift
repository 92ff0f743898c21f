import Foundation
import Synchronization
import Testing
import TestSupport
import Basics
import HostIO
@testable import Provisioning

/// The first-boot rules over their seams. The volume here is a directory standing in for a
/// mounted file system (this suite runs unprivileged and mounts nothing): `mount` copies the
/// volume's entries, links as links, into the mount point and `unmount` empties it again, so
/// the reader sees what it would see on a real mount. FirstBootTests use real volumes (loop
/// devices, blkid, mount) under a real systemd.
@Suite struct FirstBootEngineTests {
    final class DirectoryVolumes: VolumeAccess, @unchecked Sendable {
        let volumes: [String: String]
        let failMount: Bool
        let calls = Mutex<[String]>([])

        init(_ volumes: [String: String], failMount: Bool = false) {
            self.volumes = volumes
            self.failMount = failMount
        }

        func device(label: String) -> String? {
            calls.withLock { $0.append("find \(label)") }
            return volumes[label].map { _ in "/dev/fake-\(label)" }
        }

        func mount(_ device: String, at directory: String) throws(VolumeError) {
            calls.withLock { $0.append("mount \(device)") }
            if failMount { throw VolumeError(description: "mount \(device) failed (exit 32): wrong fs type") }
            let label = String(device.dropFirst("/dev/fake-".count))
            guard let source = volumes[label] else { throw VolumeError(description: "no such device") }
            for name in (try? FileManager.default.contentsOfDirectory(atPath: source)) ?? [] {
                _ = try? FileManager.default.copyItem(atPath: "\(source)/\(name)", toPath: "\(directory)/\(name)")
            }
        }

        func unmount(_ directory: String) {
            calls.withLock { $0.append("unmount") }
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
            }
        }

        var log: [String] { calls.withLock { $0 } }
    }

    final class RecordingActivation: Activation, @unchecked Sendable {
        let calls = Mutex<[String]>([])
        func renderNetplan() throws(ActivationError) { calls.withLock { $0.append("netplan generate") } }
        func setHostname(_ name: String) throws(ActivationError) { calls.withLock { $0.append("hostname \(name)") } }
        func restartJournal() throws(ActivationError) { calls.withLock { $0.append("restart journald") } }
        func reloadNetwork() throws(ActivationError) { calls.withLock { $0.append("networkctl reload") } }
        /// Which units count as running (a box's systemd, recorded: the real one is the boot lab's).
        var running: Set<String> = ["chrony.service"]
        func restartIfRunning(_ unit: String) throws(ActivationError) -> Bool {
            guard running.contains(unit) else { return false }
            calls.withLock { $0.append("restart \(unit)") }
            return true
        }
        var log: [String] { calls.withLock { $0 } }
    }

    /// Counts the waits instead of waiting.
    final class Counter: Sleeper, @unchecked Sendable {
        let value = Mutex(0)
        var count: Int { value.withLock { $0 } }
        func sleep(seconds: Double) { value.withLock { $0 += 1 } }
    }

    static let specText = try! String(contentsOf: ProvisionCommandLineTests.specs.appendingPathComponent("store-0042.json"), encoding: .utf8)
    static let specPath = "/etc/edge-imagesmith/site_spec.json"

    /// A box root as the image leaves it.
    func imageRoot(machineID: String = String(repeating: "a", count: 32), golden: String = String(repeating: "b", count: 32)) throws -> TemporaryDirectory {
        let root = try TemporaryDirectory("firstboot-root")
        try root.write("etc/hostname", "edge-golden\n")
        try root.write("etc/netplan/50-cloud-init.yaml", "network: {version: 2, ethernets: {eth0: {dhcp4: true}}}\n", mode: 0o600)
        try root.write("etc/machine-id", machineID + "\n", mode: 0o444)
        try root.write("etc/edge-imagesmith/golden-machine-id", golden + "\n")
        return root
    }

    func volume(_ files: [String: String]) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory("volume")
        for (name, text) in files { try directory.write(name, text) }
        return directory
    }

    func firstBoot(_ root: TemporaryDirectory, _ access: DirectoryVolumes, wait: Double = 0, activation: (any Activation)? = nil,
                   pauses: Counter = Counter()) -> FirstBoot {
        let volume = SiteVolume(access: access, labels: ["EDGE-SITE"], mountDirectory: root.file("run/edge-provision/volume"), sleeper: pauses)
        let context = ProvisionContext(root: root.path, files: LocalFileSystem(), say: { _ in }, warn: { _ in })
        return FirstBoot(context: context, specPath: Self.specPath, renderer: .netplan, volume: volume, volumeWait: wait,
                         activation: activation)
    }

    func tree(_ root: TemporaryDirectory) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for path in try FileManager.default.subpathsOfDirectory(atPath: root.path) {
            files[path] = FileManager.default.contents(atPath: root.file(path)) ?? Data()
        }
        return files
    }

    @Test func theSpecOnTheVolumeIsSavedPrivatelyAppliedAndMarked() throws {
        let root = try imageRoot()
        let stick = try volume(["site_spec.json": Self.specText])
        let access = DirectoryVolumes(["EDGE-SITE": stick.path])
        #expect(firstBoot(root, access).run() == .success)
        #expect(FileManager.default.contents(atPath: root.file("etc/edge-imagesmith/site_spec.json")) == Data(Self.specText.utf8))
        #expect(try FileManager.default.attributesOfItem(atPath: root.file("etc/edge-imagesmith/site_spec.json"))[.posixPermissions] as? Int == 0o600)
        #expect(try String(contentsOfFile: root.file("etc/hostname"), encoding: .utf8) == "cam-gw-01\n")
        #expect(FileManager.default.fileExists(atPath: root.file("var/lib/edge-provision/configured")))
        #expect(!FileManager.default.fileExists(atPath: root.file("etc/netplan/50-cloud-init.yaml")))
        #expect(access.log == ["find EDGE-SITE", "mount /dev/fake-EDGE-SITE", "unmount"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.file("run/edge-provision/volume")).isEmpty)
    }

    @Test func aBadSpecOnTheVolumeChangesNothing() throws {
        let root = try imageRoot()
        let stick = try volume(["site_spec.json": Self.specText.replacingOccurrences(of: "\"cam-gw-01\"", with: "\"Cam_GW\"")])
        let access = DirectoryVolumes(["EDGE-SITE": stick.path])
        var before = try tree(root)
        #expect(firstBoot(root, access).run() == .dataError)
        var after = try tree(root)
        // Only the (empty) mount point appeared.
        for path in ["run", "run/edge-provision", "run/edge-provision/volume"] { after.removeValue(forKey: path); before.removeValue(forKey: path) }
        #expect(after == before)
        #expect(access.log.last == "unmount")
    }

    @Test(arguments: [
        ("link", "is a symbolic link; expected a regular file"),
        ("missing", "has no site_spec.json in its top directory"),
        ("huge", "a site spec is at most 1048576"),
        ("directory", "is not a regular file"),
    ])
    func anUnreadableVolumeChangesNothingAndSaysWhy(kind: String, message: String) throws {
        let root = try imageRoot()
        let stick = try TemporaryDirectory("volume-\(kind)")
        switch kind {
        case "link": try FileManager.default.createSymbolicLink(atPath: stick.file("site_spec.json"), withDestinationPath: "/etc/shadow")
        case "huge": try stick.write("site_spec.json", String(repeating: " ", count: (1 << 20) + 1))
        case "directory": try FileManager.default.createDirectory(atPath: stick.file("site_spec.json"), withIntermediateDirectories: true)
        default: try stick.write("README", "no spec here\n")
        }
        let access = DirectoryVolumes(["EDGE-SITE": stick.path])
        let boot = firstBoot(root, access)
        do {
            _ = try boot.volume.read(wait: 0)
            Issue.record("the volume was read")
        } catch {
            #expect("\(error)".contains(message) && "\(error)".contains("EDGE-SITE (/dev/fake-EDGE-SITE)"), "\(error)")
        }
        let before = try String(contentsOfFile: root.file("etc/hostname"), encoding: .utf8)
        #expect(boot.run() == .noInput)
        #expect(try String(contentsOfFile: root.file("etc/hostname"), encoding: .utf8) == before)
        #expect(!FileManager.default.fileExists(atPath: root.file("etc/edge-imagesmith/site_spec.json")))
        #expect(access.log.last == "unmount")
    }

    @Test func aVolumeThatWillNotMountChangesNothing() throws {
        let root = try imageRoot()
        let access = DirectoryVolumes(["EDGE-SITE": "/nonexistent"], failMount: true)
        #expect(firstBoot(root, access).run() == .noInput)
        #expect(!FileManager.default.fileExists(atPath: root.file("var/lib/edge-provision")))
    }

    @Test func withNoVolumeAndNoSpecItWaitsThenExits66() throws {
        let root = try imageRoot()
        let pauses = Counter()
        let access = DirectoryVolumes([:])
        #expect(firstBoot(root, access, wait: 2, pauses: pauses).run() == .noInput)
        #expect(pauses.count == 4, "looked every half second for two seconds")
        #expect(access.log.count == 5)
        #expect(!FileManager.default.fileExists(atPath: root.file("var/lib/edge-provision")))
    }

    @Test func withASpecOnTheBoxItLooksOnceAndUsesIt() throws {
        let root = try imageRoot()
        try root.write("etc/edge-imagesmith/site_spec.json", Self.specText, mode: 0o600)
        let pauses = Counter()
        let access = DirectoryVolumes([:])
        #expect(firstBoot(root, access, wait: 20, pauses: pauses).run() == .success)
        #expect(pauses.count == 0)
        #expect(access.log == ["find EDGE-SITE"])
        #expect(try String(contentsOfFile: root.file("etc/hostname"), encoding: .utf8) == "cam-gw-01\n")
    }

    @Test func aVolumeWinsOverTheSpecOnTheBox() throws {
        let root = try imageRoot()
        try root.write("etc/edge-imagesmith/site_spec.json", Self.specText.replacingOccurrences(of: "\"cam-gw-01\"", with: "\"old-name\""), mode: 0o600)
        let stick = try volume(["site_spec.json": Self.specText])
        #expect(firstBoot(root, DirectoryVolumes(["EDGE-SITE": stick.path])).run() == .success)
        #expect(try String(contentsOfFile: root.file("etc/hostname"), encoding: .utf8) == "cam-gw-01\n")
        #expect(FileManager.default.contents(atPath: root.file("etc/edge-imagesmith/site_spec.json")) == Data(Self.specText.utf8))
    }

    @Test func onceConfiguredItDoesNothing() throws {
        let root = try imageRoot()
        try root.write("var/lib/edge-provision/configured", "done\n")
        let access = DirectoryVolumes(["EDGE-SITE": "/nonexistent"])
        #expect(firstBoot(root, access).run() == .success)
        #expect(access.log.isEmpty, "not even the volume is looked at")
        #expect(try String(contentsOfFile: root.file("etc/hostname"), encoding: .utf8) == "edge-golden\n")
    }

    @Test(arguments: [true, false])
    func itBringsTheConfigurationIntoEffectAndRestartsTheJournalOnlyForANewMachineID(golden: Bool) throws {
        let id = String(repeating: "c", count: 32)
        let root = try imageRoot(machineID: id, golden: golden ? id : String(repeating: "d", count: 32))
        let stick = try volume(["site_spec.json": Self.specText])
        let activation = RecordingActivation()
        #expect(firstBoot(root, DirectoryVolumes(["EDGE-SITE": stick.path]), activation: activation).run() == .success)
        #expect(activation.log == ["netplan generate", "hostname cam-gw-01"] + (golden ? ["restart journald"] : []))
        let machineID = try String(contentsOfFile: root.file("etc/machine-id"), encoding: .utf8)
        #expect((machineID == id + "\n") == !golden)
    }
}
