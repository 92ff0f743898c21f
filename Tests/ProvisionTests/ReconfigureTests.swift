import BoxConfig
import Foundation
import HostIO
@testable import Provisioning
import SiteSpec
import Testing
import TestSupport

/// `provision apply` on a running box touches only what changed: which services each changed
/// file concerns (pure), and the apply step's changed paths driving them. The activation is
/// recorded here (said so); the boot lab proves the real one under systemd.
@Suite struct ReconfigureTests {
    @Test("which services a changed file concerns", arguments: [
        (["/etc/hostname", "/etc/hosts"], BoxConfigurator.NetworkRenderer.netplan, [ServiceImpact.Effect]()),
        (["/etc/netplan/60-edge-site.yaml"], .netplan, [.reloadNetwork]),
        (["/etc/systemd/network/10-uplink0.network"], .networkd, [.reloadNetwork]),
        (["/etc/chrony/chrony.conf", "/etc/hosts"], .netplan, [.restart("chrony.service")]),
        (["/etc/systemd/timesyncd.conf.d/60-edge-site.conf", "/etc/netplan/60-edge-site.yaml"], .netplan, [.reloadNetwork, .restart("systemd-timesyncd.service")]),
        (["/etc/localtime", "/etc/timezone", BoxConfigurator.cloudInitNetworkOff], .netplan, []),
    ])
    func impact(changed: [String], renderer: BoxConfigurator.NetworkRenderer, expected: [ServiceImpact.Effect]) {
        #expect(ServiceImpact.effects(of: Set(changed), renderer: renderer) == expected)
    }

    static let base = try! String(contentsOf: ProvisionCommandLineTests.specs.appendingPathComponent("store-0042.json"), encoding: .utf8)

    func apply(_ text: String, root: TemporaryDirectory, activation: FirstBootEngineTests.RecordingActivation) throws -> [String] {
        let context = ProvisionContext(root: root.path, files: LocalFileSystem(), say: { _ in }, warn: { _ in })
        let zoneinfo = "/usr/share/zoneinfo/"
        let site = try SiteSpec.parse(Array(text.utf8), file: "spec.json", timezoneExists: { FileManager.default.fileExists(atPath: zoneinfo + $0) })
        let (_, changed) = try ApplyStep.runChanging(site: site, specBytes: Array(text.utf8), specName: "spec.json", renderer: .netplan, context: context)
        return try ApplyStep.reconfigure(site, renderer: .netplan, changed: changed, machineIDReplaced: false, activation: activation)
    }

    @Test("a first apply reloads the network and restarts the time daemon; the same spec again touches nothing; a new host name or NTP server touches only its own")
    func onlyWhatChanged() throws {
        let root = try TemporaryDirectory("reconfigure-root")
        try root.write("etc/hostname", "edge-golden\n")
        try root.write("etc/machine-id", String(repeating: "a", count: 32) + "\n", mode: 0o444)
        let activation = FirstBootEngineTests.RecordingActivation()
        #expect(try apply(Self.base, root: root, activation: activation) == ["network reloaded", "restarted chrony.service"])
        #expect(activation.log == ["netplan generate", "networkctl reload", "restart chrony.service", "hostname cam-gw-01"])

        let again = FirstBootEngineTests.RecordingActivation()
        #expect(try apply(Self.base, root: root, activation: again) == [])
        #expect(again.log == ["hostname cam-gw-01"])

        let renamed = Self.base.replacingOccurrences(of: "\"cam-gw-01\"", with: "\"cam-gw-02\"")
        #expect(renamed != Self.base)
        let rename = FirstBootEngineTests.RecordingActivation()
        #expect(try apply(renamed, root: root, activation: rename) == [])
        #expect(rename.log == ["hostname cam-gw-02"])

        let ntp = renamed.replacingOccurrences(of: "ntp1.example.net", with: "ntp2.example.net")
        #expect(ntp != renamed)
        let time = FirstBootEngineTests.RecordingActivation()
        #expect(try apply(ntp, root: root, activation: time) == ["restarted chrony.service"])
        #expect(time.log == ["restart chrony.service", "hostname cam-gw-02"])

        // A time daemon that does not run is not started by a changed file.
        let stopped = FirstBootEngineTests.RecordingActivation()
        stopped.running = []
        #expect(try apply(Self.base, root: root, activation: stopped) == [])
        #expect(stopped.log == ["hostname cam-gw-01"])
    }
}
