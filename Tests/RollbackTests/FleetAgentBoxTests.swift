import Foundation
import Testing
import TestSupport

/// The fleet agent (`edge-box agent once`) on a box: a real etcd, releases published with
/// `imagesmith fleet`, and the real `rollback` under a temporary root with the fake docker
/// (no Docker engine runs here; see RollbackBox).
@Suite("The fleet agent drives the box tools", .serialized)
struct FleetAgentBoxTests {
    @Test("it takes the channel's release through rollback install, activate and check; a release that fails its checks is rolled back and reported (etcd, and an S3 bucket)",
          arguments: ["etcd", "s3"])
    func agentOnABox(kind: String) async throws {
        let box = try await RollbackBox()
        var etcd: EtcdServer?
        var s3: S3Server?
        let store: [String]
        let storeConfig: String
        if kind == "s3" {
            let server = try await ProcessSupport.detached { try S3Server() }
            s3 = server
            // The bucket is the operator's to make (moto takes an unsigned request for it).
            _ = try await ProcessSupport.checkDetached("curl", ["-sf", "-X", "PUT", "\(server.endpoint)/fleet-box"])
            let secret = "box-secret-\(UInt64.random(in: 0...UInt64.max))"
            let operatorSecret = try box.directory.write("s3-secret", secret + "\n", mode: 0o600)
            try FileManager.default.createDirectory(atPath: box.root + "/etc/edge-imagesmith", withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: box.root + "/etc/edge-imagesmith/fleet-s3.secret", contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600])
            store = ["--s3", "\(server.endpoint)/fleet-box", "--s3-access-key-id", "AKIDBOX1", "--s3-secret-file", operatorSecret]
            storeConfig = #""s3": {"url": "\#(server.endpoint)/fleet-box", "region": "us-east-1", "access_key_id": "AKIDBOX1", "secret_file": "/etc/edge-imagesmith/fleet-s3.secret"}"#
        } else {
            let server = try await ProcessSupport.detached { try EtcdServer() }
            etcd = server
            store = ["--etcd", server.endpoint]
            storeConfig = #""etcd": ["\#(server.endpoint)"]"#
        }
        defer { etcd?.stop(); s3?.stop() }
        func fleet(_ arguments: [String]) async throws -> ProcessSupport.Output {
            let result = try await ProcessSupport.runDetached(ReleaseFactory.binaries.appendingPathComponent("imagesmith").path, ["fleet"] + arguments + store,
                                                              environment: ReleaseFactory.environment)
            #expect(result.status == 0, "imagesmith fleet \(arguments.joined(separator: " ")): \(result.stderr)")
            return result
        }
        // A release that fails its health check: a TCP check on a port nobody listens on.
        var failing = box.factory
        failing.healthChecks = ["{name: db, service: svc1, tcp: {host: 127.0.0.1, port: \(try ProcessSupport.freePort())}, retries: 0, interval_seconds: 1, timeout_seconds: 1}"]
        var bundles: [String: String] = [:]
        for version in ["2026.12.1", "2026.12.2", "2026.12.3"] {
            let factory = version == "2026.12.3" ? failing : box.factory
            // 2026.12.2's images are not on the box: its agent pulls them, from a private
            // registry (the fake docker refuses pulls from it without a login; said so).
            if version != "2026.12.2" { try box.seed(factory.images(version)) }
            bundles[version] = try await factory.bundle(version, in: box.directory)
            _ = try await fleet(["publish", bundles[version]!, "--version", version, "--url", bundles[version]!])
        }
        // The box runs 2026.12.1, from its image.
        try await box.expectSuccess(["install", bundles["2026.12.1"]!])
        try await box.expectSuccess(["activate", "2026.12.1"])
        _ = try await fleet(["channel", "stable", "2026.12.1"])
        _ = try await fleet(["enroll", "box-1", "--site", "site-1", "--channel", "stable"])

        let config = try box.directory.write("fleet.json", """
            {\(storeConfig), "device": "box-1", "root": "\(box.root)", "poll_interval_seconds": 5,
             "rollback": "\(ReleaseFactory.binaries.appendingPathComponent("rollback").path)",
             "provision": "\(ReleaseFactory.binaries.appendingPathComponent("provision").path)"}
            """)
        func agentOnce() async throws -> [String: Any] {
            var environment = ReleaseFactory.environment
            environment["PATH"] = "\(box.bin):" + (environment["PATH"] ?? "/usr/bin:/bin")
            environment["FAKE_DOCKER_STATE"] = box.dockerStatePath
            environment["FAKE_DOCKER_PRIVATE"] = "registry.test"
            let result = try await ProcessSupport.runDetached(ReleaseFactory.binaries.appendingPathComponent("edge-box").path,
                                                              ["agent", "once", "--config", config], environment: environment)
            #expect(result.status == 0, "edge-box agent once: \(result.stderr)")
            return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        }

