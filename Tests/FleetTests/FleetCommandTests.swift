import Foundation
import Testing
import TestSupport

/// `imagesmith fleet` as an operator runs it, against a real etcd.
@Suite("imagesmith fleet against a real etcd", .serialized)
struct FleetCommandTests {
    static let imagesmith = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("imagesmith").path

    func run(_ arguments: [String]) async throws -> ProcessSupport.Output {
        try await ProcessSupport.runDetached(Self.imagesmith, ["fleet"] + arguments, environment: ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent-home"])
    }

    @Test("publish, channel, enroll, a rollout started, watched and stopped by hand; bad input and a missing store exit as documented")
    func operatorFlow() async throws {
        let etcd = try await ProcessSupport.detached { try EtcdServer() }
        let directory = try TemporaryDirectory("fleet-cli")
        let store = ["--etcd", etcd.endpoint]
        let bundle = try directory.write("edge-2026.12.1.tar.gz", "release bytes")
        let old = try directory.write("edge-2026.11.1.tar.gz", "old release bytes")

        #expect(try await run(["publish", old, "--version", "2026.11.1", "--url", old] + store).status == 0)
        let published = try await run(["publish", bundle, "--version", "2026.12.1", "--json", "--url", "https://releases.example/edge-2026.12.1.tar.gz"] + store)
        #expect(published.status == 0 && published.stdout.contains("\"bundle_sha256\""))
        // The same version with other bytes: refused, the store unchanged.
        let again = try await run(["publish", old, "--version", "2026.12.1", "--url", "https://releases.example/edge-2026.12.1.tar.gz"] + store)
        #expect(again.status == 75 && again.stderr.contains("immutable"))
        #expect(try await run(["channel", "stable", "2026.11.1"] + store).status == 0)
        for index in 0..<8 {
            let enrolled = try await run(["enroll", "box-\(index)", "--site", "site-1", "--channel", "stable", "--policy", index == 0 ? "window:02:00+120@60" : "window:02:00+120@Europe/Paris"] + store)
            #expect(enrolled.status == 0, "\(enrolled.stderr)")
            // A fixed offset is taken, with a word about daylight saving.
            #expect(enrolled.stdout.contains("drifts an hour") == (index == 0), "\(enrolled.stdout)")
        }
        let stored = try await ProcessSupport.runDetached("etcdctl", ["--endpoints", etcd.endpoint, "get", "--print-value-only", "/edge/v1/devices/box-1/enrollment"], environment: ["ETCDCTL_API": "3"])
        #expect(stored.stdout.contains(#""zone":"Europe/Paris""#), "\(stored.stdout)")

        let devices = try await run(["devices"] + store)
        #expect(devices.status == 0 && devices.stdout.contains("box-3; site site-1, channel stable; no report; offline") && devices.stdout.contains("8 devices, 0 online"), "\(devices.stdout)")
        let devicesJSON = try await run(["devices", "--json"] + store)
        #expect(devicesJSON.status == 0 && devicesJSON.stdout.contains("\"presence_known\" : true"), "\(devicesJSON.stdout)")

        let started = try await run(["rollout", "start", "r1", "--channel", "stable", "--to", "2026.12.1", "--canary", "3", "--waves", "50,100"] + store)
        #expect(started.status == 0, "\(started.stderr)")
        #expect(started.stdout.contains("rollout r1: stable 2026.11.1 -> 2026.12.1: running, canary; 3 of 8 devices reached"))
        let second = try await run(["rollout", "start", "r2", "--channel", "stable", "--to", "2026.12.1"] + store)
        #expect(second.status == 1 && second.stderr.contains("already in rollout r1"))

        let stopped = try await run(["rollout", "abort", "r1", "--reason", "operator saw errors", "--json"] + store)
        #expect(stopped.status == 0 && stopped.stdout.contains("\"phase\" : \"aborted\""))
        let status = try await run(["rollout", "status", "r1"] + store)
        #expect(status.stdout.contains("aborted") && status.stdout.contains("operator saw errors"))

        for (arguments, exit, mention) in [
            (["enroll", "Box_1", "--site", "s", "--channel", "c"], Int32(64), "not a valid device name"),
            (["enroll", "box-1", "--site", "s", "--channel", "c", "--policy", "window:25:00+1@0"], 64, "--policy"),
            (["enroll", "box-1", "--site", "s", "--channel", "c", "--policy", "window:02:00+120@Mars/Olympus"], 64, "not an IANA time zone"),
            (["enroll", "box-1", "--site", "s", "--channel", "c", "--policy", "window:02:00+120@../../etc/passwd"], 64, "not an IANA time zone"),
            (["rollout", "start", "r3", "--channel", "stable", "--to", "2026.12.1", "--waves", "10,50"], 64, "last wave must be 100"),
            (["rollout", "status", "nope"], 1, "rollout nope does not exist"),
        ] {
            let result = try await run(arguments + store)
            #expect(result.status == exit && result.stderr.contains(mention), "\(arguments): \(result.status) \(result.stderr)")
        }
        // Site configurations as versions: validated as provision validates them, then staged.
        let specs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../site-specs").standardized
        let goodSpec = specs.appendingPathComponent("store-0042.json").path
        let broken = try directory.write("broken.json", #"{"site": {"name": 42}}"#)
        let refusedSpec = try await run(["config", "publish", "site-1", broken, "--version", "2026.12.9"] + store)
        #expect(refusedSpec.status == 65 && refusedSpec.stderr.contains("/site"), "\(refusedSpec.stderr)")
        #expect(try await run(["config", "set", "site-1", "2026.12.9"] + store).stderr.contains("not published"))
        for version in ["2026.12.1", "2026.12.2"] {
            let published = try await run(["config", "publish", "site-1", goodSpec, "--version", version] + store)
            #expect(published.status == 0, "\(published.stderr)")
        }
        #expect(try await run(["config", "set", "site-1", "2026.12.1"] + store).status == 0)
        let configRollout = try await run(["rollout", "start", "c1", "--site", "site-1", "--config", "2026.12.2", "--canary", "2"] + store)
        #expect(configRollout.status == 0 && configRollout.stdout.contains("rollout c1: site site-1 config 2026.12.1 -> 2026.12.2: running, canary; 2 of 8 devices reached"), "\(configRollout.stdout) \(configRollout.stderr)")
        let both = try await run(["rollout", "start", "c2", "--site", "site-1", "--config", "2026.12.2", "--channel", "stable"] + store)
        #expect(both.status == 64)

        let nowhere = try await run(["rollout", "status", "r1", "--etcd", "http://127.0.0.1:\(try ProcessSupport.freePort())", "--json"])
        #expect(nowhere.status == 69 && nowhere.stdout.contains("\"exit_code\""))
        let leaky = try directory.write("password", "hunter2\n", mode: 0o644)
        let refused = try await run(["rollout", "status", "r1", "--user", "root", "--password-file", leaky] + store)
        #expect(refused.status == 64 && refused.stderr.contains("readable by others") && !refused.stderr.contains("hunter2"))
    }

    @Test("enrollments made at once on a store with auth on all succeed: etcd's 'revision of auth store is old' is retried with a fresh token")
    func concurrentEnrollments() async throws {
        let etcd = try await ProcessSupport.detached { try EtcdServer() }
        let directory = try TemporaryDirectory("fleet-concurrent")
        let rootPassword = try directory.write("root-password", "root-secret-7\n", mode: 0o600)
        let devicePassword = try directory.write("device-password", "device-secret-7\n", mode: 0o600)
        for command in [["user", "add", "root:root-secret-7"], ["auth", "enable"]] {
            let result = try await ProcessSupport.runDetached("etcdctl", ["--endpoints", etcd.endpoint] + command, environment: ["ETCDCTL_API": "3"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let store = ["--etcd", etcd.endpoint, "--user", "root", "--password-file", rootPassword]
        let count = 16
        let results = try await withThrowingTaskGroup(of: (Int, ProcessSupport.Output).self) { group in
            for index in 0..<count {
                group.addTask {
                    (index, try await self.run(["enroll", "box-\(index)", "--site", "site-1", "--channel", "stable", "--device-password-file", devicePassword] + store))
                }
            }
            var all: [Int: ProcessSupport.Output] = [:]
            for try await (index, output) in group { all[index] = output }
            return all
        }
        for (index, result) in results.sorted(by: { $0.key < $1.key }) {
            #expect(result.status == 0, "enroll box-\(index): \(result.status) \(result.stderr)")
        }
        let users = try await ProcessSupport.runDetached("etcdctl", ["--endpoints", etcd.endpoint, "--user", "root:root-secret-7", "user", "list"], environment: ["ETCDCTL_API": "3"])
        #expect((0..<count).allSatisfy { users.stdout.contains("device-box-\($0)\n") }, "\(users.stdout)")
    }

    @Test("what a device wrote reaches the operator's terminal escaped: no escape sequence, carriage return or fake line in text, in logs or in JSON")
    func deviceTextIsEscaped() async throws {
        let etcd = try await ProcessSupport.detached { try EtcdServer() }
        let directory = try TemporaryDirectory("fleet-escapes")
        let store = ["--etcd", etcd.endpoint]
        for version in ["2026.11.1", "2026.12.1"] {
            let bundle = try directory.write("edge-\(version).tar.gz", "bytes of \(version)")
            #expect(try await run(["publish", bundle, "--version", version, "--url", bundle] + store).status == 0)
        }
        #expect(try await run(["channel", "stable", "2026.11.1"] + store).status == 0)
        #expect(try await run(["enroll", "box-1", "--site", "site-1", "--channel", "stable"] + store).status == 0)
        #expect(try await run(["rollout", "start", "r1", "--channel", "stable", "--to", "2026.12.1", "--canary", "1"] + store).status == 0)
        // The box writes terminal escapes (ESC, CSI in C1, a carriage return, a bidi override)
        // and a line break into its report and its rollback reason.
        let hostile = "\u{1b}[2J\u{1b}[31mPWNED\r\nfake: line\u{9b}31m\u{202e}live"
        let now = Int64(Date().timeIntervalSince1970)
        let report = #"{"health":"ok","last_rollback":{"at":\#(now + 1000),"from":"2026.12.1","reason":"\#(Self.jsonEscaped(hostile))","to":"2026.11.1"},"release":"2026.11.1","reported_at":\#(now),"slot":"a","waiting":"\#(Self.jsonEscaped(hostile))"}"#
        let put = try await ProcessSupport.runDetached("etcdctl", ["--endpoints", etcd.endpoint, "put", "/edge/v1/devices/box-1/status", report], environment: ["ETCDCTL_API": "3"])
        #expect(put.status == 0, "\(put.stderr)")
        let step = try await run(["rollout", "step", "r1"] + store)
        let outputs = [("devices", try await run(["devices"] + store)), ("rollout status", try await run(["rollout", "status", "r1"] + store)), ("rollout step", step)]
        #expect(step.stdout.contains("aborted"), "\(step.stdout) \(step.stderr)")
        for (what, output) in outputs {
            for text in [output.stdout, output.stderr] {
                #expect(!text.unicodeScalars.contains { $0 == "\u{1b}" || $0 == "\r" || $0 == "\u{9b}" || $0 == "\u{202e}" }, "\(what) let a control character through: \(text.debugDescription)")
                #expect(!text.contains("\nfake: line"), "\(what) printed the device's line break as a line")
            }
            #expect(output.stdout.contains("\\u{1b}[2J") || output.stderr.contains("\\u{1b}[2J"), "\(what): \(output.stdout) \(output.stderr)")
        }
        // JSON stays JSON: the same text, escaped as JSON escapes it.
        let json = try await run(["devices", "--json"] + store)
        #expect(!json.stdout.unicodeScalars.contains { $0 == "\u{1b}" || $0 == "\r" || $0 == "\u{9b}" || $0 == "\u{202e}" })
        let devices = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect((devices.first?["report"] as? [String: Any])?["waiting"] as? String == hostile)
    }

    static func jsonEscaped(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data(), as: UTF8.self).dropFirst().dropLast().description
    }

    @Test("a release no box could fetch is not published, and no channel moves to one; a release published without a location is mended by publishing it again with one")
    func everyReleaseCanBeFetched() async throws {
        let etcd = try await ProcessSupport.detached { try EtcdServer() }
        let directory = try TemporaryDirectory("fleet-fetchable")
        let store = ["--etcd", etcd.endpoint]
        let bundle = try directory.write("edge-2026.12.1.tar.gz", "release bytes")
        for (arguments, mention) in [
            ([String](), "--url is required"),
            (["--url", "http://releases.example/edge-2026.12.1.tar.gz"], "plain http"),
            (["--url", "https://releases.example/edge-2026.12.2.tar.gz"], "must end in <name>-2026.12.1.tar.gz"),
            (["--url", "https://user:hunter2@releases.example/edge-2026.12.1.tar.gz"], "carries a user or password"),
            (["--url", "relative/edge-2026.12.1.tar.gz"], "neither an https URL nor an absolute path"),
            (["--url", "ftp://releases.example/edge-2026.12.1.tar.gz"], "neither an https URL nor an absolute path"),
        ] {
            let result = try await run(["publish", bundle, "--version", "2026.12.1"] + arguments + store)
            #expect(result.status == 64 && result.stderr.contains(mention) && !result.stderr.contains("hunter2"), "\(arguments): \(result.status) \(result.stderr)")
        }
        #expect(try await run(["channel", "stable", "2026.12.1"] + store).stderr.contains("not published"))
        // A lab opts in to plain http explicitly.
        let lab = try await run(["publish", bundle, "--version", "2026.12.1", "--url", "http://10.0.2.2:8000/edge-2026.12.1.tar.gz", "--allow-plain-http"] + store)
        #expect(lab.status == 0, "\(lab.stderr)")

        // A release published before a location was required: no channel moves to it, no
        // rollout starts to it, until the same bundle is published again with a location.
        let digest = try await ProcessSupport.runDetached("sha256sum", [bundle]).stdout.prefix(64)
        let legacy = #"{"bundle_sha256":"\#(digest)","published_at":1796000000,"version":"2026.12.2"}"#
        let put = try await ProcessSupport.runDetached("etcdctl", ["--endpoints", etcd.endpoint, "put", "/edge/v1/releases/2026.12.2", legacy], environment: ["ETCDCTL_API": "3"])
        #expect(put.status == 0, "\(put.stderr)")
        let refused = try await run(["channel", "stable", "2026.12.2"] + store)
        #expect(refused.status == 1 && refused.stderr.contains("names no bundle location"), "\(refused.stderr)")
        let legacyBundle = try directory.write("edge-2026.12.2.tar.gz", "release bytes")
        let mended = try await run(["publish", legacyBundle, "--version", "2026.12.2", "--url", "https://releases.example/edge-2026.12.2.tar.gz"] + store)
        #expect(mended.status == 0, "\(mended.stderr)")
        #expect(try await run(["channel", "stable", "2026.12.2"] + store).status == 0)
        // The location, once given, is as immutable as the rest.
        let moved = try await run(["publish", legacyBundle, "--version", "2026.12.2", "--url", "https://elsewhere.example/edge-2026.12.2.tar.gz"] + store)
        #expect(moved.status == 75 && moved.stderr.contains("another location"), "\(moved.stderr)")
    }

    @Test("the same commands over an S3 bucket (moto): publish, channel and enroll work; a rollout is refused with the reason; the secret stays out of every answer")
    func overS3() async throws {
        let server = try await ProcessSupport.detached { try S3Server() }
        _ = try await ProcessSupport.checkDetached("curl", ["-sf", "-X", "PUT", "\(server.endpoint)/fleet-cli"])
        let directory = try TemporaryDirectory("fleet-cli-s3")
        let secret = "s3-secret-\(UInt64.random(in: 0...UInt64.max))"
        let secretFile = try directory.write("secret", secret + "\n", mode: 0o600)
        let store = ["--s3", "\(server.endpoint)/fleet-cli", "--s3-access-key-id", "AKIDOPERATOR", "--s3-secret-file", secretFile]
        let old = try directory.write("old.tar", "old release bytes")
        let new = try directory.write("new.tar", "new release bytes")
        for arguments in [["publish", old, "--version", "2026.11.1", "--url", "https://r.example/edge-2026.11.1.tar.gz"],
                          ["publish", new, "--version", "2026.12.1", "--url", "https://r.example/edge-2026.12.1.tar.gz"], ["channel", "stable", "2026.11.1"],
                          ["enroll", "box-1", "--site", "site-1", "--channel", "stable"], ["channel", "stable", "2026.12.1"]] {
            let result = try await run(arguments + store)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        let again = try await run(["publish", old, "--version", "2026.12.1", "--url", "https://r.example/edge-2026.12.1.tar.gz"] + store)
        #expect(again.status == 75 && again.stderr.contains("immutable"), "\(again.stderr)")
        // The objects are where the layout says, in the bucket.
        let listing = try await ProcessSupport.checkDetached("curl", ["-sf", "\(server.endpoint)/fleet-cli?list-type=2"])
        for key in ["edge/v1/releases/2026.12.1", "edge/v1/channels/stable", "edge/v1/devices/box-1/enrollment"] {
            #expect(listing.contains("<Key>\(key)</Key>"), "\(key) not in the bucket")
        }
        let devices = try await run(["devices"] + store)
        #expect(devices.status == 0 && devices.stdout.contains("box-1; site site-1, channel stable; no report\n") && devices.stdout.contains("1 device\n"), "\(devices.stdout)")
        var outputs: [ProcessSupport.Output] = []
        let rollout = try await run(["rollout", "start", "r1", "--channel", "stable", "--to", "2026.11.1"] + store)
        outputs.append(rollout)
        #expect(rollout.status == 1 && rollout.stderr.contains("rollouts need the fleet in etcd"), "\(rollout.status) \(rollout.stderr)")
        let users = try await run(["enroll", "box-2", "--site", "site-1", "--channel", "stable", "--device-password-file", secretFile] + store)
        outputs.append(users)
        #expect(users.status == 64 && users.stderr.contains("access key whose policy"), "\(users.stderr)")
        let mixed = try await run(["channel", "stable", "2026.11.1", "--etcd", "http://127.0.0.1:2379"] + store)
        #expect(mixed.status == 64 && mixed.stderr.contains("--s3 replaces etcd"))
        let leaky = try directory.write("leaky", secret + "\n", mode: 0o644)
        let refused = try await run(["channel", "stable", "2026.11.1", "--s3", "\(server.endpoint)/fleet-cli", "--s3-access-key-id", "AKIDOPERATOR", "--s3-secret-file", leaky])
        outputs.append(refused)
        #expect(refused.status == 64 && refused.stderr.contains("--s3-secret-file") && refused.stderr.contains("readable by others"), "\(refused.stderr)")
        let nowhere = try await run(["channel", "stable", "2026.11.1", "--s3", "http://127.0.0.1:\(try ProcessSupport.freePort())/fleet-cli", "--s3-access-key-id", "AKIDOPERATOR", "--s3-secret-file", secretFile])
        outputs.append(nowhere)
        #expect(nowhere.status == 69, "\(nowhere.stderr)")
        for output in outputs { #expect(!output.stdout.contains(secret) && !output.stderr.contains(secret)) }
        #expect(!server.log.contains(secret))
    }
}
