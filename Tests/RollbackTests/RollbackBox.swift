import Foundation
import Hashing
import Testing
import TestSupport

/// Bundles as `imagesmith build` makes them: a definition with `services` containers and a
/// lock pinning each to a digest derived from the version (containers below `unchanged` keep
/// one digest across versions), built by the real `imagesmith build --lock`.
struct ReleaseFactory {
    static let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": "/nonexistent-home"]

    var services = 2
    var unchanged = 0
    var platform = "linux/amd64"
    /// YAML items of `health_checks:`; the default checks that svc0 runs, once.
    var healthChecks = ["{name: up, service: svc0, container_running: true, retries: 0, interval_seconds: 1}"]
    /// More top-level YAML for the definition (a `trust:` section, say), and more arguments
    /// for `imagesmith build`.
    var definitionExtra = ""
    var buildArguments: [String] = []

    static func sha(_ text: String) -> String { "sha256:" + ((try? Hash.hex(Array(text.utf8))) ?? "") }

    func digest(_ index: Int, _ version: String) -> String {
        index < unchanged ? Self.sha("svc\(index)") : Self.sha("svc\(index)-\(version)")
    }

    /// `repository@digest` of every service of `version`, with its platform.
    func images(_ version: String) -> [(reference: String, platform: String)] {
        (0..<services).map { ("registry.test/edge/svc\($0)@\(digest($0, version))", platform) }
    }

    /// Builds the bundle of `version` in `directory` and returns its path.
    func bundle(_ version: String, in directory: TemporaryDirectory) async throws -> String {
        let result = try await build(version, in: directory)
        guard result.status == 0 else { throw FixtureError("imagesmith build failed: \(result.stderr)") }
        return directory.file("work-\(version)/out/edge-test-\(version).tar.gz")
    }

    /// Runs `imagesmith build` for `version` (its output in `work-<version>/out`).
    func build(_ version: String, in directory: TemporaryDirectory, environment: [String: String] = Self.environment) async throws -> ProcessSupport.Output {
        let work = "work-\(version)"
        let containers = (0..<services).map { "  - {name: svc\($0), image: \"registry.test/edge/svc\($0):1.0\", platform: \(platform)}" }
        try directory.write("\(work)/image.yaml", """
            schema_version: 1
            name: edge-test
            base:
              ubuntu_release: "22.04"
              qemu: {iso_url: "https://example.net/ubuntu.img", iso_checksum: "sha256:\(String(repeating: "c", count: 64))"}
            docker: {docker_ce_version: "5:27.3.1-1~ubuntu.22.04~jammy", nvidia_container_toolkit_version: "1.16.2-1"}
            containers:
            \(containers.joined(separator: "\n"))
            compose: {project: edge, file: compose.yml}
            health_checks:
            \(healthChecks.map { "  - \($0)" }.joined(separator: "\n"))
            \(definitionExtra)

            """)
        try directory.write("\(work)/compose.yml", "name: edge\nservices:\n" + (0..<services).map { "  svc\($0):\n    image: registry.test/edge/svc\($0):1.0\n" }.joined())
        let lock: [String: Any] = [
            "schema_version": 1, "image": ["name": "edge-test", "version": version], "definition_sha256": String(repeating: "0", count: 64),
            "containers": (0..<services).map { index -> [String: Any] in
                ["name": "svc\(index)", "reference": "registry.test/edge/svc\(index):1.0", "repository": "registry.test/edge/svc\(index)",
                 "tag": "1.0", "source": "pinned", "platform": platform, "digest": Self.sha("index\(index)-\(version)"),
                 "platform_digest": digest(index, version), "media_type": "application/vnd.oci.image.manifest.v1+json", "size": 100,
                 "resolved_at": "2026-11-21T00:00:00Z"]
            },
        ]
        let lockPath = directory.file("\(work)/lock.json")
        try JSONSerialization.data(withJSONObject: lock, options: [.sortedKeys]).write(to: URL(fileURLWithPath: lockPath))
        let out = directory.file("\(work)/out")
        let result = try await ProcessSupport.runDetached(Self.binaries.appendingPathComponent("imagesmith").path,
                                            ["build", directory.file("\(work)/image.yaml"), "--lock", lockPath, "--image-version", version,
                                             "--out", out, "--templates", Self.repository.appendingPathComponent("templates").path,
                                             "--box-package", BoxPackageFixture.path] + buildArguments,
                                            environment: environment)
        return result
    }
}

