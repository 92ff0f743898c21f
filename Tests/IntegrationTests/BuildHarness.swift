import Foundation
import ImagesmithCommands
import Lock
import TestSupport

/// A definition in a temporary directory, built with `BuildRunner` in-process.
struct BuildFixture {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static let templates = repository.appendingPathComponent("templates").path
    /// 2026-11-21T00:00:00Z
    static let november = Date(timeIntervalSince1970: 1_795_219_200)

    let directory: TemporaryDirectory
    var definitionPath: String { directory.file("image.yaml") }
    var out: String { directory.file("out") }

    init(containers: String, name: String = "edge-test") throws {
        directory = try TemporaryDirectory("build")
        try directory.write("image.yaml", """
            schema_version: 1
            name: \(name)
            base:
              ubuntu_release: "22.04"
              amazon_ebs: {region: eu-west-1, instance_type: g4dn.xlarge, ami: ami-0123456789abcdef0}
              qemu: {iso_url: "https://example.net/ubuntu.img", iso_checksum: "sha256:\(String(repeating: "c", count: 64))"}
            packages: [curl, jq]
            docker: {docker_ce_version: "5:27.3.1-1~ubuntu.22.04~jammy", nvidia_container_toolkit_version: "1.16.2-1"}
            containers:
            \(containers)
            compose: {project: edge, file: compose.yml}
            health_checks:
              - {name: up, service: app, container_running: true}
            """)
        // One service per container, by name (the build refuses anything else).
        let names = containers.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "name: ") else { return nil }
            return String(line[range.upperBound...].prefix { $0 != "," && $0 != "}" && $0 != " " })
        }
        try directory.write("compose.yml", "services:\n" + names.map { "  \($0):\n    image: placeholder\n" }.joined())
    }

    func run(_ extra: (inout BuildRunner) -> Void = { _ in }, insecure: [String] = [], now: Date = BuildFixture.november) async -> ResolveRun {
        let capture = Capture()
        var runner = BuildRunner(
            definitionPath: definitionPath, outDirectory: out, firstRelease: true, templatesDirectory: Self.templates, boxPackagePath: BoxPackageFixture.path,
            registry: RegistrySetup(insecureRegistries: insecure, jobs: 4, deadline: 120, useCache: false),  // the product default: a bound, not a speed test
            environment: ["HOME": "/nonexistent-home", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
            output: CommandOutput(writeOut: { capture.appendOut($0) }, writeErr: { capture.appendErr($0) }), now: now)
        extra(&runner)
        let code = await runner.run()
        let (out, err) = capture.texts
        return ResolveRun(code: code.rawValue, stdout: out, stderr: err)
    }

    func lock(_ name: String = "edge-test") throws -> LockFile {
        let path = "\(out)/\(name).lock.json"
        return try LockFile.decode(Array(try Data(contentsOf: URL(fileURLWithPath: path))), path: path)
    }

    func read(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(name)")) }
}
