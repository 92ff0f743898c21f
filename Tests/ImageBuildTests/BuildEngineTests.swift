import Basics
import BuildPolicy
import Foundation
import HostIO
@testable import ImageBuild
import ImageReference
import Lock
import PackerTemplate
import Testing
import TestSupport

/// `imagesmith build`'s rules in-process, on an in-memory file system with a scripted
/// resolver: what is written, that nothing is written when anything is wrong, that the lock
/// is the last durable step whatever step power is cut at, and determinism. BuildTests runs
/// the same builds against a real registry and disk.
@Suite struct BuildEngineTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
    /// 2026-11-21T00:00:00Z
    static let november = Date(timeIntervalSince1970: 1_795_219_200)
    static let definition = """
        schema_version: 1
        name: edge-test
        base:
          ubuntu_release: "22.04"
          amazon_ebs: {region: eu-west-1, instance_type: g4dn.xlarge, ami: ami-0123456789abcdef0}
        docker: {docker_ce_version: "5:27.3.1-1~ubuntu.22.04~jammy", nvidia_container_toolkit_version: "1.16.2-1"}
        containers:
          - {name: app, image: "registry.example.net/edge/app:v1", platform: linux/arm64}
          - {name: tool, image: "registry.example.net/edge/tool:v1", platform: linux/amd64}
          - {name: db, image: "postgres:16.4", platform: linux/amd64, pin: false}
        compose: {project: edge, file: compose.yml}
        health_checks:
          - {name: up, service: app, container_running: true}
        """

    /// The compose file: one service per container, by name; the images it names are what the
    /// override replaces (postgres:15 here is not what the definition says for db).
    static let compose = """
        services:
          app: {image: "registry.example.net/edge/app:latest", restart: unless-stopped}
          tool: {image: "registry.example.net/edge/tool:v1"}
          db: {image: "postgres:15", volumes: ["pgdata:/var/lib/postgresql/data"]}
        volumes: {pgdata: {}}
        """

    /// Answers from a table; counts the calls.
    final class ScriptedResolver: ContainerResolving, @unchecked Sendable {
        let answers: [String: Resolution]
        private let lock = NSLock()
        private var asked: [String] = []
        /// "repository@digest" → the cosign signatures stored for it.
        var signatures: [String: [(payload: [UInt8], signature: String)]] = [:]
        init(_ answers: [String: Resolution]) { self.answers = answers }
        var questions: [String] { lock.withLock { asked } }
        func cosignSignatures(_ reference: Reference, digest: Digest) async throws(BuildError) -> [(payload: [UInt8], signature: String)]? {
            lock.withLock { asked.append("signatures \(reference.name)@\(digest)") }
            return signatures["\(reference.name)@\(digest)"]
        }
        func resolve(_ references: [Reference], platform: Platform) async throws(BuildError) -> [Reference: Resolution] {
            lock.withLock { asked += references.map { "\($0) \(platform)" } }
            var result: [Reference: Resolution] = [:]
            for reference in references { result[reference] = answers[reference.description] }
            return result
        }
    }

    struct FixedCommit: SourceControl {
        func commit(of path: String) async -> String? { "0123456789abcdef0123456789abcdef01234567" }
    }

    final class Notes: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    static func digest(_ seed: Character) throws -> Digest { try Digest(parsing: "sha256:" + String(repeating: seed, count: 64)) }

    static func answers() throws -> [String: Resolution] {
        [
            "registry.example.net/edge/app:v1": .resolved(digest: try digest("a"), platformDigest: try digest("b"),
                                                          mediaType: "application/vnd.oci.image.index.v1+json", size: 700,
                                                          platforms: [.init(platform: "linux/arm64", digest: try digest("b"))]),
            "registry.example.net/edge/tool:v1": .resolved(digest: try digest("c"), platformDigest: try digest("c"),
                                                           mediaType: "application/vnd.oci.image.manifest.v1+json", size: 500, platforms: nil),
        ]
    }

    /// The inputs on an in-memory disk: the definition and compose file in /src, the shell
    /// steps in /templates, the box package (a real .deb made with dpkg-deb) at /box.deb.
    static func world() throws -> InMemoryFileSystem {
        let files = InMemoryFileSystem()
        try files.makeDirectory("/src", mode: 0o755)
        try files.write(Array(definition.utf8), to: "/src/image.yaml", mode: 0o644)
        try files.write(Array(compose.utf8), to: "/src/compose.yml", mode: 0o644)
        try files.makeDirectory("/templates", mode: 0o755)
        for script in PackerTemplate.scripts {
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: "\(repository)/templates/\(script)")))
            try files.write(bytes, to: "/templates/\(script)", mode: 0o755)
        }
        try files.write(Array(Data(contentsOf: URL(fileURLWithPath: BoxPackageFixture.path))), to: "/box.deb", mode: 0o644)
        return files
    }

    static func request(offline: Bool = false, lock: String? = nil, box: String? = "/box.deb", previous: [String] = [], firstRelease: Bool = true) -> BuildRequest {
        BuildRequest(definitionPath: "/src/image.yaml", outDirectory: "/out", lockPath: lock, offline: offline, previousReleases: previous,
                     firstRelease: firstRelease, templatesDirectory: "/templates", boxPackagePath: box, now: november)
    }

    static func engine(_ files: InMemoryFileSystem, _ request: BuildRequest = request(), resolver: ScriptedResolver? = nil,
                       notes: Notes = Notes()) throws -> BuildEngine {
        let scripted = try resolver ?? ScriptedResolver(answers())
        return BuildEngine(request: request, files: files, resolver: { _ in scripted }, sourceControl: FixedCommit(), note: notes.add)
    }

    static func outputs(_ files: InMemoryFileSystem) -> [String: InMemoryFileSystem.Node] {
        files.tree.filter { $0.key.hasPrefix("/out/") }
    }

    @Test func aBuildPinsEveryPinnedContainerAndWritesEverything() async throws {
        let files = try Self.world()
        let resolver = try ScriptedResolver(Self.answers())
        let outcome = try await Self.engine(files, resolver: resolver).build()
        #expect(outcome.lock.image.version == "2026.11.1")
        #expect(resolver.questions.sorted() == ["registry.example.net/edge/app:v1 linux/arm64", "registry.example.net/edge/tool:v1 linux/amd64"])
        let app = try #require(outcome.lock.containers.first { $0.name == "app" })
        let (index, child) = (try Self.digest("a"), try Self.digest("b"))
        #expect(app.source == .pinned && app.digest == index && app.platformDigest == child)
        #expect(outcome.lock.containers.first { $0.name == "db" }?.source == .tag)
        let written = Set(Self.outputs(files).keys)
        for name in ["edge-test.lock.json", "edge-test.pkr.hcl", "packer-init/versions.pkr.hcl", "compose.yml", "docker-compose.pinned.yml",
                     "health-checks.json", "edge-test-2026.11.1.tar.gz", "edge-imagesmith-box_\(BoxPackageFixture.version)_amd64.deb"]
            + PackerTemplate.scripts.map({ "scripts/\($0)" }) {
            #expect(written.contains("/out/\(name)"), "\(name) was not written")
        }
        #expect(files.permissions("/out/scripts/prepull.sh") == 0o755)
        #expect(outcome.summary.contains("pinned    app   registry.example.net/edge/app@\(child)"), "the platform child is what the box pulls")
        #expect(outcome.warnings.isEmpty)
    }

    @Test func theSameInputsGiveByteIdenticalOutputs() async throws {
        let first = try Self.world(), second = try Self.world()
        _ = try await Self.engine(first).build()
        _ = try await Self.engine(second).build()
        #expect(Self.outputs(first) == Self.outputs(second))
        #expect(!Self.outputs(first).isEmpty)
    }

    enum Breakage: String, CaseIterable, Sendable {
        case definitionSyntax, composeFileMissing, noBoxPackage, boxPackageNotADeb, registryDown, tagMissing, offlineWithoutLock
    }

    @Test(arguments: Breakage.allCases)
    func nothingIsWrittenWhenAnythingIsWrong(_ breakage: Breakage) async throws {
        let files = try Self.world()
        var request = Self.request()
        var answers = try Self.answers()
        switch breakage {
        case .definitionSyntax: try files.write(Array("name: [unclosed\n".utf8), to: "/src/image.yaml", mode: 0o644)
        case .composeFileMissing: try files.remove("/src/compose.yml")
        case .noBoxPackage: request.boxPackagePath = nil
        case .boxPackageNotADeb: try files.write(Array("not a package".utf8), to: "/box.deb", mode: 0o644)
        case .registryDown: answers["registry.example.net/edge/tool:v1"] = .failed(reason: "connection refused", missingTag: false, unavailable: true)
        case .tagMissing: answers["registry.example.net/edge/tool:v1"] = .failed(reason: "HTTP 404", missingTag: true, unavailable: false)
        case .offlineWithoutLock: request.offline = true
        }
        let before = files.tree
        let mutations = files.mutations
        let engine = try Self.engine(files, request, resolver: ScriptedResolver(answers))
        do throws(BuildError) {
            _ = try await engine.build()
            Issue.record("\(breakage): the build succeeded")
        } catch {
            let expected: Basics.ExitStatus = switch breakage {
            case .definitionSyntax, .boxPackageNotADeb, .composeFileMissing: .dataError
            case .noBoxPackage, .offlineWithoutLock: .noInput
            case .registryDown: .unavailable
            case .tagMissing: .failure
            }
            #expect(error.exitStatus == expected, "\(breakage): \(error)")
            #expect(!error.description.isEmpty)
        }
        #expect(files.mutations == mutations && files.tree == before, "\(breakage): the build wrote something")
    }

    @Test func anOfflineBuildNeverAsksTheRegistryAndSaysWhenTheDefinitionChanged() async throws {
        let files = try Self.world()
        _ = try await Self.engine(files).build()
        // The operator edits the description only: the containers still match the lock.
        try files.write(Array((Self.definition.replacing("name: edge-test", with: "name: edge-test\ndescription: edited")).utf8),
                        to: "/src/image.yaml", mode: 0o644)
        let notes = Notes()
        let offline = BuildEngine(request: Self.request(offline: true, lock: "/out/edge-test.lock.json"), files: files,
                                  resolver: { _ throws(BuildError) in
                                      Issue.record("an offline build made a resolver")
                                      throw .unavailable(["offline"])
                                  }, sourceControl: FixedCommit(), note: notes.add)
        let outcome = try await offline.build()
        #expect(outcome.lock.image.version == "2026.11.1")
        #expect(notes.all.count == 1 && notes.all[0].contains("changed since /out/edge-test.lock.json was made"))
    }

    @Test func anOfflineBuildRefusesALockForOtherContainers() async throws {
        let files = try Self.world()
        _ = try await Self.engine(files).build()
        try files.write(Array(Self.definition.replacing("edge/tool:v1", with: "edge/tool:v2").utf8), to: "/src/image.yaml", mode: 0o644)
        let before = files.tree
        let engine = try Self.engine(files, Self.request(offline: true))
        do throws(BuildError) {
            _ = try await engine.build()
            Issue.record("an offline build used a lock made for other containers")
        } catch {
            #expect(error.exitStatus == .dataError)
            #expect(error.messages.last?.contains("run imagesmith build without --offline") == true, "\(error)")
        }
        #expect(files.tree == before)
    }

    /// Ways a lock on disk can be tampered with, each applied to the JSON of a good lock; every
    /// one must refuse an offline build (exit 65) naming the field, and write nothing.
    static let tamperings: [(name: String, edit: @Sendable (inout [String: Any]) -> Void, field: String)] = [
        ("swapped repository", { lockContainer(&$0, "app") { $0["repository"] = "registry.example.net/evil/app" } }, "/repository"),
        ("swapped tag", { lockContainer(&$0, "app") { $0["tag"] = "v2" } }, "/tag"),
        ("swapped reference", { lockContainer(&$0, "app") { $0["reference"] = "registry.example.net/evil/app:v1" } }, "/reference"),
        ("duplicate entry", { var list = $0["containers"] as! [[String: Any]]; list.append(list[0]); $0["containers"] = list }, "listed twice"),
        ("unpinned by source tag", { lockContainer(&$0, "app") { $0["source"] = "tag" } }, "cannot unpin"),
        ("kept on tag without keep-tag", { lockContainer(&$0, "app") { $0["source"] = "unresolved-tag" } }, "on_unresolved: fail"),
        ("built without a context", { lockContainer(&$0, "app") { $0["source"] = "build"; $0["build_context"] = "../../etc" } }, "no build context"),
        ("pinned stateful service", { lockContainer(&$0, "db") { $0["source"] = "pinned"; $0["platform_digest"] = "sha256:" + String(repeating: "e", count: 64) } }, "pin: false"),
        ("other platform", { lockContainer(&$0, "app") { $0["platform"] = "linux/amd64" } }, "/platform"),
        ("version with a path", { var image = $0["image"] as! [String: Any]; image["version"] = "../../../tmp/x"; $0["image"] = image }, "/image/version"),
        ("version with a newline", { var image = $0["image"] as! [String: Any]; image["version"] = "2026.11.1\nservices: {}"; $0["image"] = image }, "/image/version"),
        ("version not canonical", { var image = $0["image"] as! [String: Any]; image["version"] = "2026.+1.1"; $0["image"] = image }, "/image/version"),
        ("fullwidth digits", { var image = $0["image"] as! [String: Any]; image["version"] = "２０２６.11.1"; $0["image"] = image }, "/image/version"),
        ("definition sha with a newline", { $0["definition_sha256"] = "abc\n# injected" }, "/definition_sha256"),
        ("extra container", { var list = $0["containers"] as! [[String: Any]]; var extra = list[0]; extra["name"] = "extra"; list.append(extra); $0["containers"] = list }, "not in the definition"),
        ("missing container", { var list = $0["containers"] as! [[String: Any]]; list.removeAll { $0["name"] as? String == "tool" }; $0["containers"] = list }, "no entry for container 'tool'"),
    ]

    static func lockContainer(_ lock: inout [String: Any], _ name: String, _ edit: (inout [String: Any]) -> Void) {
        var list = lock["containers"] as! [[String: Any]]
        let index = list.firstIndex { $0["name"] as? String == name }!
        edit(&list[index])
        lock["containers"] = list
    }

    @Test(arguments: tamperings.indices)
    func aTamperedLockRefusesTheOfflineBuildAndWritesNothing(_ index: Int) async throws {
        let (name, edit, field) = Self.tamperings[index]
        let files = try Self.world()
        _ = try await Self.engine(files).build()
        let path = "/out/edge-test.lock.json"
        let lockBytes = try #require(files.contents(path))
        var json = try #require(JSONSerialization.jsonObject(with: Data(lockBytes)) as? [String: Any])
        edit(&json)
        try files.write(Array(try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])), to: path, mode: 0o644)
        let before = files.tree
        let engine = try Self.engine(files, Self.request(offline: true, lock: path))
        do throws(BuildError) {
            _ = try await engine.build()
            Issue.record("\(name): the offline build used the tampered lock")
        } catch {
            #expect(error.exitStatus == .dataError, "\(name): \(error)")
            #expect(error.description.contains(field), "\(name): \(error)")
            #expect(!error.description.contains("\n# injected") && !error.description.contains("\nservices"), "\(name): a control character reached the message")
        }
        #expect(files.tree == before, "\(name): the build wrote something")
    }

    /// The lock an offline build goes on with takes names, repositories and platforms from the
    /// definition, not from the file: a note or media type edited in the lock is not carried.
    @Test func anOfflineBuildRewritesTheLockFromTheDefinition() async throws {
        let files = try Self.world()
        let first = try await Self.engine(files).build()
        let path = "/out/edge-test.lock.json"
        let lockBytes = try #require(files.contents(path))
        var json = try #require(JSONSerialization.jsonObject(with: Data(lockBytes)) as? [String: Any])
        Self.lockContainer(&json, "db") { $0["note"] = "x\ny" }
        Self.lockContainer(&json, "app") { $0["media_type"] = "text/plain\r\nX: y" }
        try files.write(Array(try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])), to: path, mode: 0o644)
        let outcome = try await Self.engine(files, Self.request(offline: true, lock: path)).build()
        #expect(outcome.lock.containers.first { $0.name == "db" }?.note == first.lock.containers.first { $0.name == "db" }?.note)
        #expect(outcome.lock.containers.first { $0.name == "app" }?.mediaType == nil)
        #expect(outcome.lock.containers.map(\.platformDigest) == first.lock.containers.map(\.platformDigest))
    }

    enum Escape: String, CaseIterable, Sendable {
        case composeFileIsALinkOut, composeDirectoryIsALinkOut, contextIsALinkOut, contextHoldsAnAbsoluteLink, contextHoldsALinkUpAndOut
    }

    /// Nothing outside the definition's directory is read through a link: each way out refuses
    /// the build (65) with the link named, and nothing is written.
    @Test(arguments: Escape.allCases)
    func linksNeverPullInFilesFromOutsideTheDefinitionsDirectory(_ escape: Escape) async throws {
        let files = try Self.world()
        try files.makeDirectory("/secret", mode: 0o700)
        try files.write(Array("root:x:0:0".utf8), to: "/secret/passwd", mode: 0o600)
        let definition = Self.definition.replacing("compose: {project: edge, file: compose.yml}", with: "compose: {project: edge, file: conf/compose.yml}")
            .replacing("platform: linux/amd64}\n  - {name: db", with: "platform: linux/amd64, build: {context: tool}}\n  - {name: db")
        try files.write(Array(definition.utf8), to: "/src/image.yaml", mode: 0o644)
        try files.makeDirectory("/src/conf", mode: 0o755)
        try files.write(Array("services: {}\n".utf8), to: "/src/conf/compose.yml", mode: 0o644)
        try files.makeDirectory("/src/tool/sub", mode: 0o755)
        try files.write(Array("FROM scratch\n".utf8), to: "/src/tool/Dockerfile", mode: 0o644)
        switch escape {
        case .composeFileIsALinkOut: try files.symlink("/secret/passwd", at: "/src/conf/compose.yml")
        case .composeDirectoryIsALinkOut: try files.removeTree("/src/conf"); try files.symlink("/secret", at: "/src/conf")
        case .contextIsALinkOut: try files.removeTree("/src/tool"); try files.symlink("/secret", at: "/src/tool")
        case .contextHoldsAnAbsoluteLink: try files.symlink("/secret/passwd", at: "/src/tool/sub/passwd")
        case .contextHoldsALinkUpAndOut: try files.symlink("../../conf/compose.yml", at: "/src/tool/sub/up")
        }
        var answers = try Self.answers()
        answers["registry.example.net/edge/tool:v1"] = .failed(reason: "HTTP 404", missingTag: true, unavailable: false)
        let before = files.tree
        let engine = try Self.engine(files, resolver: ScriptedResolver(answers))
        do throws(BuildError) {
            _ = try await engine.build()
            Issue.record("\(escape): the build followed a link out")
        } catch {
            #expect(error.exitStatus == .dataError, "\(escape): \(error)")
            #expect(error.description.contains("symbolic link"), "\(escape): \(error)")
        }
        #expect(files.tree == before, "\(escape): the build wrote something")
    }

    /// A link inside a build context that stays inside it (`loop -> .` included) is copied as
    /// the same link, never walked.
    @Test func linksThatStayInsideAContextAreCopiedAsLinks() async throws {
        let files = try Self.world()
        let definition = Self.definition.replacing("platform: linux/amd64}\n  - {name: db", with: "platform: linux/amd64, build: {context: tool}}\n  - {name: db")
        try files.write(Array(definition.utf8), to: "/src/image.yaml", mode: 0o644)
        try files.makeDirectory("/src/tool/sub", mode: 0o755)
        try files.write(Array("FROM scratch\n".utf8), to: "/src/tool/Dockerfile", mode: 0o644)
        try files.symlink(".", at: "/src/tool/loop")
        try files.symlink("../Dockerfile", at: "/src/tool/sub/df")
        var answers = try Self.answers()
        answers["registry.example.net/edge/tool:v1"] = .failed(reason: "HTTP 404", missingTag: true, unavailable: false)
        _ = try await Self.engine(files, resolver: ScriptedResolver(answers)).build()
        #expect(files.linkTarget("/out/build-contexts/tool/loop") == ".")
        #expect(files.linkTarget("/out/build-contexts/tool/sub/df") == "../Dockerfile")
        #expect(!files.exists("/out/build-contexts/tool/loop/loop/Dockerfile") || files.kind("/out/build-contexts/tool/loop") == .symlink)
        #expect(files.contents("/out/build-contexts/tool/Dockerfile") == Array("FROM scratch\n".utf8))
    }

    /// Power cut after every possible number of writes: the lock (the file the next build
    /// counts versions from) is never on disk unless everything else is complete, and the
    /// next run converges on the uninterrupted result byte for byte.
    @Test func theLockIsTheLastDurableStepAtEveryPowerCut() async throws {
        let reference = try Self.world()
        let start = reference.mutations
        _ = try await Self.engine(reference).build()
        let steps = reference.mutations - start
        let expected = Self.outputs(reference)
        #expect(steps > 10, "a build takes many durable steps (took \(steps))")
        for cut in 0..<steps {
            let files = try Self.world()
            let engine = try Self.engine(files.failingAfter(cut))
            do throws(BuildError) {
                _ = try await engine.build()
                Issue.record("cut after \(cut) of \(steps): the build did not notice the failed write")
            } catch {
                #expect(error.exitStatus == .cannotWrite, "cut after \(cut): \(error)")
            }
            #expect(!files.exists("/out/edge-test.lock.json"), "cut after \(cut) of \(steps): the lock is on disk before the build finished")
            let next = files.copy()
            _ = try await Self.engine(next).build()
            #expect(Self.outputs(next) == expected, "cut after \(cut) of \(steps): the rerun differs from an uninterrupted build")
        }
    }
}

