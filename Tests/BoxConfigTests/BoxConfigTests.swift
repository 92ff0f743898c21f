import Foundation
import Testing
import TestSupport
@testable import BoxConfig
@testable import SiteSpec

enum Specs {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../site-specs").standardized
    static let names = ["store-0042.json", "warehouse-bond.json", "lab-ipv6.json", "kiosk-dhcp.json"]

    static func load(_ name: String) throws -> SiteSpec {
        let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
        return try SiteSpec.parse(bytes, file: name) { FileManager.default.fileExists(atPath: "/usr/share/zoneinfo/\($0)") }
    }

    static let host = BoxConfigurator.Host(existingNetplanFiles: ["50-cloud-init.yaml"], machineID: "", newMachineID: String(repeating: "ab", count: 16))
}

/// Rendered network and time configuration, checked by the tools that will read it on the box.
@Suite struct RendererToolTests {
    @Test(arguments: Specs.names)
    func netplanGeneratesNetworkdConfig(name: String) async throws {
        let spec = try Specs.load(name)
        let plan = BoxConfigurator(spec: spec).plan(for: Specs.host)
        let root = try TemporaryDirectory("netplan")
        try root.write("etc/netplan/60-edge-site.yaml", try #require(plan.contents(of: BoxConfigurator.netplanFile)), mode: 0o600)
        let result = try await ProcessSupport.runDetached("netplan", ["generate", "--root-dir", root.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "netplan warned: \(result.stderr)")
        let generated = try FileManager.default.contentsOfDirectory(atPath: root.file("run/systemd/network"))
        for interface in spec.network.interfaces {
            #expect(generated.contains { $0.hasSuffix("-\(interface.id).network") }, "\(generated)")
        }
        for vlan in spec.network.vlans { #expect(generated.contains("10-netplan-\(vlan.id).netdev"), "\(generated)") }
        for bond in spec.network.bonds { #expect(generated.contains("10-netplan-\(bond.id).netdev"), "\(generated)") }
    }

    @Test func netplanOutputCarriesTheAddressesRoutesAndDNS() async throws {
        let plan = BoxConfigurator(spec: try Specs.load("store-0042.json")).plan(for: Specs.host)
        let root = try TemporaryDirectory("netplan-store")
        try root.write("etc/netplan/60-edge-site.yaml", try #require(plan.contents(of: BoxConfigurator.netplanFile)), mode: 0o600)
        #expect(try await ProcessSupport.runDetached("netplan", ["generate", "--root-dir", root.path]).status == 0)
        let uplink = try String(contentsOfFile: root.file("run/systemd/network/10-netplan-uplink.network"), encoding: .utf8)
        #expect(uplink.contains("MACAddress=00:11:22:33:44:55"))
        #expect(uplink.contains("Address=10.20.0.10/24"))
        #expect(uplink.contains("Gateway=10.20.0.1"))
        #expect(uplink.contains("DNS=10.20.0.2"))
        #expect(uplink.contains("VLAN=mgmt"))
        let cams = try String(contentsOfFile: root.file("run/systemd/network/10-netplan-cams.network"), encoding: .utf8)
        #expect(cams.contains("DHCP=ipv4"))
        #expect(cams.contains("RequiredForOnline=no"), "an unplugged camera port must not block network-online")
        let mgmt = try String(contentsOfFile: root.file("run/systemd/network/10-netplan-mgmt.netdev"), encoding: .utf8)
        #expect(mgmt.contains("Id=100"))
    }

    @Test(arguments: ["store-0042.json", "warehouse-bond.json", "kiosk-dhcp.json"])
    func chronyAcceptsTheConfig(name: String) async throws {
        let plan = BoxConfigurator(spec: try Specs.load(name)).plan(for: Specs.host)
        let directory = try TemporaryDirectory("chrony")
        let path = try directory.write("chrony.conf", try #require(plan.contents(of: "/etc/chrony/chrony.conf")))
        let result = try await ProcessSupport.runDetached("chronyd", ["-p", "-f", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("iburst"))
        #expect(result.stdout.contains("makestep 1.0 3"))
    }
}

/// Every rendered file keeps its grammar whatever the spec's file is called: its name goes
/// into each file's header comment, and a line break in it must not start a line of config.
@Suite struct RenderedGrammarTests {
    static let hostileNames = ["spec\nserver 6.6.6.6 iburst\n.json", "spec\r\nnetwork: {}\r.json", "s\u{1b}[2J\u{85}\u{2028}x.json"]

    @Test(arguments: hostileNames)
    func aSpecNameNeverBreaksOutOfAComment(name: String) async throws {
        for renderer in BoxConfigurator.NetworkRenderer.allCases {
            let plan = BoxConfigurator(spec: try Specs.load("store-0042.json"), renderer: renderer, source: name).plan(for: Specs.host)
            for case .write(let path, let contents, _) in plan.actions {
                let text = String(decoding: contents, as: UTF8.self)
                for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }) {
                    #expect(!line.contains("6.6.6.6") || line.hasPrefix("#"), "\(path): \(line)")
                    #expect(!line.hasPrefix("network: {}"), "\(path)")
                }
                #expect(!text.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0x0d || $0.value == 0x85 || $0.value == 0x2028 }, "\(path)")
            }
            let directory = try TemporaryDirectory("grammar")
            let chrony = try directory.write("chrony.conf", try #require(plan.contents(of: "/etc/chrony/chrony.conf")))
            let parsed = try await ProcessSupport.runDetached("chronyd", ["-p", "-f", chrony])
            #expect(parsed.status == 0, "\(parsed.stderr)")
            #expect(!parsed.stdout.contains("6.6.6.6"), "\(parsed.stdout)")
            if renderer == .netplan {
                try directory.write("root/etc/netplan/60-edge-site.yaml", try #require(plan.contents(of: BoxConfigurator.netplanFile)), mode: 0o600)
                let generated = try await ProcessSupport.runDetached("netplan", ["generate", "--root-dir", directory.file("root")])
                #expect(generated.status == 0 && generated.stderr.isEmpty, "\(generated.stderr)")
            }
        }
    }
}

@Suite struct BoxConfiguratorTests {
    @Test func leftoverNetplanFilesAreRemovedAndCloudInitNetworkIsDisabled() throws {
        let plan = BoxConfigurator(spec: try Specs.load("kiosk-dhcp.json")).plan(for: .init(existingNetplanFiles: ["50-cloud-init.yaml", "60-edge-site.yaml", "01-image.yaml"], machineID: String(repeating: "1", count: 32), newMachineID: String(repeating: "2", count: 32)))
        let removed = plan.actions.compactMap { action -> String? in if case .remove(let path, _) = action { return path } else { return nil } }
        #expect(removed == ["/etc/netplan/01-image.yaml", "/etc/netplan/50-cloud-init.yaml"])
        #expect(plan.contents(of: BoxConfigurator.cloudInitNetworkOff)?.contains("network: {config: disabled}") == true)
        let identity = try #require(plan.contents(of: BoxConfigurator.cloudInitIdentity))
        #expect(identity.contains("preserve_hostname: true\nmanage_etc_hosts: false\n"))
        #expect(plan.contents(of: "/etc/machine-id") == nil, "a valid, non-golden machine id is kept")
    }

    @Test(arguments: [
        (nil, nil, true), ("", nil, true), ("uninitialized\n", nil, true), ("not-an-id", nil, true),
        (String(repeating: "a", count: 32) + "\n", String(repeating: "a", count: 32), true),
        (String(repeating: "a", count: 32), String(repeating: "b", count: 32), false),
        (String(repeating: "a", count: 32), nil, false),
    ] as [(String?, String?, Bool)])
    func machineIDIsRegeneratedWhenMissingOrGolden(current: String?, golden: String?, regenerate: Bool) {
        #expect(BoxConfigurator.needsNewMachineID(current: current, golden: golden) == regenerate)
    }

    @Test func identityFiles() throws {
        let plan = BoxConfigurator(spec: try Specs.load("store-0042.json")).plan(for: Specs.host)
        #expect(plan.contents(of: "/etc/hostname") == "cam-gw-01\n")
        #expect(plan.contents(of: "/etc/hosts")?.contains("127.0.1.1\tcam-gw-01.store42.example.net cam-gw-01\n") == true)
        #expect(plan.contents(of: "/etc/hosts")?.contains("10.20.0.5\tnvr nvr.store42.example.net\n") == true)
        #expect(plan.actions.contains(.symlink(path: "/etc/localtime", target: "/usr/share/zoneinfo/America/Chicago")))
        #expect(plan.contents(of: "/etc/machine-id") == String(repeating: "ab", count: 16) + "\n")
        guard case .write(_, _, let mode)? = plan.actions.first(where: { $0.path == BoxConfigurator.netplanFile }) else {
            Issue.record("no netplan file")
            return
        }
        #expect(mode == 0o600, "netplan warns about world-readable files")
    }

    @Test func timesyncdDropIn() throws {
        let plan = BoxConfigurator(spec: try Specs.load("lab-ipv6.json")).plan(for: Specs.host)
        #expect(plan.contents(of: "/etc/systemd/timesyncd.conf.d/60-edge-site.conf")?.contains("NTP=ntp.example.net 2001:db8:42::123") == true)
        #expect(plan.contents(of: "/etc/chrony/chrony.conf") == nil)
    }
}

/// Rendered files against committed golden files (UPDATE_GOLDEN=1 rewrites them).
@Suite struct BoxConfigGoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func check(_ name: String, _ actual: String?) throws {
        let actual = try #require(actual)
        let url = Self.directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" { try Data(actual.utf8).write(to: url) }
        #expect(actual == (try String(contentsOf: url, encoding: .utf8)), "\(name) differs from its golden file")
    }

    @Test func storeNetplanChronyHosts() throws {
        let plan = BoxConfigurator(spec: try Specs.load("store-0042.json")).plan(for: Specs.host)
        try check("store-0042.netplan.yaml", plan.contents(of: BoxConfigurator.netplanFile))
        try check("store-0042.chrony.conf", plan.contents(of: "/etc/chrony/chrony.conf"))
        try check("store-0042.hosts", plan.contents(of: "/etc/hosts"))
    }

    @Test func warehouseNetworkd() throws {
        let plan = BoxConfigurator(spec: try Specs.load("warehouse-bond.json"), renderer: .networkd).plan(for: Specs.host)
        let files = plan.actions.compactMap { action -> String? in
            guard case .write(let path, let contents, _) = action, path.hasPrefix("/etc/systemd/network/") else { return nil }
            return "==> \(path)\n" + String(decoding: contents, as: UTF8.self)
        }
        try check("warehouse-bond.networkd.txt", files.joined(separator: "\n"))
        try check("warehouse-bond.netplan.yaml", BoxConfigurator(spec: try Specs.load("warehouse-bond.json")).plan(for: Specs.host).contents(of: BoxConfigurator.netplanFile))
    }
}
