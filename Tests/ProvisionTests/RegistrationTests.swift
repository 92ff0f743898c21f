import Foundation
import Testing
import TestSupport

/// Registration against a loopback HTTPS dashboard whose CA is made in the test and pinned
/// through the spec's ca_pem.
@Suite struct RegistrationTests {
    static let binary = ApplyCrashTests.binary
    static let token = "claim-SECRET-7f3a9c"

    final class Dashboard: @unchecked Sendable {
        let server: ServerProcess
        let directory: TemporaryDirectory
        let tls: TLSMaterial
        var url: String { "https://127.0.0.1:\(server.port)/api/v1/devices" }
        var requests: [[String: Any]] {
            ((try? String(contentsOfFile: directory.file("requests.jsonl"), encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        init(mode: String, count: Int = 2, specFile: String? = nil) async throws {
            directory = try TemporaryDirectory("dashboard")
            tls = try await TLSMaterial.create(in: directory, name: "dash")
            let (tls, directory) = (tls, directory)
            server = try await ServerProcess.start("python3", logPath: directory.file("server.log")) { port in
                [Fixtures.path("dashboard_server.py"), "--port", "\(port)", "--cert", tls.serverCert, "--key", tls.serverKey,
                 "--mode", mode, "--count", "\(count)", "--log", directory.file("requests.jsonl")] + (specFile.map { ["--spec-file", $0] } ?? [])
            }
        }
    }

    /// A spec for `dashboard`, with the claim token in a file under root (or inline).
    func spec(_ dashboard: Dashboard, root: TemporaryDirectory, tokenInFile: Bool = true, caPEM: String? = nil) throws -> String {
        let ca = try caPEM ?? String(contentsOfFile: dashboard.tls.caCert, encoding: .utf8)
        var registration: [String: Any] = ["url": dashboard.url, "ca_pem": ca]
        if tokenInFile {
            try root.write("etc/edge-imagesmith/claim-token", Self.token + "\n", mode: 0o600)
            registration["claim_token_file"] = "/etc/edge-imagesmith/claim-token"
        } else {
            registration["claim_token"] = Self.token
        }
        let spec: [String: Any] = [
            "schema_version": "1.0",
            "site": ["id": "store-0042", "name": "Store 42", "timezone": "UTC"],
            "device": ["hostname": "cam-gw-01", "domain": "store42.example.net"],
            "network": ["interfaces": [["id": "uplink", "match": ["name": "eth0"], "ipv4": ["mode": "dhcp"]]]],
            "time": ["client": "chrony", "sources": [["host": "ntp.example.net"]]],
            "registration": registration,
            "labels": ["tier": "retail"],
        ]
        let data = try JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys])
        return try root.write("spec/site_spec.json", String(decoding: data, as: UTF8.self), mode: 0o600)
    }

    func provision(_ arguments: [String]) async throws -> ProcessSupport.Output {
        try await ProcessSupport.runDetached(Self.binary, arguments, environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
    }

    func journal(_ root: TemporaryDirectory) throws -> String { try String(contentsOfFile: root.file("var/lib/edge-provision/journal.json"), encoding: .utf8) }

    @Test func registersOnceWithADurableIdentityAndRemovesTheTokenFile() async throws {
        let dashboard = try await Dashboard(mode: "created")
        let root = try TemporaryDirectory("register")
        let spec = try spec(dashboard, root: root)
        let result = try await provision(["apply", spec, "--root", root.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("registered with the dashboard (HTTP 201, after 1 attempt)"))
        let request = try #require(dashboard.requests.first)
        let body = try #require(request["body"] as? [String: Any])
        let deviceID = try String(contentsOfFile: root.file("var/lib/edge-provision/device-id"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(body["device_id"] as? String == deviceID)
        #expect(body["site_id"] as? String == "store-0042")
        #expect(body["hostname"] as? String == "cam-gw-01")
        #expect(body["claim_token"] as? String == Self.token)
        #expect(request["content_type"] as? String == "application/json")
        #expect(!FileManager.default.fileExists(atPath: root.file("etc/edge-imagesmith/claim-token")), "the single-use token copy is removed")
        #expect(try journal(root).contains("\"state\" : \"registered\""))
        for text in [result.stdout, result.stderr, try journal(root)] { #expect(!text.contains(Self.token)) }

        // Running again does not register again.
        let again = try await provision(["apply", spec, "--root", root.path])
        #expect(again.status == 0)
        #expect(again.stdout.contains("already registered"))
        #expect(dashboard.requests.count == 1)
    }

    @Test func alreadyRegisteredCountsAsSuccess() async throws {
        let dashboard = try await Dashboard(mode: "conflict")
        let root = try TemporaryDirectory("register-409")
        let result = try await provision(["apply", try spec(dashboard, root: root, tokenInFile: false), "--root", root.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("HTTP 409, already registered"))
    }

    @Test func serviceUnavailableIsRetriedWithTheSameIdentity() async throws {
        let dashboard = try await Dashboard(mode: "flaky", count: 2)
        let root = try TemporaryDirectory("register-503")
        let result = try await provision(["apply", try spec(dashboard, root: root), "--root", root.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("after 3 attempts"))
        let ids = dashboard.requests.compactMap { ($0["body"] as? [String: Any])?["device_id"] as? String }
        #expect(ids.count == 3 && Set(ids).count == 1)
    }

    @Test func refusalIsClearAndNeverEchoesTheToken() async throws {
        let dashboard = try await Dashboard(mode: "refuse")
        let root = try TemporaryDirectory("register-400")
        let result = try await provision(["apply", try spec(dashboard, root: root), "--root", root.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("the dashboard refused the registration (HTTP 400"))
        #expect(result.stderr.contains("<withheld: it may echo the claim token>"), "\(result.stderr)")
        #expect(!result.stderr.contains(Self.token))
        #expect(dashboard.requests.count == 1, "a 400 is not retried")
        #expect(FileManager.default.fileExists(atPath: root.file("etc/edge-imagesmith/claim-token")), "the token stays for the next try")
        #expect(try journal(root).contains("\"state\" : \"failed\""))
        #expect(!(try journal(root)).contains(Self.token))
    }

    @Test func unreachableDashboardLeavesTheBoxConfiguredAndRegistrationPending() async throws {
        let dashboard = try await Dashboard(mode: "created")
        let root = try TemporaryDirectory("register-down")
        let spec = try spec(dashboard, root: root)
        dashboard.server.stop()
        let result = try await provision(["apply", spec, "--root", root.path, "--registration-deadline", "3"])
        #expect(result.status == 75)
        #expect(result.stderr.contains("registration is pending"))
        #expect(FileManager.default.fileExists(atPath: root.file("etc/hostname")), "the local configuration completed")
        let status = try await provision(["status", "--root", root.path])
        #expect(status.stdout.contains("configuration: complete"))
        #expect(status.stdout.contains("registration: pending after"))
        #expect(status.stdout.contains("it is retried on the next run"))
        let firstID = try String(contentsOfFile: root.file("var/lib/edge-provision/device-id"), encoding: .utf8)

        // The dashboard comes back: the next run registers with the identity saved before.
        let back = try await Dashboard(mode: "created")
        let spec2 = try self.spec(back, root: root)
        let retry = try await provision(["register", spec2, "--root", root.path])
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect((back.requests.first?["body"] as? [String: Any])?["device_id"] as? String == firstID.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func aDashboardWithAnotherCAIsNeverSentTheToken() async throws {
        let dashboard = try await Dashboard(mode: "created")
        let root = try TemporaryDirectory("register-ca")
        let other = try await TLSMaterial.create(in: root, name: "other")
        let spec = try spec(dashboard, root: root, caPEM: try String(contentsOfFile: other.caCert, encoding: .utf8))
        let result = try await provision(["apply", spec, "--root", root.path, "--registration-deadline", "5"])
        #expect(result.status == 75)
        #expect(result.stderr.contains("TLS"))
        #expect(dashboard.requests.isEmpty, "no request body reached a server we could not verify")
    }

    @Test func specFetchedByURLIsSavedPrivatelyAndUsedWhenTheServerIsGone() async throws {
        let root = try TemporaryDirectory("spec-url")
        // First a dashboard to learn its CA, then one serving the spec that names it.
        let first = try await Dashboard(mode: "created")
        let specPath = try spec(first, root: root, tokenInFile: false)
        let server = try await Dashboard(mode: "created", specFile: specPath)
        try FileManager.default.copyItem(atPath: first.tls.caCert, toPath: root.file("first-ca.pem"))
        let url = "https://127.0.0.1:\(server.server.port)/sites/store-0042/site_spec.json"
        let result = try await provision(["apply", url, "--spec-ca-file", server.tls.caCert, "--root", root.path, "--skip-registration"])
        #expect(result.status == 0, "\(result.stderr)")
        let saved = root.file("etc/edge-imagesmith/site_spec.json")
        #expect(try FileManager.default.attributesOfItem(atPath: saved)[.posixPermissions] as? Int == 0o600, "the saved spec carries the claim token")
        #expect(try Data(contentsOf: URL(fileURLWithPath: saved)) == Data(contentsOf: URL(fileURLWithPath: specPath)))
        #expect(!result.stdout.contains(Self.token) && !result.stderr.contains(Self.token))

        server.server.stop()
        let offline = try await provision(["validate", url, "--spec-ca-file", server.tls.caCert])
        #expect(offline.status == 69, "validate has no saved copy outside a root: \(offline.stderr)")
        let again = try await provision(["apply", url, "--spec-ca-file", server.tls.caCert, "--root", root.path, "--skip-registration"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("using the copy saved at"))
    }

    @Test func specURLsMustBeHTTPSAndVerified() async throws {
        let plain = try await provision(["validate", "http://127.0.0.1:1/site_spec.json"])
        #expect(plain.status == 64)
        #expect(plain.stderr.contains("fetch it over https"))
        let root = try TemporaryDirectory("spec-url-ca")
        let first = try await Dashboard(mode: "created")
        let server = try await Dashboard(mode: "created", specFile: try spec(first, root: root))
        // No --spec-ca-file: the system CAs do not know the test CA.
        let result = try await provision(["apply", "https://127.0.0.1:\(server.server.port)/s.json?token=abc", "--root", root.path, "--skip-registration"])
        #expect(result.status == 69)
        #expect(result.stderr.contains("cannot fetch the site spec from https://127.0.0.1:\(server.server.port)/s.json:"))
        #expect(!result.stderr.contains("token=abc"))
        #expect(!FileManager.default.fileExists(atPath: root.file("etc/hostname")))
    }

    /// A spec from a URL is validated before it is saved: a bad answer is refused (65) and the
    /// last good saved copy stays as it was; `plan` and `validate` by URL leave nothing on
    /// disk, anywhere.
    @Test func aSpecFromAURLIsValidatedBeforeItIsSavedAndPlanLeavesNothing() async throws {
        let root = try TemporaryDirectory("spec-url-bad")
        let first = try await Dashboard(mode: "created")
        let specPath = try spec(first, root: root, tokenInFile: false)
        let good = try Data(contentsOf: URL(fileURLWithPath: specPath))
        let server = try await Dashboard(mode: "created", specFile: specPath)
        let url = "https://127.0.0.1:\(server.server.port)/sites/store-0042/site_spec.json"
        let temporaryBefore = Set(try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()))
        let plan = try await provision(["plan", url, "--spec-ca-file", server.tls.caCert, "--root", root.path])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("create     /etc/hostname"))
        let validate = try await provision(["validate", url, "--spec-ca-file", server.tls.caCert, "--json"])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout.contains("\"valid\" : true"))
        let created = Set(try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())).subtracting(temporaryBefore)
        #expect(created.filter { $0.hasPrefix("edge-plan") }.isEmpty, "plan left \(created)")
        #expect(!FileManager.default.fileExists(atPath: root.file("etc")), "plan and validate wrote under the root")

        let applied = try await provision(["apply", url, "--spec-ca-file", server.tls.caCert, "--root", root.path, "--skip-registration"])
        #expect(applied.status == 0, "\(applied.stderr)")
        let saved = root.file("etc/edge-imagesmith/site_spec.json")
        #expect(try Data(contentsOf: URL(fileURLWithPath: saved)) == good)

        // The server now answers with a spec that is not valid: refused, the saved copy kept.
        try Data(String(decoding: good, as: UTF8.self).replacingOccurrences(of: "cam-gw-01", with: "Cam_GW_01").utf8).write(to: URL(fileURLWithPath: specPath))
        let bad = try await provision(["apply", url, "--spec-ca-file", server.tls.caCert, "--root", root.path, "--skip-registration"])
        #expect(bad.status == 65, "\(bad.stderr)")
        #expect(bad.stderr.contains("/device/hostname"))
        #expect(bad.stderr.contains("was kept and nothing was changed"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: saved)) == good, "a bad answer replaced the saved spec")
        #expect(try String(contentsOfFile: root.file("etc/hostname"), encoding: .utf8) == "cam-gw-01\n")
        // Not JSON at all: the same.
        try Data("<html>maintenance</html>".utf8).write(to: URL(fileURLWithPath: specPath))
        let html = try await provision(["apply", url, "--spec-ca-file", server.tls.caCert, "--root", root.path, "--skip-registration"])
        #expect(html.status == 65, "\(html.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: saved)) == good)
    }
}