        var report = try await agentOnce()
        #expect(report["release"] as? String == "2026.12.1")

        // A site config version, staged: the agent hands it to the real provision (apply,
        // without registration, under the box's root) and reports the version applied.
        let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../site-specs/store-0042.json").standardized.path
        _ = try await fleet(["config", "publish", "site-1", spec, "--version", "2026.12.1"])
        _ = try await fleet(["config", "set", "site-1", "2026.12.1"])
        report = try await agentOnce()
        #expect(report["config"] as? String == "2026.12.1" && report["config_failure"] == nil, "\(report)")

        _ = try await fleet(["channel", "stable", "2026.12.2"])
        // Without a login the pull is refused: the box stays, says why, and tries again later.
        report = try await agentOnce()
        #expect(report["release"] as? String == "2026.12.1", "\(report)")
        #expect((report["waiting"] as? String)?.contains("unauthorized") == true, "\(report)")
        // The device's own login, readable by it alone: the next poll pulls and takes the release.
        let registryPassword = "pull-secret-\(UInt64.random(in: 0...UInt64.max))"
        let passwordFile = try box.directory.write("registry-password", registryPassword + "\n", mode: 0o600)
        let login = try await fleet(["registry-login", "box-1", "--registry", "registry.test", "--username", "box-1-puller", "--registry-password-file", passwordFile])
        #expect(!login.stdout.contains(registryPassword) && !login.stderr.contains(registryPassword))
        report = try await agentOnce()
        #expect(report["release"] as? String == "2026.12.2" && report["health"] as? String == "ok", "\(report)")
        let pullLogins = (try box.docker()["pull_logins"] as? [String: String]) ?? [:]
        let pulled = box.factory.images("2026.12.2").map(\.reference)
        #expect(!pulled.isEmpty && pulled.allSatisfy { pullLogins[$0] == "box-1-puller" }, "\(pullLogins)")
        let dockerConfig = box.root + "/var/lib/edge-fleet-agent/docker/config.json"
        #expect((try FileManager.default.attributesOfItem(atPath: dockerConfig)[.posixPermissions] as? Int) == 0o600)
        #expect(!"\(report)".contains(registryPassword))
        #expect(box.pointer("current") == "2026.12.2" && box.pointer("previous") == "2026.12.1")
        // The bundle was fetched into the agent's directory on the box, owner-only.
        let fetched = box.root + "/var/lib/edge-fleet-agent/bundles/" + URL(fileURLWithPath: bundles["2026.12.2"]!).lastPathComponent
        #expect((try FileManager.default.attributesOfItem(atPath: fetched)[.posixPermissions] as? Int) == 0o600)

