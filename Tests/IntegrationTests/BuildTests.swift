import Archive
import Foundation
import Hashing
import ImagesmithCommands
import Lock
import Testing
import TestSupport

/// `imagesmith build` end to end: definition with tags → lock with the exact pushed digests →
/// template (validated by packer) → override → bundle, against a real loopback registry.
@Suite struct BuildTests {
    func containers(_ registry: RegistryServer, _ seed: SeededImages, extra: String = "") -> String {
        """
              - {name: app, image: "\(registry.host)/\(seed.multi.repository):v1", platform: linux/arm64}
              - {name: tool, image: "\(registry.host)/\(seed.single.repository):v1", platform: linux/amd64}
              - {name: db, image: "postgres:16.4", platform: linux/amd64, pin: false}
        \(extra)
        """
    }

    @Test func endToEndPinsTheExactPushedDigests() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let fixture = try BuildFixture(containers: containers(registry, seed))
        let run = await fixture.run({ $0.request.imageVersion = "2026.11.4" }, insecure: [registry.host])
        #expect(run.code == 0, "\(run.stderr)")

        let lock = try fixture.lock()
        #expect(lock.image == .init(name: "edge-test", version: "2026.11.4"))
        #expect(lock.definitionSHA256 == (try Hash.fileHex(at: fixture.definitionPath)))
        let app = try #require(lock.containers.first { $0.name == "app" })
        #expect(app.source == .pinned)
        #expect(app.digest?.description == seed.multi.digest)
        #expect(app.platformDigest?.description == seed.multi.children["linux/arm64"])
        #expect(app.platforms?.map(\.platform) == ["linux/amd64", "linux/arm64"])
        #expect(app.resolvedAt == "2026-11-21T00:00:00Z")
        let tool = try #require(lock.containers.first { $0.name == "tool" })
        #expect(tool.digest?.description == seed.single.digest)
        #expect(tool.platformDigest?.description == seed.single.digest)
        #expect(lock.containers.first { $0.name == "db" }?.source == .tag)

        let override = String(decoding: try fixture.read("docker-compose.pinned.yml"), as: UTF8.self)
        #expect(override.contains("  'app':\n    image: '\(registry.host)/\(seed.multi.repository)@\(seed.multi.children["linux/arm64"]!)'\n"))
        #expect(override.contains("# NOT pinned (they run from their tags): db (tag)"))
        // The unpinned service runs the definition's tag, whatever the compose file names.
        #expect(override.contains("  'db':\n    image: 'docker.io/library/postgres:16.4'\n"))

