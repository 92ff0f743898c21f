import Foundation
import Testing
import TestSupport

/// A new box's first boot, with systemd as PID 1: the golden image root (the real box
/// package installed by the template's own step) booted by systemd-nspawn with a site volume
/// attached, checked from inside the box as a technician would.
@Suite(.enabled(if: Shell.missingPrerequisite == nil, "\(Shell.missingPrerequisite ?? "")"), .timeLimit(.minutes(30)))
struct FirstBootTests {
    static let token = "claim-FIRSTBOOT-5b2e71"

    /// The dashboard's registration endpoint, over HTTPS on the host side of the box's uplink,
    /// with a CA made here that the spec pins.
    final class Dashboard: @unchecked Sendable {
        let server: ServerProcess
        let directory: TemporaryDirectory
        let tls: TLSMaterial
        let url: String
        var requests: [[String: Any]] {
            ((try? String(contentsOfFile: directory.file("requests.jsonl"), encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        init(host: String) async throws {
            directory = try TemporaryDirectory("boot-dashboard")
            tls = try await TLSMaterial.create(in: directory, name: "dash", ipAddresses: [host])
            let (tls, directory) = (tls, directory)
            server = try await ServerProcess.start("python3", logPath: directory.file("server.log"), host: host) { port in
                [Fixtures.path("dashboard_server.py"), "--host", host, "--port", "\(port)", "--cert", tls.serverCert, "--key", tls.serverKey,
                 "--mode", "created", "--log", directory.file("requests.jsonl")]
            }
            url = "https://\(host):\(server.port)/api/v1/devices"
        }
    }

    /// The site's spec: a static uplink (matched by name: veth links have no permanent MAC)
    /// and a DHCP camera port that may stay unplugged.
    static func spec(lab: BootLab, dashboard: Dashboard?, hostname: String = "cam-gw-01", search: String = "store42.example.net",
                     ntp: String = "ntp1.store42.example.net") throws -> String {
        let spec: [String: Any] = [
            "schema_version": "1.0",
            "site": ["id": "store-0042", "name": "Store 42", "timezone": "Europe/Berlin"],
            "device": ["hostname": hostname, "domain": "store42.example.net"],
            "network": [
                "interfaces": [
                    ["id": "uplink", "match": ["name": "uplink0"],
                     "ipv4": ["mode": "static", "addresses": ["\(lab.boxAddress)/24"], "gateway": lab.hostAddress]],
                    ["id": "cams", "match": ["name": "cams0"], "ipv4": ["mode": "dhcp"], "optional": true],
                ],
                "dns": ["servers": [lab.hostAddress], "search": [search]],
            ],
            "time": ["client": "chrony", "sources": [["host": ntp, "type": "server"], ["host": lab.hostAddress, "type": "server"]]],
            "hosts": [["ip": "10.20.0.5", "names": ["nvr", "nvr.store42.example.net"]]],
            "registration": [
                "url": dashboard?.url ?? "https://\(lab.hostAddress):9/api/v1/devices",
                "claim_token": token,
                "ca_pem": try dashboard.map { try String(contentsOfFile: $0.tls.caCert, encoding: .utf8) } ?? "",
            ].filter { !(($0.value as? String)?.isEmpty ?? false) },
            "labels": ["tier": "retail"],
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self) + "\n"
    }

    @Test func aNewBoxProvisionsItselfFromItsSiteVolumeAndRegistersOnce() async throws {
        let started = Date()
        let golden = try await GoldenImage.shared.prepared()
        let lab = try await BootLab(tarball: golden.tarball)
        do {
            // A box cloned with the build machine's id still in place: it must get its own.
            let goldenID = try String(contentsOfFile: "\(lab.root)/etc/edge-imagesmith/golden-machine-id", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(goldenID == golden.buildMachineID)
            try lab.directory.write("root/etc/machine-id", goldenID + "\n", mode: 0o444)
            let dashboard = try await Dashboard(host: lab.hostAddress)
            try await lab.attachVolume(label: "EDGE-SITE", files: ["site_spec.json": try Self.spec(lab: lab, dashboard: dashboard)])
            let prepared = Date()

            let state = try await lab.boot()
            let booted = Date()
            print("first boot: \(state) after \(String(format: "%.1f", booted.timeIntervalSince(prepared))) s")

            // The first-boot unit ran, succeeded, and finished before the network was configured.
            let provision = try await lab.waitForUnit("edge-provision.service")
            let provisionLog = try await journal(lab, "edge-provision.service")
            #expect(provision["ActiveState"] == "active" && provision["Result"] == "success", "\(provision)\n\(provisionLog)")
            let provisioned = try await lab.monotonic("edge-provision.service", "ActiveEnterTimestampMonotonic")
            #expect(provisioned > 0)
            #expect(provisioned <= (try await lab.monotonic("network-pre.target", "ActiveEnterTimestampMonotonic")))
            #expect(provisioned <= (try await lab.monotonic("systemd-networkd.service", "ExecMainStartTimestampMonotonic")))
            #expect(provisionLog.contains("first boot done: cam-gw-01 at store-0042 from site_spec.json on EDGE-SITE"), "\(provisionLog)")
            #expect(provisionLog.contains("the machine id was replaced"), "\(provisionLog)")

            // Registration: once, after the network is online, against the pinned dashboard.
            let register = try await lab.waitForUnit("edge-provision-register.service", timeout: 180)
            let registerLog = try await journal(lab, "edge-provision-register.service")
            #expect(register["Result"] == "success" && register["ExecMainStatus"] == "0", "\(register)\n\(registerLog)")
            let registered = Date()
            #expect(dashboard.requests.count == 1)
            let body = try #require(dashboard.requests.first?["body"] as? [String: Any])
            #expect(body["hostname"] as? String == "cam-gw-01")
            #expect(body["site_id"] as? String == "store-0042")
            #expect(body["device_id"] as? String == (try await lab.check("cat /var/lib/edge-provision/device-id")).trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(try await lab.exec("test -e /var/lib/edge-provision/registered").status == 0)

            // What a technician checks on the box.
            let addresses = try await lab.check("ip -br -4 addr show uplink0")
            #expect(addresses.contains("\(lab.boxAddress)/24"), "\(addresses)")
            let routes = try await lab.check("ip -4 route show default")
            #expect(routes.contains("default via \(lab.hostAddress) dev uplink0"), "\(routes)")
            let link = try await lab.check("networkctl status uplink0 --no-pager")
            #expect(link.contains("DNS: \(lab.hostAddress)"), "\(link)")
            #expect(link.contains("store42.example.net"), "\(link)")
            #expect(link.contains("routable"), "\(link)")
            // The camera port has no DHCP server behind it; it did not hold up network-online.
            #expect(try await lab.unit("network-online.target", ["ActiveState"])["ActiveState"] == "active")
            #expect(!(try await lab.check("networkctl status cams0 --no-pager")).contains("routable"))
            #expect(try await lab.check("hostname").trimmingCharacters(in: .whitespacesAndNewlines) == "cam-gw-01")
            #expect(try await lab.check("cat /etc/hostname") == "cam-gw-01\n")
            let hosts = try await lab.check("cat /etc/hosts")
            #expect(hosts.contains("10.20.0.5") && hosts.contains("nvr.store42.example.net"), "\(hosts)")
            #expect(hosts.contains("cam-gw-01.store42.example.net"), "\(hosts)")
            let chrony = try await lab.check("cat /etc/chrony/chrony.conf")
            #expect(chrony.contains("server ntp1.store42.example.net") && chrony.contains("server \(lab.hostAddress)"), "\(chrony)")
            #expect(try await lab.exec("chronyd -p -f /etc/chrony/chrony.conf").status == 0)
            #expect(try await lab.check("readlink /etc/localtime").contains("Europe/Berlin"))
            let machineID = try await lab.check("cat /etc/machine-id").trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(machineID != goldenID && machineID.count == 32 && machineID.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            // The image's own network is gone (kept in the backup), the site's is private.
            #expect(try await lab.exec("test -e /etc/netplan/01-image.yaml").status != 0)
            #expect(try await lab.exec("test -e /var/lib/edge-provision/backup/etc/netplan/01-image.yaml").status == 0)
            #expect(try await lab.check("stat -c %a /etc/netplan/60-edge-site.yaml /etc/edge-imagesmith/site_spec.json") == "600\n600\n")
            // The claim token never reached a log.
            #expect(!(try await lab.check("journalctl -b --no-pager -o cat")).contains(Self.token))

            // A second boot (the stick still attached) neither provisions nor registers again.
            try await lab.powerOff()
            try await lab.boot()
            let again = try await lab.waitForUnit("edge-provision.service")
            #expect(again["ConditionResult"] == "no", "\(again)")
            let registerAgain = try await lab.waitForUnit("edge-provision-register.service")
            #expect(registerAgain["ConditionResult"] == "no", "\(registerAgain)")
            #expect(dashboard.requests.count == 1)
            #expect(try await lab.check("hostname").trimmingCharacters(in: .whitespacesAndNewlines) == "cam-gw-01")
            #expect(try await lab.check("ip -br -4 addr show uplink0").contains("\(lab.boxAddress)/24"))
            #expect(try await lab.check("cat /etc/machine-id").trimmingCharacters(in: .whitespacesAndNewlines) == machineID)

            // A technician re-provisions the running box for a renamed site on the box itself:
            // the running host name follows at once (not only /etc/hostname), and what the old
            // spec wrote that the new one does not is gone.
            let renamed = try Self.spec(lab: lab, dashboard: nil, hostname: "cam-gw-02")
            // (Saved under the same name as the first spec: the rendered files cite the spec's
            // name, so another name would change every file's header. The fleet agent always
            // applies its work directory's site_spec.json.)
            try FileManager.default.createDirectory(atPath: lab.root + "/root/renamed", withIntermediateDirectories: true)
            try Data(renamed.utf8).write(to: URL(fileURLWithPath: lab.root + "/root/renamed/site_spec.json"))
            let networkd = try await lab.unit("systemd-networkd.service", ["InvocationID"])["InvocationID"]
            let reapplied = try await lab.exec("provision apply /root/renamed/site_spec.json --skip-registration")
            #expect(reapplied.status == 0, "\(reapplied.stdout)\(reapplied.stderr)")
            // Only the host name changed: no service is reloaded or restarted.
            #expect(reapplied.stdout.contains("provision: nothing to reload or restart"), "\(reapplied.stdout)")
            #expect(try await lab.check("hostname").trimmingCharacters(in: .whitespacesAndNewlines) == "cam-gw-02")
            #expect(try await lab.check("cat /etc/hostname") == "cam-gw-02\n")
            #expect(try await lab.check("cat /etc/hosts").contains("cam-gw-02.store42.example.net"))
            // A new search domain and time server (what a fleet config rollout delivers): the
            // network is reloaded in place (networkd rereads its files, it is not restarted) and
            // the time daemon is restarted only if it runs; nothing else.
            let chronyRuns = try await lab.exec("systemctl is-active --quiet chrony.service").status == 0
            let moved = try Self.spec(lab: lab, dashboard: nil, hostname: "cam-gw-02", search: "store42b.example.net", ntp: "ntp2.store42.example.net")
            try FileManager.default.createDirectory(atPath: lab.root + "/root/moved", withIntermediateDirectories: true)
            try Data(moved.utf8).write(to: URL(fileURLWithPath: lab.root + "/root/moved/site_spec.json"))
            let reconfigured = try await lab.exec("provision apply /root/moved/site_spec.json --skip-registration")
            #expect(reconfigured.status == 0, "\(reconfigured.stdout)\(reconfigured.stderr)")
            #expect(reconfigured.stdout.contains("provision: network reloaded"), "\(reconfigured.stdout)")
            #expect(reconfigured.stdout.contains("provision: restarted chrony.service") == chronyRuns, "chrony runs: \(chronyRuns)\n\(reconfigured.stdout)")
            #expect(!reconfigured.stdout.contains("journald"), "\(reconfigured.stdout)")
            var searched = ""
            for _ in 0..<50 where !searched.contains("store42b.example.net") {
                searched = try await lab.check("networkctl status uplink0 --no-pager")
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(searched.contains("store42b.example.net"), "\(searched)")
            #expect(try await lab.unit("systemd-networkd.service", ["InvocationID"])["InvocationID"] == networkd, "networkd was restarted, not reloaded")
            #expect(try await lab.check("cat /etc/chrony/chrony.conf").contains("server ntp2.store42.example.net"))
            let status = try await lab.exec("provision status --json")
            #expect(status.status == 0 && status.stdout.contains("\"configured\" : true"), "\(status.stdout)")
            try await lab.powerOff()
            print("first boot test: boot to multi-user \(String(format: "%.1f", booted.timeIntervalSince(prepared))) s, "
                  + "registered \(String(format: "%.1f", registered.timeIntervalSince(prepared))) s after power-on, "
                  + "whole test \(Int(Date().timeIntervalSince(started))) s (image preparation included)")
        } catch {
            await lab.tearDown()
            throw error
        }
        await lab.tearDown()
    }

    @Test func aSpecWithAnErrorFailsTheUnitAndLeavesTheImageAsItWas() async throws {
        let golden = try await GoldenImage.shared.prepared()
        let lab = try await BootLab(tarball: golden.tarball)
        do {
            try await lab.attachVolume(label: "EDGE-SITE", files: ["site_spec.json": try Self.spec(lab: lab, dashboard: nil, hostname: "Cam_GW")])
            // Left on the image's DHCP uplink, with no DHCP server behind it here, the box would
            // wait two minutes for network-online before the boot counts as finished.
            try FileManager.default.createSymbolicLink(atPath: "\(lab.root)/etc/systemd/system/systemd-networkd-wait-online.service", withDestinationPath: "/dev/null")
            let state = try await lab.boot()
            #expect(state == "degraded", "a failed first boot shows in the system state")
            let provision = try await lab.waitForUnit("edge-provision.service")
            #expect(provision["ActiveState"] == "failed" && provision["ExecMainStatus"] == "65", "\(provision)")
            let log = try await journal(lab, "edge-provision.service")
            #expect(log.contains("/device/hostname") && log.contains("Cam_GW") && log.contains("nothing was changed"), "\(log)")
            // The image's configuration is untouched and nothing was recorded as done.
            #expect(try await lab.check("cat /etc/hostname") == "\(GoldenImage.imageHostname)\n")
            #expect(try await lab.check("hostname").trimmingCharacters(in: .whitespacesAndNewlines) == GoldenImage.imageHostname)
            #expect(try await lab.check("cat /etc/netplan/01-image.yaml") == GoldenImage.imageNetplan)
            #expect(try await lab.exec("test -e /etc/netplan/60-edge-site.yaml").status != 0)
            #expect(try await lab.exec("test -e /etc/edge-imagesmith/site_spec.json").status != 0)
            #expect(try await lab.exec("test -e /var/lib/edge-provision/configured").status != 0)
            #expect(try await lab.waitForUnit("edge-provision-register.service")["ConditionResult"] == "no")
            // The box still came up and is reachable for a technician: multi-user, its image network.
            #expect(try await lab.unit("multi-user.target", ["ActiveState"])["ActiveState"] == "active")
            try await lab.powerOff()
        } catch {
            await lab.tearDown()
            throw error
        }
        await lab.tearDown()
    }

    func journal(_ lab: BootLab, _ unit: String) async throws -> String {
        try await lab.exec("journalctl -b -u \(unit) --no-pager -o cat").stdout
    }
}
