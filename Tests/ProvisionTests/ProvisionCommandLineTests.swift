import Foundation
import Testing
import TestSupport

/// The built `provision` executable: validate and plan, as a technician or a unit runs them.
@Suite struct ProvisionCommandLineTests {
    static let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    static let specs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../site-specs").standardized

    func provision(_ arguments: [String]) async throws -> ProcessSupport.Output {
        try await ProcessSupport.runDetached(Self.binaries.appendingPathComponent("provision").path, arguments,
                               environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
    }

    @Test(arguments: ["store-0042.json", "warehouse-bond.json", "lab-ipv6.json", "kiosk-dhcp.json"])
    func examplesValidate(name: String) async throws {
        let result = try await provision(["validate", Self.specs.appendingPathComponent(name).path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(": valid (site "))
    }

    @Test func invalidSpecExits65WithEveryProblemAndNoSecret() async throws {
        let directory = try TemporaryDirectory("validate")
        var text = try String(contentsOf: Self.specs.appendingPathComponent("store-0042.json"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"cam-gw-01\"", with: "\"Cam_GW\"")
            .replacingOccurrences(of: "\"vlan_id\": 100", with: "\"vlan_id\": 0")
            .replacingOccurrences(of: "https://dashboard", with: "http://dashboard")
        let path = try directory.write("site_spec.json", text)
        let result = try await provision(["validate", path])
        #expect(result.status == 65)
        #expect(result.stderr.contains("the site spec has 3 problems"))
        #expect(result.stderr.contains("\(path):4:26: /device/hostname: 'Cam_GW' is not a valid hostname"))
        #expect(result.stderr.contains("/network/vlans/0/vlan_id: 0 is out of range; expected 1 to 4094"))
        #expect(result.stderr.contains("/registration/url: 'http://dashboard.example.net/api/v1/devices' is not an https URL"))
        #expect(!result.stderr.contains("example-claim-token-store-0042"))
        #expect(result.stdout.isEmpty)
    }

    /// A timesyncd spec against an image that has chrony (they conflict): refused where the
    /// image is seen (validate --root, plan, apply), before anything is written; the spec
    /// alone is valid.
    @Test func aSpecWhoseTimeClientTheImageLacksIsRefusedWithTheReason() async throws {
        let root = try TemporaryDirectory("image-fit")
        try root.write("usr/sbin/chronyd", "#!/bin/sh\n", mode: 0o755)
        let spec = Self.specs.appendingPathComponent("lab-ipv6.json").path
        #expect(try await provision(["validate", spec]).status == 0)
        for command in [["validate", spec, "--root", root.path], ["plan", spec, "--root", root.path],
                        ["apply", spec, "--root", root.path, "--skip-registration"]] {
            let result = try await provision(command)
            #expect(result.status == 65, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("/time/client: 'timesyncd' does not fit this image"), "\(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: root.file("etc")), "nothing was written")
    }

    @Test func missingSpecExits66AndUsageErrorsExit64() async throws {
        let missing = try await provision(["validate", "/nonexistent/site_spec.json"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("the site spec /nonexistent/site_spec.json does not exist"), "\(missing.stderr)")
        let device = try await provision(["validate", "/dev/zero"])
        #expect(device.status == 66)
        #expect(device.stderr.contains("the site spec /dev/zero is not a regular file"), "\(device.stderr)")
        #expect(try await provision(["plan", "--network-renderer", "ifupdown", "x.json"]).status == 64)
    }

    @Test func planShowsNewFilesRemovalsAndDiffsAndChangesNothing() async throws {
        let root = try TemporaryDirectory("plan-root")
        try root.write("etc/netplan/50-cloud-init.yaml", "network: {version: 2, ethernets: {eth0: {dhcp4: true}}}\n")
        try root.write("etc/hostname", "ubuntu\n")
        try root.write("etc/machine-id", String(repeating: "c", count: 32) + "\n")
        try root.write("etc/edge-imagesmith/golden-machine-id", String(repeating: "c", count: 32) + "\n")
        let before = try FileManager.default.subpathsOfDirectory(atPath: root.path).sorted()
        let result = try await provision(["plan", Self.specs.appendingPathComponent("store-0042.json").path, "--root", root.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("remove     /etc/netplan/50-cloud-init.yaml"))
        #expect(result.stdout.contains("create     /etc/netplan/60-edge-site.yaml (600)\n+# Generated by provision"))
        #expect(result.stdout.contains("replace    /etc/hostname (644)\n--- /etc/hostname (now)\n+++ /etc/hostname (planned)\n-ubuntu\n+cam-gw-01\n"))
        #expect(result.stdout.contains("replace    /etc/machine-id (444): a new random id"))
        #expect(result.stdout.contains("link       /etc/localtime -> /usr/share/zoneinfo/America/Chicago"))
        #expect(try FileManager.default.subpathsOfDirectory(atPath: root.path).sorted() == before, "plan writes nothing")
    }
}

/// `provision first-boot` as the unit runs it, against a directory root (nothing is brought
/// into effect on this machine then). Real volumes and a real systemd: FirstBootTests.
@Suite struct FirstBootCommandLineTests {
    func provision(_ arguments: [String]) async throws -> ProcessSupport.Output {
        try await ProcessSupport.runDetached(ProvisionCommandLineTests.binaries.appendingPathComponent("provision").path, arguments,
                                             environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
    }

    @Test func aSpecOnTheBoxIsAppliedAndTheBoxMarkedConfiguredOnce() async throws {
        let root = try TemporaryDirectory("firstboot-cli")
        try root.write("etc/hostname", "edge-golden\n")
        try root.write("etc/edge-imagesmith/site_spec.json", try String(contentsOf: ProvisionCommandLineTests.specs.appendingPathComponent("store-0042.json"), encoding: .utf8), mode: 0o600)
        let first = try await provision(["first-boot", "--root", root.path, "--volume-wait", "0"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("first boot done: cam-gw-01 at store-0042 from /etc/edge-imagesmith/site_spec.json"))
        #expect(first.stdout.contains("nothing brought into effect on this machine"))
        #expect(try String(contentsOfFile: root.file("etc/hostname"), encoding: .utf8) == "cam-gw-01\n")
        let marker = try String(contentsOfFile: root.file("var/lib/edge-provision/configured"), encoding: .utf8)
        #expect(marker.contains("site store-0042 spec sha256 "))
        let again = try await provision(["first-boot", "--root", root.path, "--volume-wait", "0"])
        #expect(again.status == 0 && again.stdout.contains("already configured"))
        #expect(!(first.stdout + first.stderr).contains("example-claim-token-store-0042"))
    }

    @Test func withoutAnySpecItExits66AndSaysWhereItLooked() async throws {
        let root = try TemporaryDirectory("firstboot-none")
        let result = try await provision(["first-boot", "--root", root.path, "--volume-wait", "0", "--volume-label", "EDGE-TEST-NONE"])
        #expect(result.status == 66)
        #expect(result.stderr.contains("no site spec: no volume labelled EDGE-TEST-NONE appeared within 0 s and /etc/edge-imagesmith/site_spec.json does not exist"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root.file("var/lib/edge-provision")))
    }

    @Test(arguments: [["--volume-label", "has space"], ["--volume-label", "a/b"], ["--volume-wait", "-1"], ["--spec", "relative.json"], ["--network-renderer", "ifupdown"]])
    func badOptionsAreUsageErrors(arguments: [String]) async throws {
        let result = try await provision(["first-boot", "--root", "/nonexistent"] + arguments)
        #expect(result.status == 64, "\(result.stderr)")
    }
}