        // The output directory validates with Packer as it is (no -var, no key file), and the
        // template is formatted as packer fmt wants it.
        let template = "\(fixture.out)/edge-test.pkr.hcl"
        #expect(try await ProcessSupport.runDetached("packer", ["fmt", "-check", template]).status == 0)
        let validate = try await ProcessSupport.runDetached("packer", ["validate", fixture.out])
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
        let hcl = String(decoding: try fixture.read("edge-test.pkr.hcl"), as: UTF8.self)
        #expect(hcl.contains("lock_sha256 = \"\(try Hash.hex(try fixture.read("edge-test.lock.json")))\""))
        #expect(!hcl.contains("prune"))
    }

    @Test func bundleRoundTripsAndMatchesItsChecksums() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let fixture = try BuildFixture(containers: containers(registry, seed))
        let run = await fixture.run({ $0.request.imageVersion = "2026.11.1" }, insecure: [registry.host])
        #expect(run.code == 0, "\(run.stderr)")
        let bundle = Array(try fixture.read("edge-test-2026.11.1.tar.gz"))
        let entries = try TarReader(bytes: bundle).entries()
        #expect(entries.map(\.path) == ["edge-test-2026.11.1/", "edge-test-2026.11.1/SHA256SUMS", "edge-test-2026.11.1/compose.yml",
                                        "edge-test-2026.11.1/docker-compose.pinned.yml", "edge-test-2026.11.1/edge-test.lock.json",
                                        "edge-test-2026.11.1/health-checks.json", "edge-test-2026.11.1/release.json"])
        #expect(entries.allSatisfy { $0.modificationTime == 0 && $0.uid == 0 && $0.gid == 0 })
        let sums = String(decoding: try #require(entries.first { $0.path.hasSuffix("SHA256SUMS") }).contents, as: UTF8.self)
        let listed = sums.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(listed.count == 5)
        for line in listed {
            let entry = try #require(entries.first { $0.path == "edge-test-2026.11.1/\(line[1])" })
            #expect(try Hash.hex(entry.contents) == String(line[0]), "\(line[1]) matches SHA256SUMS")
        }
        // The bundled lock is the lock that was written.
        #expect(entries.first { $0.path.hasSuffix(".lock.json") }?.contents == Array(try fixture.read("edge-test.lock.json")))
    }

    @Test func sameInputsGiveByteIdenticalOutputs() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let fixture = try BuildFixture(containers: containers(registry, seed))
        #expect(await fixture.run({ $0.request.imageVersion = "2026.11.1" }, insecure: [registry.host]).code == 0)
        let second = try BuildFixture(containers: containers(registry, seed))
        try FileManager.default.removeItem(atPath: second.definitionPath)
        try FileManager.default.copyItem(atPath: fixture.definitionPath, toPath: second.definitionPath)
        #expect(await second.run({ $0.request.imageVersion = "2026.11.1" }, insecure: [registry.host]).code == 0)
        let offline = try BuildFixture(containers: containers(registry, seed))
        try FileManager.default.removeItem(atPath: offline.definitionPath)
        try FileManager.default.copyItem(atPath: fixture.definitionPath, toPath: offline.definitionPath)
        registry.stop()
        #expect(await offline.run({ $0.request.lockPath = "\(fixture.out)/edge-test.lock.json" }).code == 0, "offline needs no registry")
        let names = try FileManager.default.subpathsOfDirectory(atPath: fixture.out).sorted()
        #expect(names.contains("edge-test-2026.11.1.tar.gz") && names.contains("scripts/prepull.sh"))
        for other in [second, offline] {
            #expect(try FileManager.default.subpathsOfDirectory(atPath: other.out).sorted() == names)
            for name in names where !name.hasPrefix("scripts") || name.hasSuffix(".sh") {
                var isDirectory: ObjCBool = false
                FileManager.default.fileExists(atPath: "\(fixture.out)/\(name)", isDirectory: &isDirectory)
                if isDirectory.boolValue { continue }
                #expect(try fixture.read(name) == other.read(name), "\(name) is byte-identical")
            }
        }
    }

    @Test func badDefinitionWritesNothingAndNamesThePlace() async throws {
        let fixture = try BuildFixture(containers: "      - {name: app, image: \"Bad/Name:1\", platform: linux/amd64}")
        let run = await fixture.run()
        #expect(run.code == 65)
        #expect(run.stderr.contains("the image definition has 1 problem:"))
        #expect(run.stderr.contains("\(fixture.definitionPath):10:28: /containers/0/image: 'Bad/Name:1' is not an image reference"))
        #expect(!FileManager.default.fileExists(atPath: fixture.out))
    }

    @Test func unresolvableTagFailsClosedUnlessKeepTag() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let missing = "      - {name: extra, image: \"\(registry.host)/edge/absent:v9\", platform: linux/amd64}"
        let failing = try BuildFixture(containers: containers(registry, seed, extra: missing))
        let failed = await failing.run(insecure: [registry.host])
        #expect(failed.code == 69)
        #expect(failed.stderr.contains("cannot pin container 'extra'"))
        #expect(failed.stderr.contains("nothing was written"))
        #expect(!FileManager.default.fileExists(atPath: failing.out))

        let keeping = try BuildFixture(containers: containers(registry, seed, extra: missing.replacingOccurrences(of: "}", with: ", on_unresolved: keep-tag}")))
        let kept = await keeping.run(insecure: [registry.host])
        #expect(kept.code == 0, "\(kept.stderr)")
        #expect(kept.stdout.contains("UNPINNED  extra"))
        #expect(kept.stderr.contains("WARNING: extra is not pinned by digest"))
        #expect(try keeping.lock().containers.first { $0.name == "extra" }?.source == .unresolvedTag)
        let override = String(decoding: try keeping.read("docker-compose.pinned.yml"), as: UTF8.self)
        #expect(override.contains("extra (unresolved-tag)"))

        // verify keeps reporting it until it is pinned.
        let capture = Capture()
        let code = await VerifyRunner(lockPath: "\(keeping.out)/edge-test.lock.json", registry: RegistrySetup(insecureRegistries: [registry.host], useCache: false),
                                      environment: ["HOME": "/nonexistent"], output: CommandOutput(writeOut: { capture.appendOut($0) }, writeErr: { capture.appendErr($0) })).run()
        #expect(code == .failure)
        #expect(capture.texts.0.contains("UNPINNED  extra"))
    }

    @Test func missingPrebuiltImageIsBuiltInTheImageUnlessPrebuiltOnly() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let fallback = "      - {name: ingest, image: \"\(registry.host)/edge/ingest:v1\", platform: linux/amd64, build: {context: builds/ingest}}"
        let fixture = try BuildFixture(containers: containers(registry, seed, extra: fallback))
        try fixture.directory.write("builds/ingest/Dockerfile", "FROM scratch\nCOPY run /run\n")
        try fixture.directory.write("builds/ingest/run", "#!/bin/sh\n", mode: 0o755)
        let run = await fixture.run({ $0.request.imageVersion = "2026.11.1" }, insecure: [registry.host])
        #expect(run.code == 0, "\(run.stderr)")
        let ingest = try #require(try fixture.lock().containers.first { $0.name == "ingest" })
        #expect(ingest.source == .build)
        #expect(ingest.buildContext == "builds/ingest" && ingest.dockerfile == "Dockerfile")
        #expect(FileManager.default.isExecutableFile(atPath: "\(fixture.out)/build-contexts/ingest/run"))
        let hcl = String(decoding: try fixture.read("edge-test.pkr.hcl"), as: UTF8.self)
        #expect(hcl.contains("source      = \"${path.root}/build-contexts/ingest/\""))

        let strict = try BuildFixture(containers: containers(registry, seed, extra: fallback))
        try strict.directory.write("builds/ingest/Dockerfile", "FROM scratch\n")
        let refused = await strict.run({ $0.request.prebuiltOnly = true }, insecure: [registry.host])
        #expect(refused.code == 1)
        #expect(refused.stderr.contains("--prebuilt-only"))
        #expect(!FileManager.default.fileExists(atPath: strict.out))
    }

    @Test func versionsCountUpWithinAMonthAndRestartInTheNext() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let fixture = try BuildFixture(containers: containers(registry, seed))
        #expect(await fixture.run(insecure: [registry.host]).code == 0)
        #expect(try fixture.lock().image.version == "2026.11.1")
        #expect(await fixture.run(insecure: [registry.host]).code == 0)
        #expect(try fixture.lock().image.version == "2026.11.2")
        #expect(FileManager.default.fileExists(atPath: "\(fixture.out)/edge-test-2026.11.2.tar.gz"))
        let december = BuildFixture.november.addingTimeInterval(31 * 86_400)
        #expect(await fixture.run(insecure: [registry.host], now: december).code == 0)
        #expect(try fixture.lock().image.version == "2026.12.1")
        // The digest did not change, so it keeps the time it was first resolved.
        #expect(try fixture.lock().containers.first { $0.name == "app" }?.resolvedAt == "2026-11-21T00:00:00Z")
    }

    /// Two rebuilds from fresh CI workspaces in one month (the monthly job, run twice): the
    /// second is given the first's published bundle and makes .2; without it, it refuses.
    @Test func freshCIWorkspacesCountOnFromThePublishedRelease() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let first = try BuildFixture(containers: containers(registry, seed))
        #expect(await first.run(insecure: [registry.host]).code == 0)
        let published = "\(first.out)/edge-test-2026.11.1.tar.gz"
        let second = try BuildFixture(containers: containers(registry, seed))
        let refused = await second.run({ $0.request.firstRelease = false }, insecure: [registry.host])
        #expect(refused.code == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("give --previous with the last released bundle or lock of edge-test"))
        #expect(!FileManager.default.fileExists(atPath: second.out))
        let counted = await second.run({ $0.request.firstRelease = false; $0.request.previousReleases = [published] }, insecure: [registry.host])
        #expect(counted.code == 0, "\(counted.stderr)")
        #expect(try second.lock().image.version == "2026.11.2")
        #expect(FileManager.default.fileExists(atPath: "\(second.out)/edge-test-2026.11.2.tar.gz"))
    }

    @Test func offlineBuildChecksTheLockAgainstTheDefinition() async throws {
        let seed = try await SeededImages.shared()
        let registry = try await RegistryServer.start(storage: seed.storage)
        let fixture = try BuildFixture(containers: containers(registry, seed))
        #expect(await fixture.run(insecure: [registry.host]).code == 0)
        let changed = try BuildFixture(containers: containers(registry, seed).replacingOccurrences(of: "linux/arm64", with: "linux/amd64"))
        let run = await changed.run { $0.request.lockPath = "\(fixture.out)/edge-test.lock.json" }
        #expect(run.code == 65)
        #expect(run.stderr.contains("container 'app' is locked for linux/arm64 but the definition says linux/amd64"))
        #expect(!FileManager.default.fileExists(atPath: changed.out))
        let none = try BuildFixture(containers: containers(registry, seed))
        let missing = await none.run { $0.request.offline = true }
        #expect(missing.code == 66)
        #expect(missing.stderr.contains("no lock to build from offline"))
    }
}

