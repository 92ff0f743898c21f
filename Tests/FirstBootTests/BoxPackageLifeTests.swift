import Foundation
import Testing
import TestSupport

/// The box package's whole life on a booted box (systemd as PID 1 in nspawn), as Debian users
/// expect it: the fleet agent runs under its sandbox and does its job (a staged site
/// configuration through the real provision: files under /etc, the running host name); an
/// upgrade restarts it; removing the package stops its units and keeps the operator's
/// configuration; purging it removes the enable links, the masks and what the tools wrote.
@Suite(.enabled(if: Shell.missingPrerequisite == nil, "\(Shell.missingPrerequisite ?? "")"), .timeLimit(.minutes(30)))
struct BoxPackageLifeTests {
    static let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

    @Test func theAgentUnderItsSandboxThenUpgradeRemoveAndPurge() async throws {
        let golden = try await GoldenImage.shared.prepared()
        let lab = try await BootLab(tarball: golden.tarball)
        do {
            // The fleet's store, on the host side of the box's uplink.
            let etcd = try await ProcessSupport.detached { try EtcdServer(host: lab.hostAddress) }
            defer { etcd.stop() }
            let work = try TemporaryDirectory("package-life")
            func fleet(_ arguments: [String]) async throws {
                let result = try await ProcessSupport.runDetached(Self.binaries.appendingPathComponent("imagesmith").path, ["fleet"] + arguments + ["--etcd", etcd.endpoint],
                                                                  environment: ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent-home"])
                #expect(result.status == 0, "imagesmith fleet \(arguments.joined(separator: " ")): \(result.stderr)")
            }
            let bundle = try work.write("edge-2026.11.1.tar.gz", "a release this box never fetches")
            try await fleet(["publish", bundle, "--version", "2026.11.1", "--url", "/srv/releases/edge-2026.11.1.tar.gz"])
            try await fleet(["channel", "stable", "2026.11.1"])
            // A staged site configuration that renames the box.
            let renamed = try work.write("site_spec.json", try FirstBootTests.spec(lab: lab, dashboard: nil, hostname: "fleet-gw-07"))
            try await fleet(["config", "publish", "site-1", renamed, "--version", "2026.12.1"])
            try await fleet(["config", "set", "site-1", "2026.12.1"])
            try await fleet(["enroll", "box-1", "--site", "site-1", "--channel", "stable"])

            // First boot gives the box its uplink; the image enabled the agent, which starts
            // once the box has a fleet configuration.
            // No release is on the box yet (the fleet brings it): /var/lib/edge-rollback comes
            // from the package's tmpfiles.d, or the agent's sandbox could not start.
            try? FileManager.default.removeItem(atPath: lab.root + "/var/lib/edge-rollback")
            let dashboard = try await FirstBootTests.Dashboard(host: lab.hostAddress)
            try await lab.attachVolume(label: "EDGE-SITE", files: ["site_spec.json": try FirstBootTests.spec(lab: lab, dashboard: dashboard)])
            try lab.directory.write("root/etc/edge-imagesmith/fleet.json", #"{"etcd": ["\#(etcd.endpoint)"], "device": "box-1", "poll_interval_seconds": 5}"#, mode: 0o600)
            try await lab.boot()

            // The agent applied the configuration through provision, inside its sandbox: the
            // files under /etc, and the running host name (sethostname, CAP_SYS_ADMIN).
            var report = ""
            for _ in 0..<150 where !report.contains("\"config\":\"2026.12.1\"") {
                report = try await ProcessSupport.runDetached("etcdctl", ["--endpoints", etcd.endpoint, "get", "--print-value-only", "/edge/v1/devices/box-1/status"],
                                                              environment: ["ETCDCTL_API": "3", "PATH": "/usr/bin:/bin"]).stdout
                try await Task.sleep(for: .milliseconds(400))
            }
            let agentLog = try await lab.exec("journalctl -b -u edge-fleet-agent.service --no-pager -o cat").stdout
            #expect(report.contains("\"config\":\"2026.12.1\""), "the agent did not report the config applied: \(report)\n\(agentLog)")
            #expect(!report.contains("config_failure"), "\(report)\n\(agentLog)")
            #expect(try await lab.check("hostname").trimmingCharacters(in: .whitespacesAndNewlines) == "fleet-gw-07", "\(agentLog)")
            #expect(try await lab.check("cat /etc/hostname") == "fleet-gw-07\n")
            let sandbox = try await lab.unit("edge-fleet-agent.service", ["ActiveState", "SubState", "MainPID", "CapabilityBoundingSet", "ProtectHome", "PrivateMounts"])
            #expect(sandbox["ActiveState"] == "active" && sandbox["SubState"] == "running", "\(sandbox)")
            #expect(sandbox["CapabilityBoundingSet"] == "cap_sys_admin" && sandbox["ProtectHome"] == "tmpfs" && sandbox["PrivateMounts"] == "yes", "\(sandbox)")
            let before = try #require(sandbox["MainPID"])
            // A secret the agent keeps (what its registry logins and bundles are), and one the
            // operator gave, for purge to find.
            try await lab.check("mkdir -p /var/lib/edge-fleet-agent/docker && echo '{\"auths\":{}}' > /var/lib/edge-fleet-agent/docker/config.json")
            try await lab.check("test -e /var/lib/edge-provision/configured && test -e /etc/edge-imagesmith/site_spec.json")

            // An upgrade (the same package, a later version): the running agent is restarted and
            // stays enabled; nothing else is started.
            let next = try await Self.laterVersion(of: golden.package, in: work)
            try FileManager.default.copyItem(atPath: next.path, toPath: lab.root + "/root/next.deb")
            try await lab.check("dpkg -i /root/next.deb", timeout: 300)
            #expect(try await lab.check("dpkg-query -W -f '${Version}' edge-imagesmith-box") == next.version)
            var after = try await lab.unit("edge-fleet-agent.service", ["ActiveState", "MainPID"])
            for _ in 0..<50 where after["ActiveState"] != "active" || after["MainPID"] == "0" {
                try await Task.sleep(for: .milliseconds(200))
                after = try await lab.unit("edge-fleet-agent.service", ["ActiveState", "MainPID"])
            }
            #expect(after["ActiveState"] == "active" && after["MainPID"] != before && after["MainPID"] != "0", "\(after) (was \(before))")
            #expect(try await lab.check("systemctl is-enabled edge-fleet-agent.service edge-provision.service").split(separator: "\n") == ["enabled", "enabled"])
            #expect(try await lab.exec("systemctl is-active edge-provision-register.service").stdout.trimmingCharacters(in: .whitespacesAndNewlines) != "activating")

            // Remove: the units stop (the agent's process is gone) and stay masked while the
            // package is away; the operator's configuration and the box's state stay.
            try await lab.check("dpkg -r edge-imagesmith-box", timeout: 300)
            #expect(try await lab.exec("systemctl is-active edge-fleet-agent.service").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "inactive")
            #expect(try await lab.exec("pgrep -f 'edge-box agent'").status != 0, "the agent still runs")
            #expect(try await lab.exec("systemctl is-enabled edge-fleet-agent.service").stdout.contains("masked"))
            #expect(try await lab.exec("test -e /etc/edge-imagesmith/fleet.json && test -d /var/lib/edge-rollback && test -d /var/lib/edge-provision").status == 0)

            // Purge: no enable link, mask or unit is left, and neither is what the tools wrote
            // (the saved site spec, the agent's work directory, the state) or the fleet
            // configuration.
            try await lab.check("dpkg -P edge-imagesmith-box", timeout: 300)
            let links = try await lab.check("find /etc/systemd/system -name 'edge-*' -print")
            #expect(links.isEmpty, "left behind: \(links)")
            // (list-unit-files exits 1 when nothing matches.)
            let unitFiles = try await lab.exec("systemctl list-unit-files 'edge-*' --no-legend")
            #expect(unitFiles.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(unitFiles.stdout)")
            for path in ["/etc/edge-imagesmith", "/var/lib/edge-fleet-agent", "/var/lib/edge-provision", "/var/lib/edge-rollback", "/usr/bin/rollback"] {
                #expect(try await lab.exec("test -e \(path)").status != 0, "\(path) survived the purge")
            }
            let status = try await lab.exec("dpkg-query -W -f '${Status}' edge-imagesmith-box")
            #expect(status.status != 0 || status.stdout.contains("not-installed"), "\(status.stdout)")
            try await lab.powerOff()
        } catch {
            await lab.tearDown()
            throw error
        }
        await lab.tearDown()
    }

    /// The package with its version raised (`+life1`): what an upgrade installs.
    static func laterVersion(of package: String, in directory: TemporaryDirectory) async throws -> (path: String, version: String) {
        let tree = directory.file("next-tree")
        try await Shell.check("dpkg-deb", ["-R", package, tree])
        let control = try String(contentsOfFile: tree + "/DEBIAN/control", encoding: .utf8)
        let version = try #require(control.split(separator: "\n").first { $0.hasPrefix("Version: ") }).dropFirst("Version: ".count) + "+life1"
        try Data(control.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasPrefix("Version: ") ? "Version: \(version)" : String($0) }
            .joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: tree + "/DEBIAN/control"))
        let path = directory.file("next.deb")
        try await Shell.check("dpkg-deb", ["--root-owner-group", "-b", tree, path], timeout: 300)
        return (path, String(version))
    }
}