/// Containers map to compose services by name: a build never leaves a service of the compose
/// file on a tag the definition did not choose, and never adds one the file does not configure.
@Suite struct ComposeServiceMappingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var compose: String
        /// Fragments every one of which the error must hold (file:line:col of both sides).
        var expected: [String]
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "a service under another name than its container",
             compose: "services:\n  app: {image: a}\n  tool: {image: b}\n  database: {image: 'postgres:16.4'}\n",
             expected: ["/src/compose.yml:4:3: /services/database: service 'database' is not a container",
                        "container with no service: 'db' (/src/image.yaml:10:12)",
                        "/src/image.yaml:10:12: /containers/2/name: container 'db' is not a service of the compose file",
                        "service with no container: 'database' (/src/compose.yml:4:3)"]),
        Case(label: "a service the definition does not have",
             compose: "services:\n  app: {image: a}\n  tool: {image: b}\n  db: {image: c}\n  sidecar: {image: 'busybox:latest'}\n",
             expected: ["/src/compose.yml:5:3: /services/sidecar: service 'sidecar' is not a container", "its image 'busybox:latest' from its tag, unpinned"]),
        Case(label: "a service with a build and no image",
             compose: "services:\n  app: {image: a}\n  tool: {image: b}\n  db: {image: c}\n  local:\n    build: ./local\n",
             expected: ["/src/compose.yml:5:3: /services/local: service 'local' is not a container", "an image nobody pinned"]),
        Case(label: "a container the compose file does not have",
             compose: "services:\n  app: {image: a}\n  db: {image: c}\n",
             expected: ["/src/image.yaml:9:12: /containers/1/name: container 'tool' is not a service of the compose file /src/compose.yml, whose services are 'app', 'db'"]),
        Case(label: "no services at all", compose: "version: '3'\n", expected: ["/src/compose.yml:1:1: /: no 'services' mapping"]),
        Case(label: "services that are not a mapping", compose: "services: [app, tool, db]\n", expected: ["/src/compose.yml:1:11: /services: expected a mapping of services"]),
        Case(label: "a compose file that is not YAML", compose: "services:\n  app: {image: a\n", expected: ["/src/compose.yml:", "invalid YAML"]),
    ]

    @Test(arguments: cases)
    func aServiceLeftUnpinnedIsRefusedWithBothPlaces(_ c: Case) async throws {
        let files = try BuildEngineTests.world()
        try files.write(Array(c.compose.utf8), to: "/src/compose.yml", mode: 0o644)
        let before = files.tree
        let engine = try BuildEngineTests.engine(files)
        do throws(BuildError) {
            _ = try await engine.build()
            Issue.record("\(c.label): the build went through")
        } catch {
            #expect(error.exitStatus == .dataError, "\(error)")
            for fragment in c.expected { #expect(error.description.contains(fragment), "\(c.label): '\(fragment)' not in:\n\(error)") }
        }
        #expect(files.tree == before, "\(c.label): the build wrote something")
    }

    /// What runs on the box is what the lock says, as Compose itself merges the files: every
    /// service pinned by digest, the one the definition leaves on its tag on the definition's
    /// tag (not the compose file's postgres:15).
    @Test func composeItselfRunsEveryServiceAsTheLockSays() async throws {
        let files = try BuildEngineTests.world()
        let outcome = try await BuildEngineTests.engine(files).build()
        let directory = try TemporaryDirectory("compose-merge")
        for name in ["compose.yml", "docker-compose.pinned.yml"] {
            try directory.write(name, String(decoding: try #require(files.contents("/out/\(name)")), as: UTF8.self))
        }
        // Compose's own merge (v1 prints YAML only; python reads it).
        let config = try await ProcessSupport.runDetached("docker-compose", [
            "--project-name", "edge", "-f", directory.file("compose.yml"), "-f", directory.file("docker-compose.pinned.yml"), "config",
        ], environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "DOCKER_HOST": "unix:///nonexistent.sock"])
        #expect(config.status == 0, "\(config.stderr)")
        let merged = try await ProcessSupport.runDetached("python3", ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"], stdin: config.stdout)
        #expect(merged.status == 0, "\(merged.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(merged.stdout.utf8)) as? [String: Any])
        let services = try #require(document["services"] as? [String: [String: Any]])
        var images: [String: String] = [:]
        for (name, service) in services { images[name] = service["image"] as? String }
        var expected: [String: String] = [:]
        for container in outcome.lock.containers { expected[container.name] = container.pinnedReference ?? container.taggedReference }
        #expect(images == expected)
        #expect(images["db"] == "docker.io/library/postgres:16.4")
        #expect(images["app"]?.contains("@sha256:") == true && images["tool"]?.contains("@sha256:") == true)
    }
}
