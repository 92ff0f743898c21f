import Foundation
import Basics
import Testing
import TestSupport

/// No password given inside an argument (`user:password@host`, in a URL or a registry name)
/// appears in any message of the three tools, in text or JSON, whatever the command refuses.
@Suite struct SecretArgumentTests {
    static let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    static let secret = "S3CRET-\(UInt64.random(in: 0...UInt64.max))"

    @Test func aPasswordInsideAnArgumentIsNeverEchoed() async throws {
        let etcd = try await ProcessSupport.detached { try EtcdServer() }
        let directory = try TemporaryDirectory("secret-arguments")
        let passwordFile = try directory.write("password", "registry-password\n", mode: 0o600)
        let s3Secret = try directory.write("s3-secret", "s3-secret-file\n", mode: 0o600)
        let bundle = try directory.write("edge-2026.12.1.tar.gz", "bytes")
        let secret = Self.secret
        let cases: [(tool: String, arguments: [String], exit: Int32)] = [
            ("imagesmith", ["fleet", "registry-login", "box-1", "--registry", "puller:\(secret)@registry.example", "--username", "u",
                            "--registry-password-file", passwordFile, "--etcd", etcd.endpoint], 64),
            ("imagesmith", ["fleet", "devices", "--etcd", "http://root:\(secret)@127.0.0.1:2379"], 64),
            ("imagesmith", ["fleet", "devices", "--s3", "http://AKID:\(secret)@127.0.0.1:9/bucket", "--s3-access-key-id", "AKID", "--s3-secret-file", s3Secret], 64),
            ("imagesmith", ["fleet", "publish", bundle, "--version", "2026.12.1", "--url", "https://u:\(secret)@releases.example/edge-2026.12.1.tar.gz", "--etcd", etcd.endpoint], 64),
            ("imagesmith", ["resolve", "user:\(secret)@registry.example/edge/app:1"], 65),
            ("imagesmith", ["resolve", "--insecure-registry", "user:\(secret)@registry.example", "registry.example/edge/app:1"], 64),
            ("imagesmith", ["tags", "--cache", directory.file("tags.json"), "user:\(secret)@registry.example/edge/app:1"], 65),
            ("provision", ["validate", "https://u:\(secret)@specs.example/site.json"], 69),
            ("rollback", ["install", "/srv/u:\(secret)@host/edge-2026.12.1.tar.gz", "--root", directory.path], 66),
        ]
        for (tool, arguments, exit) in cases {
            for json in [false, true] {
                let result = try await ProcessSupport.runDetached(Self.binaries.appendingPathComponent(tool).path, arguments + (json ? ["--json"] : []),
                                                                  environment: ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent-home"])
                let shown = "\(tool) \(arguments.joined(separator: " "))\(json ? " --json" : ""): \(result.status)\n\(result.stdout)\(result.stderr)"
                #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "the password was echoed: \(shown)")
                #expect(result.status == exit, "\(shown)")
                #expect(!(result.stdout + result.stderr).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "nothing said: \(shown)")
            }
        }
    }

    @Test("the redaction keeps what is not a password", arguments: [
        ("pull nginx:1.27@sha256:abc", "pull nginx:1.27@sha256:abc"),
        ("https://user:pw@host/x", "https://user:***@host/x"),
        ("'box:pw@registry.example' is not a host", "'box:***@registry.example' is not a host"),
        ("ops@example.net wrote a:b", "ops@example.net wrote a:b"),
        ("registry:5000/repo@sha256:1", "registry:5000/repo@sha256:1"),
    ])
    func redaction(_ text: String, _ expected: String) {
        #expect(text.printable == expected)
    }
}