/// The box package a build puts into the image: found, checked and copied beside the template.
@Suite struct BoxPackageBuildTests {
    static let containers = "  - {name: app, image: \"postgres:16.4\", platform: linux/amd64, pin: false}"

    @Test func theBoxPackageIsCopiedBesideTheTemplateAndInstalledByIt() async throws {
        let fixture = try BuildFixture(containers: Self.containers)
        let run = await fixture.run()
        #expect(run.code == 0, "\(run.stderr)")
        let copied = try fixture.read("edge-imagesmith-box_\(BoxPackageFixture.version)_amd64.deb")
        #expect(copied == (try Data(contentsOf: URL(fileURLWithPath: BoxPackageFixture.path))))
        let hcl = String(decoding: try fixture.read("edge-test.pkr.hcl"), as: UTF8.self)
        #expect(hcl.contains("source      = \"${path.root}/edge-imagesmith-box_\(BoxPackageFixture.version)_amd64.deb\""))
        #expect(hcl.contains("\"BOX_PACKAGE=edge-imagesmith-box_\(BoxPackageFixture.version)_amd64.deb\""))
        #expect(hcl.contains("box_package             = \"edge-imagesmith-box_\(BoxPackageFixture.version)_amd64.deb (sha256:\(try Hash.hex(copied)))\""))
        #expect(FileManager.default.isExecutableFile(atPath: "\(fixture.out)/scripts/install-box.sh"))
        #expect(FileManager.default.fileExists(atPath: "\(fixture.out)/packer-init/versions.pkr.hcl"))
        #expect(run.stdout.contains("box tools edge-imagesmith-box_\(BoxPackageFixture.version)_amd64.deb"))
    }