        _ = try await fleet(["channel", "stable", "2026.12.3"])
        report = try await agentOnce()
        #expect(report["release"] as? String == "2026.12.2", "\(report)")
        let rollback = report["last_rollback"] as? [String: Any]
        #expect(rollback?["from"] as? String == "2026.12.3" && rollback?["to"] as? String == "2026.12.2", "\(report)")
        #expect(box.pointer("current") == "2026.12.2")
        // It does not try the release it went back from again, and says so.
        report = try await agentOnce()
        #expect(report["release"] as? String == "2026.12.2")
    }

    @Test("a bundle at a plain http location is not fetched unless the box opted in for a lab; then it is, and installed")
    func plainHTTPIsOptIn() async throws {
        let box = try await RollbackBox()
        let etcd = try await ProcessSupport.detached { try EtcdServer() }
        defer { etcd.stop() }
        let store = ["--etcd", etcd.endpoint]
        func fleet(_ arguments: [String]) async throws {
            let result = try await ProcessSupport.runDetached(ReleaseFactory.binaries.appendingPathComponent("imagesmith").path, ["fleet"] + arguments + store,
                                                              environment: ReleaseFactory.environment)
            #expect(result.status == 0, "imagesmith fleet \(arguments.joined(separator: " ")): \(result.stderr)")
        }
        let served = try TemporaryDirectory("plain-http")
        var bundles: [String: String] = [:]
        for version in ["2026.12.1", "2026.12.2"] {
            try box.seed(box.factory.images(version))
            bundles[version] = try await box.factory.bundle(version, in: served)
        }
        let web = try await ServerProcess.start("python3", logPath: served.file("http.log")) { port in
            ["-m", "http.server", "--bind", "127.0.0.1", "--directory", served.path, String(port)]
        }
        defer { web.stop() }
        for version in ["2026.12.1", "2026.12.2"] {
            let relative = String(bundles[version]!.dropFirst(served.path.count + 1))
            try await fleet(["publish", bundles[version]!, "--version", version, "--url", "http://127.0.0.1:\(web.port)/\(relative)", "--allow-plain-http"])
        }
        try await box.expectSuccess(["install", bundles["2026.12.1"]!])
        try await box.expectSuccess(["activate", "2026.12.1"])
        try await fleet(["channel", "stable", "2026.12.2"])
        try await fleet(["enroll", "box-1", "--site", "site-1", "--channel", "stable"])
        func agentOnce(optIn: Bool) async throws -> [String: Any] {
            let config = try box.directory.write("fleet.json", """
                {"etcd": ["\(etcd.endpoint)"], "device": "box-1", "root": "\(box.root)", \(optIn ? "\"allow_plain_http\": true," : "")
                 "rollback": "\(ReleaseFactory.binaries.appendingPathComponent("rollback").path)",
                 "provision": "\(ReleaseFactory.binaries.appendingPathComponent("provision").path)"}
                """)
            var environment = ReleaseFactory.environment
            environment["PATH"] = "\(box.bin):" + (environment["PATH"] ?? "/usr/bin:/bin")
            environment["FAKE_DOCKER_STATE"] = box.dockerStatePath
            let result = try await ProcessSupport.runDetached(ReleaseFactory.binaries.appendingPathComponent("edge-box").path,
                                                              ["agent", "once", "--config", config], environment: environment)
            #expect(result.status == 0, "edge-box agent once: \(result.stderr)")
            return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        }
        var report = try await agentOnce(optIn: false)
        #expect(report["release"] as? String == "2026.12.1", "\(report)")
        #expect((report["waiting"] as? String)?.contains("plain http") == true, "\(report)")
        #expect(!web.log.contains("GET /"), "the box asked the plain http server: \(web.log)")
        report = try await agentOnce(optIn: true)
        #expect(report["release"] as? String == "2026.12.2" && report["health"] as? String == "ok", "\(report)")
        #expect(web.log.contains("GET /"), "\(web.log)")
    }

    @Test("a configuration that is not valid is refused with its field, and nothing is done")
    func badConfig() async throws {
        let directory = try TemporaryDirectory("agent-config")
        for (text, mention) in [
            (#"{"etcd": ["http://127.0.0.1:1"], "device": "Box_1"}"#, "/device"),
            (#"{"etcd": ["http://127.0.0.1:1"], "device": "box-1", "colour": "red"}"#, "/colour"),
            (#"{"etcd": ["http://127.0.0.1:1"], "device": "box-1", "user": "u"}"#, "password_file"),
            (#"{"etcd": ["http://127.0.0.1:1"], "device": "box-1", "root": "relative"}"#, "/root"),
            (#"{"device": "box-1"}"#, "exactly one store"),
            (#"{"etcd": ["http://127.0.0.1:1"], "s3": {"url": "http://127.0.0.1:1/b", "region": "r", "access_key_id": "a", "secret_file": "/s"}, "device": "box-1"}"#, "exactly one store"),
            (#"{"s3": {"url": "http://127.0.0.1:1/bkt", "region": "r", "access_key_id": "a", "secret_file": "/s", "secret": "x"}, "device": "box-1"}"#, "/s3/secret"),
            (#"{"s3": {"url": "http://127.0.0.1:1/bkt", "region": "r", "access_key_id": "a", "secret_file": "s"}, "device": "box-1"}"#, "/s3/secret_file"),
            // Read strictly, as every file the tools read back: a key given twice, a number
            // out of range, each at its JSON Pointer.
            (#"{"etcd": ["http://127.0.0.1:1"], "device": "box-1", "device": "box-2"}"#, "1:53: /device: not valid JSON: duplicate key 'device'"),
            (#"{"etcd": ["http://127.0.0.1:1"], "device": "box-1", "poll_interval_seconds": 1e400}"#, "/poll_interval_seconds: 1e400 is out of range; expected a finite number"),
            (#"{"etcd": ["http://127.0.0.1:1"], "device": "box-1", "poll_interval_seconds": "60"}"#, "/poll_interval_seconds: expected a number"),
        ] {
            let config = try directory.write("fleet.json", text)
            let result = try await ProcessSupport.runDetached(ReleaseFactory.binaries.appendingPathComponent("edge-box").path,
                                                              ["agent", "once", "--config", config], environment: ReleaseFactory.environment)
            #expect(result.status == 65 && result.stderr.contains(mention), "\(text): \(result.status) \(result.stderr)")
        }
        let unreachable = try directory.write("fleet.json", #"{"etcd": ["http://127.0.0.1:\#(try ProcessSupport.freePort())"], "device": "box-1"}"#)
        let result = try await ProcessSupport.runDetached(ReleaseFactory.binaries.appendingPathComponent("edge-box").path,
                                                          ["agent", "once", "--config", unreachable], environment: ReleaseFactory.environment)
        #expect(result.status == 69, "\(result.stderr)")
    }
}