/// A box under a temporary root: rollback state, a GRUB environment block made by
/// `grub-editenv create` (as an image build does), `edge.slot=` on a stand-in kernel command
/// line, and a fake `docker` on PATH. No Docker engine runs on these machines: the fake keeps
/// an honest on-disk image store, tags and compose projects in JSON, refuses what docker
/// refuses (unknown images, removing an image in use), and logs every call.
final class RollbackBox: @unchecked Sendable {
    let directory: TemporaryDirectory
    var root: String { directory.file("root") }
    var bin: String { directory.file("bin") }
    var dockerStatePath: String { directory.file("docker-state.json") }
    var grubenv: String { "\(root)/boot/grub/grubenv" }
    var state: String { "\(root)/var/lib/edge-rollback" }
    var factory: ReleaseFactory

    init(_ factory: ReleaseFactory = ReleaseFactory(), booted: String = "A") async throws {
        directory = try TemporaryDirectory("rollback")
        self.factory = factory
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("fake_docker.py"), toPath: "\(bin)/docker")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(bin)/docker")
        try FileManager.default.createDirectory(atPath: "\(root)/boot/grub", withIntermediateDirectories: true)
        try await ProcessSupport.checkDetached("grub-editenv", [grubenv, "create"])  // once, short
        try directory.write("root/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=LABEL=root-\(booted) ro edge.slot=\(booted)\n")
        try writeDocker(["images": [String: Any](), "tags": [String: Any](), "log": [Any]()])
    }

    /// Runs `rollback ARGS --root ROOT` with the fake docker first on PATH.
    @discardableResult
    func rollback(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> ProcessSupport.Output {
        var environment = ["PATH": "\(bin):" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"), "FAKE_DOCKER_STATE": dockerStatePath]
        environment.merge(extra) { _, new in new }
        return try await ProcessSupport.runDetached(ReleaseFactory.binaries.appendingPathComponent("rollback").path, arguments + ["--root", root], environment: environment)
    }

    func expectSuccess(_ arguments: [String], environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let result = try await rollback(arguments, environment: environment)
        #expect(result.status == 0, "rollback \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
    }

    // MARK: Releases

    /// Builds and installs `version`, with its images in the store.
    func install(_ version: String, slot: String? = nil, osVersion: String? = nil, factory custom: ReleaseFactory? = nil) async throws {
        let factory = custom ?? self.factory
        try seed(factory.images(version))
        let bundle = try await factory.bundle(version, in: directory)
        try await expectSuccess(["install", bundle] + (slot.map { ["--os-slot", $0] } ?? []) + (osVersion.map { ["--os-version", $0] } ?? []))
    }

    /// Two releases: 2026.11.1 current and committed on slot A, 2026.11.2 installed on slot B.
    func twoReleases() async throws {
        try await install("2026.11.1")
        try await expectSuccess(["activate", "2026.11.1"])
        try await install("2026.11.2", slot: "B")
    }

    // MARK: Docker store

    func docker() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dockerStatePath))) as? [String: Any] ?? [:]
    }

    func writeDocker(_ state: [String: Any]) throws {
        try JSONSerialization.data(withJSONObject: state, options: [.sortedKeys]).write(to: URL(fileURLWithPath: dockerStatePath))
    }

    func seed(_ images: [(reference: String, platform: String)]) throws {
        var state = try docker()
        var store = state["images"] as? [String: Any] ?? [:]
        for image in images {
            let familiar = image.reference
            store[ReleaseFactory.sha("id " + image.reference)] = ["repo_digests": [familiar], "platform": image.platform]
        }
        state["images"] = store
        try writeDocker(state)
    }

    func deleteImage(_ reference: String) throws {
        var state = try docker()
        var store = state["images"] as? [String: Any] ?? [:]
        store = store.filter { (($0.value as? [String: Any])?["repo_digests"] as? [String])?.contains(reference) != true }
        state["images"] = store
        try writeDocker(state)
    }

    /// service → the repo digest reference compose runs it from.
    func running(project: String = "edge") throws -> [String: String] {
        let compose = try docker()["compose"] as? [String: Any]
        let services = (compose?[project] as? [String: Any])?["services"] as? [String: [String: String]] ?? [:]
        return services.mapValues { $0["image"] ?? "" }
    }

    /// human tag → image id, and the id of each reference.
    func tags() throws -> [String: String] { try docker()["tags"] as? [String: String] ?? [:] }

    func imageID(of reference: String) throws -> String? {
        let store = try docker()["images"] as? [String: [String: Any]] ?? [:]
        return store.first { ($0.value["repo_digests"] as? [String])?.contains(reference) == true }?.key
    }

    func dockerLog() throws -> [[String]] { try docker()["log"] as? [[String]] ?? [] }

    // MARK: State

    func grub() async throws -> [String: String] {
        let listing = try await ProcessSupport.checkDetached("grub-editenv", [grubenv, "list"])
        var result: [String: String] = [:]
        for line in listing.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2 { result[String(parts[0])] = String(parts[1]) }
        }
        return result
    }

    func pointer(_ name: String) -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(state)/\(name)")).map { ($0 as NSString).lastPathComponent }
    }

    func record(_ version: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(state)/releases/\(version)/state.json"))) as? [String: Any] ?? [:]
    }

    func health(_ version: String) throws -> String? { try record(version)["health"] as? String }

    /// A reboot, as templates/grub-ab.cfg does it: the first slot in ORDER that is committed,
    /// or else has tries left (one is used up); the first in ORDER when none qualifies.
    func reboot() async throws {
        let env = try await grub()
        let order = (env["ORDER"] ?? "A B").split(separator: " ").map(String.init)
        var chosen = order.first ?? "A"
        for slot in order {
            if env["\(slot)_OK"] == "1" { chosen = slot; break }
            if let tries = Int(env["\(slot)_TRIES"] ?? "0"), tries > 0 {
                try await ProcessSupport.checkDetached("grub-editenv", [grubenv, "set", "\(slot)_TRIES=\(tries - 1)"])
                chosen = slot
                break
            }
        }
        try directory.write("root/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=LABEL=root-\(chosen) ro edge.slot=\(chosen)\n")
    }

    var bootedSlot: String? {
        (try? String(contentsOfFile: "\(root)/proc/cmdline", encoding: .utf8))?.split(separator: " ")
            .first { $0.hasPrefix("edge.slot=") }.map { String($0.dropFirst(10)).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// The entries where two snapshots differ (for short failure messages).
    static func differences(_ a: [String: String], _ b: [String: String]) -> [String] {
        Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
    }

    /// Every file and link under the state directory and the boot block, with contents, for
    /// "nothing changed" comparisons.
    func snapshot() throws -> [String: String] {
        var result: [String: String] = [:]
        let manager = FileManager.default
        for base in [state, "\(root)/boot"] where manager.fileExists(atPath: base) {
            for path in try manager.subpathsOfDirectory(atPath: base).sorted() where !path.hasSuffix("/lock") && path != "lock" {
                let full = "\(base)/\(path)"
                if let target = try? manager.destinationOfSymbolicLink(atPath: full) { result[full] = "-> \(target)"; continue }
                var isDirectory: ObjCBool = false
                if manager.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                    result[full] = String(decoding: try Data(contentsOf: URL(fileURLWithPath: full)), as: UTF8.self)
                }
            }
        }
        let docker = try self.docker()
        for key in ["images", "tags", "compose"] {
            let value = docker[key] ?? [String: Any]()
            result["docker \(key)"] = String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
        }
        return result
    }
}