    @Test func withoutABoxPackageNothingIsWritten() async throws {
        let fixture = try BuildFixture(containers: Self.containers)
        let run = await fixture.run { $0.request.boxPackagePath = nil }
        #expect(run.code == 66)
        #expect(run.stderr.contains("no box package: the image must carry provision and rollback; give --box-package FILE"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fixture.out))
    }

    @Test(arguments: [
        ("edge-imagesmith", "0.3.0", "amd64", "it is the package 'edge-imagesmith', expected edge-imagesmith-box"),
        ("edge-imagesmith-box", "0.3.0", "arm64", "it is for architecture 'arm64'; the image is amd64"),
        // A version that would reach the template's shell step (dpkg-deb would not build it).
        ("edge-imagesmith-box", "1.0;reboot", "amd64", "its version '1.0;reboot' is not a Debian version"),
        ("edge-imagesmith-box", "v1", "amd64", "its version 'v1' is not a Debian version"),
    ])
    func theWrongPackageIsRefused(name: String, version: String, architecture: String, message: String) async throws {
        let fixture = try BuildFixture(containers: Self.containers)
        let deb = try BoxPackageFixture.make(name: name, version: version, architecture: architecture, in: fixture.directory.file("debs"),
                                             handmade: true)
        let run = await fixture.run { $0.request.boxPackagePath = deb }
        #expect(run.code == 65)
        #expect(run.stderr.contains("the box package \(deb): \(message)"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fixture.out))
    }

    @Test func aFileThatIsNoDebianPackageIsRefused() async throws {
        let fixture = try BuildFixture(containers: Self.containers)
        let fake = try fixture.directory.write("fake.deb", "!<arch>\nnot really\n")
        let run = await fixture.run { $0.request.boxPackagePath = fake }
        #expect(run.code == 65)
        #expect(run.stderr.contains("the box package \(fake) is not a readable Debian package"), "\(run.stderr)")
    }
}
