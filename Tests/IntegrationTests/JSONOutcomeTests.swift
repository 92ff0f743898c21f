import Foundation
import Testing
import TestSupport

/// JSON always means JSON: every command of the three tools given `--json` prints one JSON
/// document on stdout in every outcome (success, "never provisioned", a refused argument, an
/// error), errors as `{"error", "exit_code"}` with the status it exits with, and every key in
/// one style (snake_case).
@Suite struct JSONOutcomeTests {
    static let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    static let specs = BuildFixture.repository.appendingPathComponent("site-specs")

    func run(_ tool: String, _ arguments: [String]) async throws -> ProcessSupport.Output {
        try await ProcessSupport.runDetached(Self.binaries.appendingPathComponent(tool).path, arguments,
                                             environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": "/nonexistent-home"])
    }

    /// Every key anywhere in `value`, with the path it was found at.
    static func keys(_ value: Any, at path: String = "") -> [String] {
        if let object = value as? [String: Any] {
            // Maps keyed by data (a journal's steps by path, labels, boot slots) are not field names.
            let dataKeyed = ["steps", "boot", "labels"].contains(where: { path.hasSuffix("/" + $0) })
            return object.flatMap { key, child in (dataKeyed ? [] : [key]) + keys(child, at: path + "/" + key) }
        }
        if let array = value as? [Any] { return array.flatMap { keys($0, at: path + "/*") } }
        return []
    }

    static func isSnakeCase(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "_") }
    }

    /// Runs one command and checks the outcome's shape; returns the parsed document.
    @discardableResult
    func expectJSON(_ tool: String, _ arguments: [String], status: Int32, error: Bool) async throws -> Any? {
        let result = try await run(tool, arguments)
        #expect(result.status == status, "\(tool) \(arguments): \(result.status) \(result.stderr)")
        let document = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8), options: [.fragmentsAllowed])
        guard let document, result.stdout.hasSuffix("\n") else {
            Issue.record("\(tool) \(arguments) printed no JSON document on stdout: \(result.stdout.debugDescription) (stderr \(result.stderr))")
            return nil
        }
        for key in Self.keys(document) where !Self.isSnakeCase(key) {
            Issue.record("\(tool) \(arguments): key '\(key)' is not snake_case")
        }
        if error {
            let object = document as? [String: Any]
            #expect(object?["exit_code"] as? Int == Int(status), "\(tool) \(arguments): \(result.stdout)")
            #expect((object?["error"] as? String)?.isEmpty == false, "\(tool) \(arguments): \(result.stdout)")
        }
        return document
    }

    @Test func provisionSpeaksJSONInEveryOutcome() async throws {
        let root = try TemporaryDirectory("json-provision")
        let spec = Self.specs.appendingPathComponent("store-0042.json").path
        let broken = try root.write("broken.json", #"{"schema_version": "1.0", "site": {"id": "Bad Id"}}"#)
        try await expectJSON("provision", ["validate", spec, "--json"], status: 0, error: false)
        let invalid = try await expectJSON("provision", ["validate", broken, "--json"], status: 65, error: true) as? [String: Any]
        let issues = invalid?["issues"] as? [[String: Any]] ?? []
        #expect(issues.contains { $0["pointer"] as? String == "/site/id" && $0["line"] as? Int == 1 })
        try await expectJSON("provision", ["validate", "/nonexistent/spec.json", "--json"], status: 66, error: true)
        try await expectJSON("provision", ["validate", "--json", "--spec-ca-file", "/nonexistent.pem", "https://x.test/s.json"], status: 64, error: true)
        try await expectJSON("provision", ["plan", spec, "--root", root.path, "--json"], status: 0, error: false)
        try await expectJSON("provision", ["plan", spec, "--root", root.path, "--network-renderer", "ifupdown", "--json"], status: 64, error: true)
        let never = try await expectJSON("provision", ["status", "--root", root.file("box"), "--json"], status: 3, error: false) as? [String: Any]
        #expect(never?["provisioned"] as? Bool == false)
        #expect(try await run("provision", ["apply", spec, "--root", root.file("box"), "--skip-registration"]).status == 0)
        let done = try await expectJSON("provision", ["status", "--root", root.file("box"), "--json"], status: 0, error: false) as? [String: Any]
        #expect(done?["provisioned"] as? Bool == true && done?["configured"] as? Bool == true)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: root.file("box/var/lib/edge-provision/journal.json")))
        let damaged = try await expectJSON("provision", ["status", "--root", root.file("box"), "--json"], status: 3, error: false) as? [String: Any]
        #expect(damaged?["journal_readable"] as? Bool == false && damaged?["provisioned"] as? Bool == false)
    }

    @Test func imagesmithSpeaksJSONInEveryOutcome() async throws {
        let out = try TemporaryDirectory("json-imagesmith")
        let definition = BuildFixture.repository.appendingPathComponent("packer/edge-analytics.yaml").path
        let built = try await expectJSON("imagesmith", ["build", definition, "--offline", "--out", out.path, "--box-package", BoxPackageFixture.path,
                                                        "--templates", BuildFixture.templates, "--json"], status: 0, error: false) as? [String: Any]
        #expect(built?["image"] as? String == "edge-analytics")
        #expect((built?["containers"] as? [Any])?.count == 5)
        let bad = try out.write("bad.yaml", "schema_version: 1\nname: Bad Name\n")
        let refused = try await expectJSON("imagesmith", ["build", bad, "--offline", "--out", out.file("x"), "--json"], status: 65, error: true) as? [String: Any]
        #expect((refused?["issues"] as? [[String: Any]])?.contains { $0["pointer"] as? String == "/name" } == true)
        try await expectJSON("imagesmith", ["build", definition, "--out", out.file("fresh"), "--box-package", BoxPackageFixture.path, "--json"], status: 64, error: true)
        let lock = out.file("edge-analytics.lock.json")
        try await expectJSON("imagesmith", ["diff", lock, lock, "--json"], status: 0, error: false)
        try await expectJSON("imagesmith", ["diff", lock, "/nonexistent.json", "--json"], status: 66, error: true)
        try await expectJSON("imagesmith", ["verify", "/nonexistent.json", "--json"], status: 66, error: true)
        let failed = try await expectJSON("imagesmith", ["resolve", "--json", "Not A Reference", "also bad"], status: 65, error: true) as? [String: Any]
        #expect((failed?["failures"] as? [Any])?.count == 2)
        try await expectJSON("imagesmith", ["resolve", "--json", "--no-cache", "--deadline", "3", "--insecure-registry", "127.0.0.1:1", "127.0.0.1:1/a:b"], status: 69, error: true)
        try await expectJSON("imagesmith", ["resolve", "--json", "--jobs", "0", "nginx"], status: 64, error: true)
        try await expectJSON("imagesmith", ["resolve", "--json", "--no-such-option", "nginx"], status: 64, error: true)
    }

    @Test func imagesmithResolveKeysAreSnakeCase() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let resolved = try await expectJSON("imagesmith", ["resolve", "--json", "--no-cache", "--insecure-registry", registry.host, "--platform", "linux/amd64",
                                                           "\(registry.host)/\(seed.multi.repository):v1"], status: 0, error: false) as? [[String: Any]]
        #expect(resolved?.first?["platform_digest"] as? String == seed.multi.children["linux/amd64"])
        #expect(resolved?.first?["media_type"] as? String != nil)
    }

    @Test func rollbackSpeaksJSONInEveryOutcome() async throws {
        let root = try TemporaryDirectory("json-rollback")
        try await expectJSON("rollback", ["status", "--root", root.path, "--json"], status: 0, error: false)
        try await expectJSON("rollback", ["list", "--root", root.path, "--json"], status: 0, error: false)
        try await expectJSON("rollback", ["activate", "2026.11.1", "--root", root.path, "--json"], status: 64, error: true)
        try await expectJSON("rollback", ["activate", "../../x", "--root", root.path, "--json"], status: 64, error: true)
        try await expectJSON("rollback", ["to", "--no-such-option", "--root", root.path, "--json"], status: 64, error: true)
        try await expectJSON("rollback", ["install", "/nonexistent.tar.gz", "--root", root.path, "--json"], status: 66, error: true)
    }
}
