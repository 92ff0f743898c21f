import Foundation
import ImageReference
import Lock
import Testing
import TestSupport

/// templates/prepull.sh run for real with sh and jq, against a fake `docker` on PATH (no
/// Docker engine runs on these machines): the fake keeps honest on-disk state, so the
/// assertions read what the script actually left behind.
@Suite struct PrepullScriptTests {
    static let script = BuildFixture.repository.appendingPathComponent("templates/prepull.sh").path

    struct Run {
        var status: Int32
        var stderr: String
        var state: [String: Any]
        var directory: TemporaryDirectory
    }

    static func digest(_ c: Character) -> Digest { try! Digest(parsing: "sha256:" + String(repeating: c, count: 64)) }

    func lock() -> LockFile {
        LockFile(image: .init(name: "edge", version: "2026.11.1"), definitionSHA256: "d", containers: [
            .init(name: "app", reference: "ghcr.io/acme/app:1.0", repository: "ghcr.io/acme/app", tag: "1.0", source: .pinned,
                  platform: "linux/amd64", digest: Self.digest("a"), platformDigest: Self.digest("b")),
            .init(name: "db", reference: "postgres:16", repository: "docker.io/library/postgres", tag: "16", source: .tag,
                  platform: "linux/amd64", note: "pin: false"),
            .init(name: "ingest", reference: "ghcr.io/acme/ingest:2", repository: "ghcr.io/acme/ingest", tag: "2", source: .build,
                  platform: "linux/amd64", note: "built", buildContext: "builds/ingest", dockerfile: "Dockerfile"),
        ])
    }

    func run(environment extra: [String: String] = [:]) async throws -> Run {
        let directory = try TemporaryDirectory("prepull")
        let bin = directory.file("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("fake_docker.py"), toPath: "\(bin)/docker")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(bin)/docker")
        let staging = directory.file("staging")
        try directory.write("staging/edge.lock.json", String(decoding: lock().encoded(), as: UTF8.self))
        try directory.write("staging/build/ingest/Dockerfile", "FROM scratch\n")
        var environment = [
            "PATH": "\(bin):" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "FAKE_DOCKER_STATE": directory.file("docker-state.json"),
            "LOCK_FILE": "\(staging)/edge.lock.json",
            "IMAGESMITH_STAGING": staging,
        ]
        environment.merge(extra) { $1 }
        let result = try await ProcessSupport.runDetached("/bin/sh", ["-eu", Self.script], environment: environment)
        let state = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.file("docker-state.json"))))) as? [String: Any] ?? [:]
        return Run(status: result.status, stderr: result.stderr, state: state, directory: directory)
    }

    @Test func pullsByDigestRetagsVerifiesAndBuildsFallbacks() async throws {
        let run = try await run()
        #expect(run.status == 0, "\(run.stderr)")
        let tags = try #require(run.state["tags"] as? [String: String])
        let images = try #require(run.state["images"] as? [String: [String: Any]])
        // The pinned image carries its human tag and the locked digest.
        let appID = try #require(tags["ghcr.io/acme/app:1.0"])
        #expect((images[appID]?["repo_digests"] as? [String]) == ["ghcr.io/acme/app@\(Self.digest("b"))"])
        #expect(tags["docker.io/library/postgres:16"] != nil)
        #expect(run.stderr.contains("WARNING: db is NOT pinned"))
        // The fallback image was built and its id recorded for the manifest.
        let ingestID = try #require(tags["ghcr.io/acme/ingest:2"])
        let built = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run.directory.file("staging/built-images.json")))) as? [[String: String]]
        #expect(built == [["name": "ingest", "id": ingestID]])
        // The pull was by digest, with the platform; nothing was pruned.
        let log = try #require(run.state["log"] as? [[String]])
        #expect(log.contains(["pull", "--platform", "linux/amd64", "ghcr.io/acme/app@\(Self.digest("b"))"]))
        #expect(!log.contains { $0.contains("prune") })
    }

    @Test func aLocalImageWithoutTheLockedDigestFailsTheBuild() async throws {
        let run = try await run(environment: ["FAKE_DOCKER_WRONG_DIGEST": "1"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("app: the local image ghcr.io/acme/app:1.0 does not carry \(Self.digest("b")); failing the build"))
    }

    @Test func aFailedPullFailsTheBuild() async throws {
        let run = try await run(environment: ["FAKE_DOCKER_MISSING": "ghcr.io/acme/app@\(Self.digest("b"))"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("manifest unknown"))
    }
}
